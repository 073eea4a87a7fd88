"""Points offers: which points and discounts an event earns.

A pure rule module (no ORM, no I/O) so the Celery worker, the replay command
and the tests share one copy of the decision. Services load the merchant's
offers and the event facts, call `evaluate`, and write ledger entries.

An offer is event + action + filters (Loymax's model):
- event: what happened (order paid, referral registration, share, ...);
- action: fixed points, points per amount spent, a multiplier on the base
  points, or a percentage discount;
- filters: all optional, all must match.

Rounding: points are whole numbers and every award is rounded DOWN once, after
its exact Decimal value is computed (1 point per 10.00 on 25.00 earns 2). We
never round up so a merchant never gives away points it did not configure.
"""

import calendar
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from omo.money import quantize_money

# Ids come from the ORM (int or UUID primary keys) or from replay files (str);
# the rules only compare them for equality.
Id = int | str | UUID

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class EventKind(StrEnum):
    ORDER_PAID = "order_paid"
    MEMBER_REGISTERED_VIA_REFERRAL = "member_registered_via_referral"
    SHARE = "share"
    APP_INSTALLED = "app_installed"
    BIRTHDAY = "birthday"
    # Member events sent from outside (the member-events API, Loymax's external events).
    FOLLOW_OFFICIAL_ACCOUNT = "follow_official_account"
    BIRTHDAY_SET = "birthday_set"
    PROFILE_COMPLETED = "profile_completed"
    # "custom:<name>": the offer's `Filters.custom_event` names which one.
    CUSTOM = "custom"


class ActionKind(StrEnum):
    FIXED_POINTS = "fixed_points"
    POINTS_PER_AMOUNT = "points_per_amount"
    MULTIPLIER = "multiplier"
    DISCOUNT_PERCENTAGE = "discount_percentage"


class PointsLabel(StrEnum):
    # Shown to the member and kept on the ledger entry so reports can separate
    # the everyday programme from promotions.
    NORMAL = "normal"
    CAMPAIGN = "campaign"


class Stacking(StrEnum):
    SUM = "sum"
    BEST_OF = "best_of"


class ShareKind(StrEnum):
    TRAFFIC = "traffic"
    SALES = "sales"


def _frozen(values: Iterable | None) -> frozenset:
    return frozenset(values or ())


@dataclass(frozen=True, slots=True)
class Filters:
    """Conditions on the event; an empty / unset filter does not restrict.

    Event-level filters decide whether the offer applies at all. The line
    filters (product_categories, recommended_only) pick which order lines an
    amount-based action counts; a fixed-points offer with a line filter needs
    at least one matching line.
    """

    channels: Set[str] = frozenset()
    store_ids: Set[Id] = frozenset()
    # Every key must be present on the store with exactly this value.
    store_attributes: Mapping[str, str] = field(default_factory=dict)
    payment_methods: Set[str] = frozenset()
    product_categories: Set[str] = frozenset()
    recommended_only: bool = False
    # Inclusive, compared with the merchant's local date of the event.
    starts_on: date | None = None
    ends_on: date | None = None
    holidays: Set[date] = frozenset()
    birthday_only: bool = False
    birthday_month: bool = False
    # Only for custom events: the name after "custom:" (empty: any custom event).
    custom_event: str = ""
    # Only members whose tier's spending threshold is at least this (None: any member, tier or not).
    min_tier_threshold: Decimal | None = None

    def __post_init__(self) -> None:
        # Accept plain sets/dicts from callers but keep the value immutable.
        for name in ("channels", "store_ids", "payment_methods", "product_categories", "holidays"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "store_attributes", MappingProxyType(dict(self.store_attributes)))
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValueError("starts_on is after ends_on")

    @property
    def filters_lines(self) -> bool:
        return bool(self.product_categories) or self.recommended_only


