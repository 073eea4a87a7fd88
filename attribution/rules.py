"""Attribution rules (SPEC section 3) as one pure decision.

No ORM and no I/O: the Celery worker and the ``attribution_replay`` command
both load plain facts and call :func:`decide`, so there is exactly one copy of
the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# The seed's defaults: an order is credited when placed at most 24 hours after the winning
# click, and in-store orders are not judged against clicks.
DEFAULT_WINDOW_HOURS = 24
# The longest window a merchant may set (one year); also keeps timedelta arithmetic finite.
MAX_WINDOW_HOURS = 8760


class Reason(StrEnum):
    CREDITED = "credited"
    NO_CLICK = "no_click"
    CLICK_EXPIRED = "click_expired"
    CLICK_USED = "click_used"
    SELF_REFERRAL = "self_referral"
    STAFF_RESIGNED = "staff_resigned"
    STORE_REMOVED = "store_removed"
    IN_STORE = "in_store"
    NOT_ONLINE = "not_online"


class Channel(StrEnum):
    """Where the order was placed, as far as attribution cares.

    The caller maps its sales channels onto these: the online store group -> ONLINE, the retail
    store group (POS, kiosk, OMO) -> STORE, anything else (API, imported orders) -> OTHER.
    """

    ONLINE = "online"
    STORE = "store"
    OTHER = "other"


@dataclass(frozen=True)
class Policy:
    """A merchant's attribution settings, in force from ``effective_from`` (None: always).

    A change applies to orders placed at or after its ``effective_from``; each order, and each
    other order that might have used a click, is judged by the policy in force when it was placed.
    """

    window_hours: int = DEFAULT_WINDOW_HOURS
    in_store_credit: bool = False
    effective_from: datetime | None = None

    def __post_init__(self) -> None:
        hours = self.window_hours
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 < hours <= MAX_WINDOW_HOURS:
            raise ValueError(f"window_hours must be an integer from 1 to {MAX_WINDOW_HOURS}: {hours!r}")

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    def judges(self, channel: Channel) -> bool:
        """Whether an order from ``channel`` is judged against link clicks (and so uses one up)."""
        return channel is Channel.ONLINE or (channel is Channel.STORE and self.in_store_credit)


DEFAULT_POLICY = Policy()
# The default window, kept for callers that do not deal with merchant settings.
WINDOW = DEFAULT_POLICY.window


def policy_at(policies: Sequence[Policy], at: datetime) -> Policy:
    """The policy in force at ``at``: the latest one with ``effective_from <= at`` (None counts as
    earliest; on equal times the later one in the sequence wins), else the default."""
    in_force = [
        (policy.effective_from is not None, policy.effective_from or at, position, policy)
        for position, policy in enumerate(policies)
        if policy.effective_from is None or policy.effective_from <= at
    ]
    return max(in_force, key=lambda entry: entry[:3])[3] if in_force else DEFAULT_POLICY


def longest_window(policies: Iterable[Policy]) -> timedelta:
    """The longest window any order may be judged by (the default included): how far back to
    load clicks, and how far after an order to look for orders it may have taken a click from."""
    return max([WINDOW, *(policy.window for policy in policies)])


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
    """Identity, time and channel: order contents never affect attribution.

    ``member_staff_id`` is set when the ordering member account belongs to a staff member (their
    own shopper account): an order through that staff member's own link is a self-referral.
    """

    id: str
    at: datetime
    channel: Channel = Channel.ONLINE
    member_staff_id: str | None = None


@dataclass(frozen=True)
class Decision:
    reason: Reason
    # The click the rules judged (the latest one at or before the order), kept
    # even when not credited so callers can explain why.
    click: ClickFacts | None
    # Set by decide(); defaulted only so Decision(reason, click) still builds.
    order: OrderFacts | None = None
    # The settings the order was judged by (decide() always sets it).
    policy: Policy = DEFAULT_POLICY

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


def click_lookback(order_at: datetime, policy: Policy = DEFAULT_POLICY) -> datetime:
    """Earliest click time that can still credit an order placed at ``order_at`` under ``policy``.

    Callers may pre-filter clicks with ``at >= click_lookback(order.at)`` and
    ``at <= order.at``; even passing only the member's latest such click is
    enough, because decide() never falls back to an older click. Note that a
    click older than the window is then reported as NO_CLICK instead of
    CLICK_EXPIRED; the outcome (not credited) is the same.
    """
    return order_at - policy.window


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
    policies: Sequence[Policy] = (),
) -> Decision:
    """Decide whether ``order`` is credited, and to which click.

    ``clicks`` are the ordering member's clicks on any link of any staff;
    ``other_orders`` are the same member's other orders, of every channel
    (``order`` itself may be included, it is skipped by id; cancelled orders
    must be included, since a cancelled order still used its click).
    ``policies`` is the merchant's settings history (empty: the defaults). All
    datetimes are tz-aware.

    Rules, checked in this order, with the policy in force at ``order.at``:

    0. Only orders the policy judges are credited to a link: online orders,
       and in-store orders when in-store credit is on. Otherwise ->
       ``IN_STORE`` (an in-store order is the sale of the store and staff that
       rang it up) or ``NOT_ONLINE`` (API / imported orders).
    1. The candidate is the latest click with ``click.at <= order.at`` (ties on
       time: the larger click id wins). None -> ``NO_CLICK``. Clicks after the
       order are ignored.
    2. ``order.at - click.at > window`` -> ``CLICK_EXPIRED``. The window is
       inclusive: exactly 24h after the click is credited, 24h + 1s is not.
    3. Another order of the member with ``click.at <= other.at`` and
       ``(other.at, other.id) < (order.at, order.id)``, judged by the policy in
       force at ``other.at`` -> ``CLICK_USED``: only the first order after a
       click is credited; a newer click re-arms. An order that is not judged
       (in-store without in-store credit, API/import) does not use a click.
    4. The member account belongs to the link's own staff -> ``SELF_REFERRAL``
       (the order still used the click, by rule 3, for later orders).
    5. The link's staff resigned at or before ``order.at`` -> ``STAFF_RESIGNED``.
    6. The link's store removed at or before ``order.at`` -> ``STORE_REMOVED``.

    In cases 2-6 there is no fallback to an older click: the order is simply
    not credited. Missing keys (or ``None``) in the two mappings mean "still
    employed" / "still exists". Device, who shared the link and the order's
    contents play no part.
    """
    if order.at.tzinfo is None:
        raise ValueError(f"order {order.id} has a naive datetime")
    policy = policy_at(policies, order.at)

    # Rule 0: only judged channels are credited to a link.
    if not policy.judges(order.channel):
        reason = Reason.IN_STORE if order.channel is Channel.STORE else Reason.NOT_ONLINE
        return Decision(reason, None, order, policy)

    # Rule 1: latest click at or before the order.
    candidate: ClickFacts | None = None
    for click in clicks:
        if click.at > order.at:
            continue
        if candidate is None or (click.at, click.id) > (candidate.at, candidate.id):
            candidate = click
    if candidate is None:
        return Decision(Reason.NO_CLICK, None, order, policy)

    # Rule 2: inclusive window.
    if order.at - candidate.at > policy.window:
        return Decision(Reason.CLICK_EXPIRED, candidate, order, policy)

    # Rule 3: an earlier judged order since this click already consumed it.
    this_key = _order_key(order)
    for other in other_orders:
        if other.id == order.id:
            continue
        if (
            candidate.at <= other.at
            and _order_key(other) < this_key
            and policy_at(policies, other.at).judges(other.channel)
        ):
            return Decision(Reason.CLICK_USED, candidate, order, policy)

    # Rule 4: a staff member's own shopper account through their own link.
    if order.member_staff_id is not None and order.member_staff_id == candidate.staff_id:
        return Decision(Reason.SELF_REFERRAL, candidate, order, policy)

    # Rules 5 and 6: judged at order time, no re-crediting anyone else.
    resigned = staff_resigned_at.get(candidate.staff_id)
    if resigned is not None and resigned <= order.at:
        return Decision(Reason.STAFF_RESIGNED, candidate, order, policy)
    removed = store_removed_at.get(candidate.store_id)
    if removed is not None and removed <= order.at:
        return Decision(Reason.STORE_REMOVED, candidate, order, policy)

    return Decision(Reason.CREDITED, candidate, order, policy)
