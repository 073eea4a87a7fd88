import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from django.conf import settings

from . import tasksignals  # noqa: F401  (connects the request id, log context and task metrics)
from . import telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")

app = Celery("omo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def logging_from_django_settings(**_kwargs):
    """Workers log through Django's LOGGING (structured, LOG_FORMAT) instead of Celery's own setup."""
    logging.config.dictConfig(settings.LOGGING)


@worker_process_init.connect(weak=False)
def tracing_in_worker_process(**_kwargs):
    """OpenTelemetry in each worker process (after the fork), when its variables are set."""
    telemetry.tracing_init(celery=True)
