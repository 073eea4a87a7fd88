from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omo.accounts"
    label = "accounts"
