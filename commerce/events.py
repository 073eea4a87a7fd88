"""The one place an order event fans out to the workers that follow orders.

Every write path (storefront checkout, order API, admin edits) calls `order_changed` inside
its transaction; the tasks are queued only after commit, and each is idempotent, so a
duplicated or replayed event changes nothing. `robust`: a broker outage never fails the
request that saved the order; the beat sweeper catches up on attribution.
"""

from django.db import transaction

from .models import Order


def _task_signatures():
    from attribution.tasks import attribute_order_task

    tasks = [attribute_order_task]
    try:  # apps written alongside; each owns its task
        from partners.tasks import order_campaign_update_task

        tasks.append(order_campaign_update_task)
    except ImportError:
        pass
    try:
        from loyalty.tasks import order_points_task

        tasks.append(order_points_task)
    except ImportError:
        pass
    return tasks


def order_changed(order: Order) -> None:
    merchant_id, order_id = order.merchant_id, order.pk
    for task in _task_signatures():
        transaction.on_commit(lambda task=task: task.delay(merchant_id, order_id), robust=True)
