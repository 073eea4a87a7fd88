"""The one place an order event fans out to the workers that follow orders.

Every write path (storefront checkout, order API, admin edits) calls `order_changed` inside
its transaction; the tasks are queued only after commit, and each is idempotent, so a
duplicated or replayed event changes nothing. `robust`: a broker outage never fails the
request that saved the order; the beat sweepers catch up on attribution, partner figures and points
(the last two marked as due in the same transaction, so a lost edit is found too).
"""

from django.db import transaction

from .models import Order


def _followers():
    """(mark, task) per app that follows orders. `mark(order)`, when there is one, runs in the
    order's transaction and records what the app still owes the order (its sweeper's work list
    if the event is lost); `task(merchant_id, order_id)` is queued after commit. Imported here,
    not at module level: those apps import commerce's models."""
    from attribution.tasks import attribute_order_task
    from loyalty.services import order_points_due
    from loyalty.tasks import order_points_task
    from partners.services import campaign_order_due
    from partners.tasks import order_campaign_update_task

    return [
        (None, attribute_order_task),  # its sweeper finds unattributed orders by themselves
        (campaign_order_due, order_campaign_update_task),
        (order_points_due, order_points_task),
    ]


def order_changed(order: Order) -> None:
    merchant_id, order_id = order.merchant_id, order.pk
    for mark, task in _followers():
        if mark is not None:
            mark(order)
        transaction.on_commit(lambda task=task: task.delay(merchant_id, order_id), robust=True)
