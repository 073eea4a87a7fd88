from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omo.accounts"
    label = "accounts"

    def ready(self):
        from . import signals  # noqa: F401  (drops the cached user on every save)
        from . import middleware, throttling  # noqa: F401  (session start times; lockouts for the growing cool-off)
