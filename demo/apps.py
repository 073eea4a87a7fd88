from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`): it may import every app, so it sits above them all."""

    name = "demo"
    verbose_name = "Demo data"
