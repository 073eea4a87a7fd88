from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttributionConfig(AppConfig):
    name = "attribution"
    verbose_name = _("Attribution")

    def ready(self):
        from . import signals  # noqa: F401  (keeps the performance rollups on member registration)
