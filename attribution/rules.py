"""Attribution rules (SPEC section 3) as one pure decision.

No ORM and no I/O: the Celery worker and the ``attribution_replay`` command
both load plain facts and call :func:`decide`, so there is exactly one copy of
the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# An order is credited when placed at most this long after the winning click.
WINDOW = timedelta(hours=24)


class Reason(StrEnum):
    CREDITED = "credited"
    NO_CLICK = "no_click"
    CLICK_EXPIRED = "click_expired"
    CLICK_USED = "click_used"
    STAFF_RESIGNED = "staff_resigned"
    STORE_REMOVED = "store_removed"


@dataclass(frozen=True)
class ClickFacts:
    """A logged-in member opening a recommendation link.

    ``staff_id``/``store_id`` are the link's, not the device's or the sharer's:
    the clicking account is what counts.
    """

    id: str
    link_id: str
    staff_id: str
    store_id: str
    at: datetime


@dataclass(frozen=True)
class OrderFacts:
    """Only identity and time: order contents never affect attribution."""

    id: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    reason: Reason
    # The click the rules judged (the latest one at or before the order), kept
    # even when not credited so callers can explain why.
    click: ClickFacts | None
    # Set by decide(); defaulted only so Decision(reason, click) still builds.
    order: OrderFacts | None = None

    @property
    def credited(self) -> bool:
        return self.reason is Reason.CREDITED

    @property
    def staff_id(self) -> str | None:
        return self.click.staff_id if self.credited and self.click else None

    @property
    def store_id(self) -> str | None:
        return self.click.store_id if self.credited and self.click else None

    @property
    def delay(self) -> timedelta | None:
        """Time from the judged click to the order, or None without a click."""
        if self.click is None or self.order is None:
            return None
        return self.order.at - self.click.at


def click_lookback(order_at: datetime) -> datetime:
    """Earliest click time that can still credit an order placed at ``order_at``.

    Callers may pre-filter clicks with ``at >= click_lookback(order.at)`` and
    ``at <= order.at``; even passing only the member's latest such click is
    enough, because decide() never falls back to an older click. Note that a
    click older than the window is then reported as NO_CLICK instead of
    CLICK_EXPIRED; the outcome (not credited) is the same.
    """
    return order_at - WINDOW


def _order_key(order: OrderFacts) -> tuple[datetime, str]:
    # Orders at the same instant are ordered by id so "first order after the
    # click" is always well defined.
    return (order.at, order.id)


def decide(
    *,
    order: OrderFacts,
    clicks: Iterable[ClickFacts],
    other_orders: Iterable[OrderFacts],
    staff_resigned_at: Mapping[str, datetime | None],
    store_removed_at: Mapping[str, datetime | None],
) -> Decision:
    """Decide whether ``order`` is credited, and to which click.

    ``clicks`` are the ordering member's clicks on any link of any staff;
    ``other_orders`` are the same member's other orders (``order`` itself may
    be included, it is skipped by id; cancelled orders must be included, since
    a cancelled order still used its click). All datetimes are tz-aware.

    Rules, checked in this order:

    1. The candidate is the latest click with ``click.at <= order.at`` (ties on
       time: the larger click id wins). None -> ``NO_CLICK``. Clicks after the
       order are ignored.
    2. ``order.at - click.at > WINDOW`` -> ``CLICK_EXPIRED``. The window is
       inclusive: exactly 24h after the click is credited, 24h + 1s is not.
    3. Another order of the member with ``click.at <= other.at`` and
       ``(other.at, other.id) < (order.at, order.id)`` -> ``CLICK_USED``: only
       the first order after a click is credited; a newer click re-arms.
    4. The link's staff resigned at or before ``order.at`` -> ``STAFF_RESIGNED``.
    5. The link's store removed at or before ``order.at`` -> ``STORE_REMOVED``.

    In cases 2-5 there is no fallback to an older click: the order is simply
    not credited. Missing keys (or ``None``) in the two mappings mean "still
    employed" / "still exists". Device, who shared the link and the order's
    contents play no part.
    """
    if order.at.tzinfo is None:
        raise ValueError(f"order {order.id} has a naive datetime")

    # Rule 1: latest click at or before the order.
    candidate: ClickFacts | None = None
    for click in clicks:
        if click.at > order.at:
            continue
        if candidate is None or (click.at, click.id) > (candidate.at, candidate.id):
            candidate = click
    if candidate is None:
        return Decision(Reason.NO_CLICK, None, order)

    # Rule 2: inclusive 24h window.
    if order.at - candidate.at > WINDOW:
        return Decision(Reason.CLICK_EXPIRED, candidate, order)

    # Rule 3: an earlier order since this click already consumed it.
    this_key = _order_key(order)
    for other in other_orders:
        if other.id == order.id:
            continue
        if candidate.at <= other.at and _order_key(other) < this_key:
            return Decision(Reason.CLICK_USED, candidate, order)

    # Rules 4 and 5: judged at order time, no re-crediting anyone else.
    resigned = staff_resigned_at.get(candidate.staff_id)
    if resigned is not None and resigned <= order.at:
        return Decision(Reason.STAFF_RESIGNED, candidate, order)
    removed = store_removed_at.get(candidate.store_id)
    if removed is not None and removed <= order.at:
        return Decision(Reason.STORE_REMOVED, candidate, order)

    return Decision(Reason.CREDITED, candidate, order)
