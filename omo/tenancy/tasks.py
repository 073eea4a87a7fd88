from datetime import timedelta

from celery import Task, current_app
from django.db import transaction
from django.utils import timezone

from omo import metrics

from .models import Merchant
from .scoping import merchant_scope


class TenantTask(Task):
    """Celery task base: the first argument is the merchant id and the whole run is scoped to it.

    Scoping per task (not a thread-local left over from a previous task) means one task can
    never read another merchant's rows.
    """

    abstract = True
    tenant_task = True  # logs name the merchant: the first argument (omo.tasksignals)

    def __call__(self, merchant_id, *args, **kwargs):
        with merchant_scope(merchant_id):
            return super().__call__(merchant_id, *args, **kwargs)


def requeue_due(due_ids, task, *, grace_seconds: int = 30) -> int:
    """For beat sweepers: queue `task(merchant_id, id)` for every id that `due_ids(merchant=...,
    older_than=...)` still lists after `grace_seconds` (its own event may still be on its way),
    merchant by merchant. Returns how many were queued."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    queued = 0
    for merchant_id in Merchant.objects.values_list("pk", flat=True):
        for object_id in due_ids(merchant=merchant_id, older_than=cutoff):
            task.delay(merchant_id, object_id)
            queued += 1
    metrics.sweeper_requeued(task=task.name, count=queued)
    return queued


def task_enqueue_on_commit(name: str, *args) -> None:
    """Queue the task registered as `name` once the current transaction commits.

    By name, so a service never imports its app's tasks module (which imports the service):
    every app's tasks are registered at start-up (`TenancyConfig.ready`). `robust`: a broker
    outage never fails the request; each app's beat sweeper catches up.
    """
    task = current_app.tasks[name]  # an unknown name fails here, in the request, not silently later
    transaction.on_commit(lambda: task.delay(*args), robust=True)
