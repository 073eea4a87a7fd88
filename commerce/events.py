"""The one place an order event fans out to the workers that follow orders.

Every write path (storefront checkout, order API, admin edits) calls `order_changed` inside
its transaction; the tasks are queued only after commit, and each is idempotent, so a
duplicated or replayed event changes nothing. `robust`: a broker outage never fails the
request that saved the order; the beat sweepers catch up on attribution, partner figures and points
(the last two marked as due in the same transaction, so a lost edit is found too).
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


def _before_commit_hooks():
    """Marks written in the order's transaction: what the followers still owe it (the sweepers'
    work list when an event is lost)."""
    hooks = []
    try:  # partner figures of a referred order
        from partners.services import campaign_order_due

        hooks.append(campaign_order_due)
    except ImportError:
        pass
    try:  # the member's points
        from loyalty.services import order_points_due

        hooks.append(order_points_due)
    except ImportError:
        pass
    return hooks


def order_changed(order: Order) -> None:
    merchant_id, order_id = order.merchant_id, order.pk
    for hook in _before_commit_hooks():
        hook(order)
    for task in _task_signatures():
        transaction.on_commit(lambda task=task: task.delay(merchant_id, order_id), robust=True)
