from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "omo.tenancy"
    label = "tenancy"

    def ready(self):
        from . import signals  # noqa: F401  (forgets cached merchants on edit)