@dataclass(frozen=True, slots=True)
class Offer:
    """One configured rule.

    `value` is the fixed points, the points per `per_amount`, the multiplier
    (2 for double points) or the discount percentage, depending on `action`.
    Offers sharing a `stacking_group` never stack with each other: only the
    best award of the group survives, whatever the stacking mode.
    """

    id: Id
    name: str
    event: EventKind
    action: ActionKind
    value: Decimal
    per_amount: Decimal | None = None
    filters: Filters = field(default_factory=Filters)
    campaign: bool = False
    stacking_group: str | None = None

    def __post_init__(self) -> None:
        # Fail at configuration time rather than award nonsense at checkout.
        object.__setattr__(self, "event", EventKind(self.event))
        object.__setattr__(self, "action", ActionKind(self.action))
        if self.value < ZERO:
            raise ValueError("offer value must not be negative")
        if self.action is ActionKind.POINTS_PER_AMOUNT:
            if self.per_amount is None or self.per_amount <= ZERO:
                raise ValueError("points_per_amount needs a positive per_amount")
        elif self.per_amount is not None:
            raise ValueError("per_amount only applies to points_per_amount")
        if self.action is ActionKind.MULTIPLIER and self.value < 1:
            raise ValueError("a multiplier below 1 would take points away")
        if self.action is ActionKind.DISCOUNT_PERCENTAGE and self.value > HUNDRED:
            raise ValueError("a discount cannot exceed 100%")

    @property
    def label(self) -> PointsLabel:
        return PointsLabel.CAMPAIGN if self.campaign else PointsLabel.NORMAL


@dataclass(frozen=True, slots=True)
class LineFacts:
    product_id: Id
    category: str
    # What the member pays for the line, after line discounts.
    amount: Decimal
    # True when the line came from a recommendation link.
    recommended: bool = False


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What happened, as the offers need to see it (built by the service)."""

    kind: EventKind
    # The merchant's local date of the event (see `local_day`).
    local_date: date
    channel: str | None = None
    store_id: Id | None = None
    store_attributes: Mapping[str, str] = field(default_factory=dict)
    payment_method: str | None = None
    lines: tuple[LineFacts, ...] = ()
    member_birthday: date | None = None
    # What was paid for the order; per-amount offers without line filters use
    # it (it may include lines we do not itemise, e.g. delivery).
    order_amount: Decimal = ZERO
    # A custom event's name (the part after "custom:").
    custom_name: str = ""
    # The member's tier: its spending threshold (for "min tier" filters) and points multiplier,
    # which multiplies the base (normal fixed and per-amount) points of an order. None: no tier.
    tier_threshold: Decimal | None = None
    tier_multiplier: Decimal = Decimal("1")

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "store_attributes", MappingProxyType(dict(self.store_attributes)))


@dataclass(frozen=True, slots=True)
class Award:
    offer_id: Id
    points: int
    discount_percentage: Decimal | None
    label: PointsLabel
    reason: str
    # The amount the action was computed on (matching lines or the order);
    # the checkout applies discount_percentage to this amount only.
    eligible_amount: Decimal = ZERO


def award_discount(award: Award, currency: str) -> Decimal:
    """What a discount award takes off: its percentage of the amount it was computed on, rounded
    half-up to the currency's minor unit (0 for a points award)."""
    if not award.discount_percentage:
        return ZERO
    return quantize_money(award.eligible_amount * award.discount_percentage / HUNDRED, currency)


class ReferralShare(NamedTuple):
    recipient_id: Id
    kind: ShareKind
    points: int


# --- Matching -----------------------------------------------------------------


def _is_birthday(day: date, birthday: date) -> bool:
    if (day.month, day.day) == (birthday.month, birthday.day):
        return True
    # A 29 February birthday is celebrated on 28 February in common years.
    return (
        (birthday.month, birthday.day) == (2, 29)
        and (day.month, day.day) == (2, 28)
        and not calendar.isleap(day.year)
    )


def is_birthday(day: date, birthday: date) -> bool:
    """Whether `day` is the birthday (29 February counts on 28 February in common years)."""
    return _is_birthday(day, birthday)


def _event_matches(filters: Filters, event: EventFacts) -> bool:
    day = event.local_date
    if filters.channels and event.channel not in filters.channels:
        return False
    if filters.store_ids and event.store_id not in filters.store_ids:
        return False
    for key, wanted in filters.store_attributes.items():
        if event.store_attributes.get(key) != wanted:
            return False
    if filters.payment_methods and event.payment_method not in filters.payment_methods:
        return False
    if filters.starts_on and day < filters.starts_on:
        return False
    if filters.ends_on and day > filters.ends_on:
        return False
    if filters.holidays and day not in filters.holidays:
        return False
    if filters.custom_event and event.custom_name != filters.custom_event:
        return False
    if filters.min_tier_threshold is not None and (
        event.tier_threshold is None or event.tier_threshold < filters.min_tier_threshold
    ):
        return False
    if filters.birthday_only or filters.birthday_month:
        # Without a known birthday a birthday offer cannot apply.
        if event.member_birthday is None:
            return False
        if filters.birthday_only and not _is_birthday(day, event.member_birthday):
            return False
        if filters.birthday_month and day.month != event.member_birthday.month:
            return False
    return True


