from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "omo.tenancy"
    label = "tenancy"
