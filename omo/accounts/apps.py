from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omo.accounts"
    label = "accounts"

    def ready(self):
        from . import signals  # noqa: F401  (drops the cached user on every save)