def _line_matches(filters: Filters, line: LineFacts) -> bool:
    if filters.product_categories and line.category not in filters.product_categories:
        return False
    if filters.recommended_only and not line.recommended:
        return False
    return True


def _matching_lines(filters: Filters, lines: Iterable[LineFacts]) -> list[LineFacts]:
    return [line for line in lines if _line_matches(filters, line)]


def _line_total(lines: Iterable[LineFacts]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _is_base(offer: Offer) -> bool:
    # Base points are the everyday programme; multipliers never multiply
    # campaign points (no "double of a double").
    return not offer.campaign and offer.action in (ActionKind.FIXED_POINTS, ActionKind.POINTS_PER_AMOUNT)


def _rate(offer: Offer) -> Decimal:
    assert offer.per_amount is not None  # checked in Offer.__post_init__
    return offer.value / offer.per_amount


# --- Evaluation ---------------------------------------------------------------


def _simple_award(offer: Offer, event: EventFacts) -> Award | None:
    """Award for a fixed, per-amount or discount offer (not a multiplier)."""
    if offer.filters.filters_lines:
        lines = _matching_lines(offer.filters, event.lines)
        if not lines:
            return None
        amount = _line_total(lines)
    else:
        amount = event.order_amount

    if offer.action is ActionKind.FIXED_POINTS:
        points = _floor(offer.value)
        return Award(offer.id, points, None, offer.label, f"{offer.name}: {points} points", amount)
    if offer.action is ActionKind.POINTS_PER_AMOUNT:
        points = _floor(amount * _rate(offer))
        reason = f"{offer.name}: {offer.value} points per {offer.per_amount} on {amount}"
        return Award(offer.id, points, None, offer.label, reason, amount)
    reason = f"{offer.name}: {offer.value}% off {amount}"
    return Award(offer.id, 0, offer.value, offer.label, reason, amount)


def _multiplier_base(
    multiplier: Offer,
    event: EventFacts,
    base_offers: Sequence[Offer],
    base_total: int,
    base_points: int | None,
) -> Decimal:
    """The base points a multiplier multiplies.

    Without line filters it is the whole order's awarded base, so "x2" exactly
    doubles what the member already sees. With line filters it is the base
    earned by the matching lines only: per-amount base offers contribute their
    rate times those lines' amounts; fixed base points belong to the order,
    not to a line, so they are not multiplied.
    """
    if not multiplier.filters.filters_lines:
        return Decimal(base_total)
    lines = _matching_lines(multiplier.filters, event.lines)
    if not lines:
        return ZERO
    if base_points is not None:
        # The caller's base is for the whole order: prorate it by amount.
        all_lines = _line_total(event.lines)
        if all_lines <= ZERO:
            return ZERO
        return Decimal(base_points) * _line_total(lines) / all_lines
    base = ZERO
    for offer in base_offers:
        if offer.action is ActionKind.POINTS_PER_AMOUNT:
            both = _matching_lines(offer.filters, lines)
            base += _line_total(both) * _rate(offer)
    return base


def _best(awards: Mapping[int, Award]) -> set[int]:
    """Keys of the largest points award and the largest discount (first wins ties)."""
    best_points: int | None = None
    best_discount: int | None = None
    for key, award in awards.items():
        if award.discount_percentage is not None:
            if best_discount is None or award.discount_percentage > awards[best_discount].discount_percentage:
                best_discount = key
        elif best_points is None or award.points > awards[best_points].points:
            best_points = key
    return {key for key in (best_points, best_discount) if key is not None}


def evaluate(
    event: EventFacts,
    offers: Iterable[Offer],
    *,
    stacking: Stacking | Literal["sum", "best_of"],
    base_points: int | None = None,
) -> list[Award]:
    """Awards `event` earns from `offers`, in the offers' order.

    Base points are the sum of the matching normal (non-campaign) fixed and
    per-amount offers, unless the caller passes `base_points` (e.g. base
    points computed by a POS). A multiplier awards (multiplier - 1) x base, so
    double points adds the base once more. The base is taken before stacking.

    Stacking: offers of one `stacking_group` compete and only the group's best
    survives; then "sum" keeps every award and "best_of" keeps only the single
    largest points award and the single largest discount. Awards worth nothing
    (0 points, no discount) are dropped so they never become ledger entries.
    """
    mode = Stacking(stacking)
    matching = [o for o in offers if o.event == event.kind and _event_matches(o.filters, event)]

    awards: dict[int, Award] = {}  # position in `matching` -> award
    for i, offer in enumerate(matching):
        if offer.action is not ActionKind.MULTIPLIER:
            award = _simple_award(offer, event)
            if award is not None:
                awards[i] = award

    base_keys = [i for i in awards if _is_base(matching[i])]
    base_total = base_points if base_points is not None else sum(awards[i].points for i in base_keys)
    base_offers = [matching[i] for i in base_keys]
    for i, offer in enumerate(matching):
        if offer.action is ActionKind.MULTIPLIER:
            # Each multiplier adds to the same base: x2 and x3 together make
            # x4, not x6, so overlapping campaigns do not compound.
            base = _multiplier_base(offer, event, base_offers, base_total, base_points)
            points = _floor((offer.value - 1) * base)
            reason = f"{offer.name}: x{offer.value} on {base.normalize():f} base points"
            awards[i] = Award(offer.id, points, None, offer.label, reason)

    if event.tier_multiplier != 1:
        # The member's tier multiplies each base award (after the multipliers took their base,
        # so a tier and a campaign multiplier add up rather than compound).
        for i in base_keys:
            award = awards[i]
            points = _floor(award.points * event.tier_multiplier)
            reason = f"{award.reason} x{event.tier_multiplier.normalize():f} (tier)"
            awards[i] = replace(award, points=points, reason=reason)

    earned = {i: awards[i] for i in sorted(awards) if awards[i].points > 0 or awards[i].discount_percentage}

    # Within a stacking group only the group's best survives.
    keep = {i for i in earned if matching[i].stacking_group is None}
    groups: dict[str, dict[int, Award]] = {}
    for i, award in earned.items():
        group = matching[i].stacking_group
        if group is not None:
            groups.setdefault(group, {})[i] = award
    for members in groups.values():
        keep |= _best(members)
    kept = {i: award for i, award in earned.items() if i in keep}

    if mode is Stacking.BEST_OF:
        chosen = _best(kept)
        kept = {i: award for i, award in kept.items() if i in chosen}
    return list(kept.values())


# --- Referral split -----------------------------------------------------------


def referral_parts(*, sale_points: int, traffic_percent: int) -> tuple[int, int]:
    """(traffic, sales) parts of the points a referred sale earns, at the merchant's fixed ratio.

    The same ratio for every product category (source: 固定占比), so a bigger sale gives bigger
    parts. The traffic part is rounded down; the sales part is the rest, so the two parts
    together are exactly the sale's points (101 points at 25 % are 25 + 76).
    """
    if sale_points < 0:
        raise ValueError("a sale's points must not be negative")
    if not 0 <= traffic_percent <= 100:
        raise ValueError("the traffic share is a percentage from 0 to 100")
    traffic = _floor(Decimal(sale_points) * traffic_percent / HUNDRED)
    return traffic, sale_points - traffic


def referral_split(
    *,
    referrer_id: Id | None,
    closing_staff_id: Id | None,
    channel_is_online: bool,
    sale_points: int,
    traffic_percent: int,
    link_staff_id: Id | None = None,
) -> list[ReferralShare]:
    """Who earns the traffic and sales parts of a referred sale (SPEC section 6).

    The parts are `referral_parts` of the points the sale earns. The third party (store or
    person) who brought the member earns the traffic part. Who earns the sales part:
    - offline, the staff member who closed the sale (`closing_staff_id`); with nobody
      recorded, nobody (giving it to the referrer would reward absent work);
    - online through a staff member's recommendation link (`link_staff_id`: the staff the
      order's attribution credits), that staff member;
    - online otherwise, the referrer, who did the selling too (source rule a).
    Zero shares are left out.
    """
    traffic_points, sales_points = referral_parts(sale_points=sale_points, traffic_percent=traffic_percent)
    shares: list[ReferralShare] = []
    if referrer_id is not None:
        shares.append(ReferralShare(referrer_id, ShareKind.TRAFFIC, traffic_points))
    if channel_is_online:
        seller = link_staff_id if link_staff_id is not None else referrer_id
    else:
        seller = closing_staff_id
    if seller is not None:
        shares.append(ReferralShare(seller, ShareKind.SALES, sales_points))
    return [share for share in shares if share.points > 0]


def referral_allowed(
    *,
    created_by_referral: bool,
    has_orders: bool,
    registered_at: datetime,
    at: datetime,
    window_minutes: int,
) -> bool:
    """Whether a member can still become "referred" (SPEC section 6: only a member new to the
    merchant). Yes when the referral itself created the member; otherwise only before their
    first order and within `window_minutes` of registering. An existing member who scans a
    sister store's code must not hand that store the traffic part of all their later orders.
    """
    if created_by_referral:
        return True
    if has_orders:
        return False
    return timedelta(0) <= at - registered_at <= timedelta(minutes=window_minutes)


# --- Day and month boundaries -------------------------------------------------


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive time could be UTC or local; guessing moves awards across
        # the day boundary, so refuse.
        raise ValueError("an aware datetime is required")
    return at.astimezone(tz)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    """The merchant's calendar day of `at` (caps reset at local midnight)."""
    return _local(at, tz).date()


def cap_share_points(*, already_awarded_today: int, requested: int, daily_cap: int) -> int:
    """Share points to grant now, capped by points per local day, not by count.

    The caller sums what the member already received today (see `local_day`).
    Never negative, even if the cap was lowered after earlier awards.
    """
    room = max(0, daily_cap - max(0, already_awarded_today))
    return max(0, min(max(0, requested), room))


def cash_redemption_allowed(
    *,
    previous_cash_redemptions: Iterable[datetime],
    at: datetime,
    tz: ZoneInfo,
) -> bool:
    """Staff may redeem points for cash at most once per calendar month.

    The month is the merchant's local month, so a redemption at 00:30 local
    on the 1st counts for the new month even though it is still the previous
    month in UTC. Payroll runs monthly, hence the calendar month rather than
    a rolling 30 days.
    """
    now = _local(at, tz)
    month = (now.year, now.month)
    for previous in previous_cash_redemptions:
        local = _local(previous, tz)
        if (local.year, local.month) == month:
            return False
    return True


def cash_window(day: date, *, first_day: int, last_day: int) -> tuple[date, date]:
    """The days of `day`'s month on which staff may request cash: [first, last], both clamped
    to the month's length (days 29-31 in February mean its last day). The system, not the staff
    member, controls the date (source: 系統管控日期)."""
    if not 1 <= first_day <= last_day <= 31:
        raise ValueError("the cash window is days first..last of the month, 1 <= first <= last <= 31")
    days = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=min(first_day, days)), day.replace(day=min(last_day, days))


def cash_window_next_open(day: date, *, first_day: int, last_day: int) -> date | None:
    """None when `day` (the merchant's local day) is inside the month's cash window; otherwise
    the day it opens next: later this month, or in the next month once this one's has passed."""
    start, end = cash_window(day, first_day=first_day, last_day=last_day)
    if start <= day <= end:
        return None
    if day < start:
        return start
    next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return cash_window(next_month, first_day=first_day, last_day=last_day)[0]


# --- Reversal -----------------------------------------------------------------


class HasPoints(Protocol):
    @property
    def points(self) -> int: ...


def points_to_reverse(earned_entries: Iterable[int | HasPoints]) -> int:
    """Points still to take back for a cancelled or returned order.

    The ledger is append-only: a reversal is a NEW entry of minus this amount,
    never an edit or delete of the earning entries, so history and reports
    stay true. `earned_entries` are the order's ledger entries (or their
    points), including any earlier reversals, so calling this twice never
    reverses twice. Returns a non-negative number.
    """
    net = 0
    for entry in earned_entries:
        net += entry if isinstance(entry, int) else entry.points
    return max(0, net)

