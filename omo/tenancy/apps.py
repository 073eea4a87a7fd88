from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TenancyConfig(AppConfig):
    name = "omo.tenancy"
    label = "tenancy"

    def ready(self):
        from . import signals  # noqa: F401  (forgets cached merchants on edit)
        from .scoping import join_tenant_tables_on_merchant

        join_tenant_tables_on_merchant()

        # Register every app's Celery tasks now (all models are loaded), so services can queue
        # them by name (tasks.task_enqueue_on_commit) in the web process as in the worker.
        autodiscover_modules("tasks")
