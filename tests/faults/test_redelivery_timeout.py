"""A task held by a killed worker is redelivered after the broker's visibility timeout: that
timeout must outlast the longest task (or a slow task runs twice) and not much more (or a lost
task waits for nothing, as it did at one hour)."""

from django.conf import settings

from omo.celery import app


def test_visibility_timeout_outlasts_every_task_and_not_by_much():
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "reports.export_orders" in tasks and "attribution.drain_due" in tasks

    limits = {name: task.time_limit or app.conf.task_time_limit for name, task in tasks.items()}
    assert all(limits.values()), "every task has a hard time limit"
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(limits.values())
    assert timeout > longest, f"visibility timeout {timeout}s <= longest task {longest}s"
    assert timeout <= longest + 120, f"a killed worker's task waits {timeout - longest}s beyond the longest task"
