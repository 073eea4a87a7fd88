"""The one place an order change fans out to the apps that follow orders.

The order service (`commerce.services`) calls `order_changed` inside the transaction of every
create, update and cancel, whichever way the order came in (storefront, order API, admin, a
connector). The followers are named in `settings.ORDER_FOLLOWERS`, never imported here: commerce
is the ground floor and knows nothing of attribution, partners or loyalty. Each follower's mark
runs in the order's transaction; its task is queued only after commit and is idempotent, so a
duplicated or replayed event changes nothing. `robust`: a broker outage never fails the request
that saved the order; the beat sweepers catch up.
"""

from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .models import Order


@cache
def followers() -> tuple:
    """(mark, after-commit step) per follower; the step is a Celery task (queued), a function
    that queues what it needs itself (e.g. one batch for a burst of events), or None (a mark only)."""
    steps = (
        (import_string(mark) if mark else None, import_string(step) if step else None)
        for mark, step in settings.ORDER_FOLLOWERS
    )
    return tuple((mark, getattr(step, "delay", step)) for mark, step in steps)


def order_changed(order: Order) -> None:
    merchant_id, order_id = order.merchant_id, order.pk
    for mark, step in followers():
        if mark is not None:
            mark(order)
        if step is not None:
            transaction.on_commit(lambda step=step: step(merchant_id, order_id), robust=True)
