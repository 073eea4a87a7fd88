"""Attribution due marks: live order events decided in micro-batches, and a sweep that reads
only the marks (issue 18).

Every order event marks its order due in the order's own transaction (`order_attribution_due`,
the attribution follower's mark in settings.ORDER_FOLLOWERS) and asks, after commit, for a
drain of its merchant (`tasks.drain_request`). A drain decides up to DRAIN_BATCH due orders with
the batch path (`services.orders_attribute`: a few queries for the whole batch, not per order)
and then clears their marks in a short transaction of its own, after the decision committed.

Lock order, so marking and deciding never wait on each other in a cycle (an earlier design that
upserted the mark under the decision's member locks deadlocked on PostgreSQL): the mark has no
foreign key to the order (no key-share lock on the order row); the decision never touches the
marks; the clearing transaction locks only marks, skips a mark an order transaction is writing
(SKIP LOCKED) and so never waits for anything.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from commerce.models import Order
from omo.tenancy.models import Merchant

from . import services
from .models import AttributionDue

DRAIN_BATCH = 500  # due orders per drain: one batch of the batch path


def order_attribution_due(order: Order) -> None:
    """The attribution follower's mark, in the order's transaction: due until a drain decides it.

    An order marked again (a later event) takes a new `marked_at`, so a drain that read the
    earlier mark (and may have read the order before this change) leaves it due."""
    AttributionDue.objects.for_merchant(order.merchant_id).bulk_create(
        [AttributionDue(merchant_id=order.merchant_id, order_id=order.pk, marked_at=timezone.now())],
        update_conflicts=True, unique_fields=["merchant", "order_id"], update_fields=["marked_at"],
    )


def due_drain(*, merchant_id: int, limit: int = DRAIN_BATCH) -> int:
    """Decide the merchant's longest-due orders (at most `limit`), then clear the marks read.
    Returns how many marks were taken. Must run outside a transaction in production (the
    decision commits before its marks are cleared)."""
    marks = dict(
        AttributionDue.objects.for_merchant(merchant_id)
        .order_by("marked_at").values_list("order_id", "marked_at")[:limit]
    )
    if not marks:
        return 0
    services.orders_attribute(merchant_id=merchant_id, order_ids=sorted(marks))
    _marks_clear(merchant_id, marks)
    return len(marks)


@transaction.atomic
def _marks_clear(merchant_id: int, marks: dict[int, datetime]) -> None:
    """Delete exactly the marks the drain read. One marked again since (another `marked_at`) or
    being written by an order transaction right now (locked: skipped, never waited for) stays
    due for the next drain."""
    due = AttributionDue.objects.for_merchant(merchant_id)
    rows = due.filter(order_id__in=list(marks)).select_for_update(skip_locked=True).values_list(
        "pk", "order_id", "marked_at"
    )
    done = [pk for pk, order_id, marked_at in rows if marks.get(order_id) == marked_at]
    if done:
        due.filter(pk__in=done).delete()


def due_counts(*, older_than: datetime, limit: int = 50 * DRAIN_BATCH) -> dict[int, int]:
    """For the beat sweep: merchant -> how many orders have been due since before `older_than`
    (their event, or its drain, was lost). One index probe per merchant when nothing is due."""
    counts = {}
    for merchant_id in Merchant.objects.values_list("pk", flat=True):
        due = AttributionDue.objects.for_merchant(merchant_id).filter(marked_at__lte=older_than)
        count = len(due.values_list("pk", flat=True)[:limit])
        if count:
            counts[merchant_id] = count
    return counts
