"""Writes on loyalty points: every movement is one append-only ledger entry.

How a balance stays right (SPEC 6: "balances never go negative"):
- every write locks the account row (`select_for_update`), reads the balance,
  appends the entry and updates `PointsAccount.balance` in the same
  transaction, so two redemptions racing for the same points are serialised:
  the second sees the first one's balance and is refused;
- the database refuses a negative balance (check constraints on the account
  and on each entry's `balance_after`) as a last line of defence;
- every entry carries an idempotency key unique per merchant, built from the
  event (order, offer, link, month...), so a replayed event writes nothing.

Which points an event earns is decided by the pure `loyalty.offers` engine;
this module only gathers the facts and writes the result.

Public functions for other apps:
- `order_points_settle` / `order_points_due` (the order follower: settings.ORDER_FOLLOWERS);
- `share_points_award` (share button in recommendations);
- `points_redeem_for_order` (storefront checkout: points + cash);
- `cash_redemption_request` (staff, once per calendar month);
- `referral_record`, `app_install_award`, `birthday_award`, `points_adjust`.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.models import Order, OrderLine
from members.models import Member
from omo.tenancy.models import Staff
from omo.tenancy.scoping import merchant_scope

from . import offers as rules
from . import selectors
from .models import LoyaltySettings, Offer, PointsAccount, PointsDue, PointsLedgerEntry, Referral

logger = logging.getLogger(__name__)

Entry = PointsLedgerEntry
Source = PointsLedgerEntry.Source
Kind = PointsLedgerEntry.Kind
CENT = Decimal("0.01")


class NotEnoughPoints(ValidationError):
    pass


class CashRedemptionRefused(ValidationError):
    pass


# --- Accounts and the one write path ----------------------------------------------


def _owner_lookup(*, merchant, member=None, staff=None, store=None) -> dict:
    if store is not None:
        return {"store": store}
    return selectors.account_owner(merchant=merchant, member=member, staff=staff)


def account_lock(*, merchant, member=None, staff=None, store=None) -> PointsAccount:
    """The person's (or referrer store's) account, created if needed, row-locked until commit."""
    lookup = _owner_lookup(merchant=merchant, member=member, staff=staff, store=store)
    owner = next(iter(lookup.values()))
    if owner.merchant_id != merchant.pk:
        raise ValidationError(_("This account belongs to another merchant."))
    accounts = PointsAccount.objects.for_merchant(merchant)
    account = accounts.filter(**lookup).first()
    if account is None:
        try:
            with transaction.atomic():
                account = accounts.create(merchant=merchant, **lookup)
        except IntegrityError:  # created concurrently by another event
            account = accounts.get(**lookup)
    return accounts.select_for_update().get(pk=account.pk)


def _post(
    account: PointsAccount,
    *,
    kind: str,
    points: int,
    source: str,
    key: str,
    at=None,
    label: str = Entry.Label.NORMAL,
    offer_id=None,
    order=None,
    store=None,
    cash_amount=None,
    description: str = "",
) -> Entry | None:
    """Append one entry to a LOCKED account. None when the key was already used (replay)."""
    entries = Entry.objects.for_merchant(account.merchant_id)
    if entries.filter(idempotency_key=key).exists():
        return None
    balance = account.balance + points
    if balance < 0:
        raise NotEnoughPoints(
            _("Not enough points: the balance is %(balance)s, %(points)s needed.")
            % {"balance": account.balance, "points": -points}
        )
    entry = entries.create(
        merchant_id=account.merchant_id,
        account=account,
        kind=kind,
        points=points,
        balance_after=balance,
        label=label,
        source=source,
        offer_id=offer_id,
        order=order,
        store=store,
        cash_amount=cash_amount,
        description=description[:255],
        idempotency_key=key,
        created_at=at or timezone.now(),
    )
    account.balance = balance
    account.save(update_fields=["balance"])
    return entry


# --- Offers ------------------------------------------------------------------------


def settings_for(merchant) -> LoyaltySettings:
    return selectors.loyalty_settings_get(merchant=merchant)


def _rule_offers(merchant, settings: LoyaltySettings, event: str, *, offer_ids=None) -> list[rules.Offer]:
    """The merchant's offers for `event` as engine dataclasses.

    `offer_ids` loads exactly those offers (active or not): a reversal is
    computed with the offers that earned, even if one was switched off since.
    """
    holidays = settings.holiday_dates()
    offers = Offer.objects.for_merchant(merchant).filter(event=event)
    offers = list((offers.filter(pk__in=offer_ids) if offer_ids is not None else offers.filter(active=True))
                  .order_by("position", "id"))
    # Store filters through the join table: the offers are this merchant's, so are their stores.
    store_ids: dict[int, list[int]] = {}
    through = Offer.stores.through.objects.filter(offer_id__in=[offer.pk for offer in offers])
    for offer_id, store_id in through.values_list("offer_id", "store_id"):
        store_ids.setdefault(offer_id, []).append(store_id)
    result = []
    for offer in offers:
        if offer.holidays_only and not holidays:
            continue  # "holidays only" with an empty calendar never applies
        try:
            result.append(offer.as_rule(holidays=holidays, store_ids=store_ids.get(offer.pk, [])))
        except ValueError:
            logger.warning("loyalty offer %s is misconfigured; skipped", offer.pk)
    return result


def _award_points_to(account, awards, *, source: str, key_prefix: str, at, order=None, store=None) -> list[Entry]:
    written = []
    for award in awards:
        if award.points <= 0:
            continue  # discounts are applied by the checkout, not the ledger
        entry = _post(
            account,
            kind=Kind.EARN,
            points=award.points,
            source=source,
            key=f"{key_prefix}:offer:{award.offer_id}",
            at=at,
            label=award.label.value,
            offer_id=award.offer_id,
            order=order,
            store=store,
            description=award.reason,
        )
        if entry:
            written.append(entry)
    return written


def offers_preview(
    *, merchant, member=None, channel=None, store=None, payment_method=None, lines=(), amount=None, at=None
) -> list[rules.Award]:
    """What an order being built would earn now, discounts included (checkout / tablet preview).

    `lines` are `loyalty.offers.LineFacts`. A "discount percentage" award's
    `eligible_amount` is the amount the checkout discounts.
    """
    settings = settings_for(merchant)
    at = at or timezone.now()
    lines = tuple(lines)
    facts = rules.EventFacts(
        kind=rules.EventKind.ORDER_PAID,
        local_date=rules.local_day(at, merchant.tzinfo),
        channel=channel,
        store_id=store.pk if store else None,
        store_attributes=_store_attributes(store),
        payment_method=payment_method,
        lines=lines,
        member_birthday=member.birthday if member else None,
        order_amount=amount if amount is not None else sum((line.amount for line in lines), Decimal("0")),
    )
    return rules.evaluate(facts, _rule_offers(merchant, settings, Offer.Event.ORDER_PAID), stacking=settings.stacking)


@dataclass(frozen=True)
class CheckoutDiscount:
    offer_name: str
    percentage: Decimal
    amount: Decimal


def checkout_discounts(*, merchant, member=None, store=None, lines=()) -> list[CheckoutDiscount]:
    """The discount offers (SPEC section 6: an offer's action may be a discount) that apply to an
    order being placed online now, each with the amount it takes off. `lines` are LineFacts."""
    awards = [
        award
        for award in offers_preview(merchant=merchant, member=member, channel=Order.Channel.WEB, store=store, lines=lines)
        if award.discount_percentage
    ]
    names = dict(Offer.objects.for_merchant(merchant).filter(pk__in=[a.offer_id for a in awards]).values_list("pk", "name"))
    return [
        CheckoutDiscount(names.get(award.offer_id, ""), award.discount_percentage, rules.award_discount(award, merchant.currency))
        for award in awards
    ]


def _store_attributes(store) -> dict:
    if store is None:
        return {}
    return {str(k): str(v) for k, v in (store.attributes or {}).items()}


# --- Orders ------------------------------------------------------------------------


def _lines(order: Order) -> list[OrderLine]:
    """The order's lines, loaded once per settle (explicitly scoped to the order's merchant)."""
    if not hasattr(order, "_loyalty_lines"):
        order._loyalty_lines = list(
            OrderLine.objects.for_merchant(order.merchant_id).filter(order_id=order.pk).order_by("id")
        )
    return order._loyalty_lines


def _order_facts(order: Order, *, after_returns: bool) -> rules.EventFacts:
    lines = []
    for line in _lines(order):
        amount = line.line_subtotal - (line.returned_amount if after_returns else Decimal("0"))
        lines.append(
            rules.LineFacts(
                product_id=line.variation_id or f"line-{line.pk}",
                category=line.category,
                amount=max(amount, Decimal("0")),
                recommended=line.recommended,
            )
        )
    amount = order.total - (order.returned_amount if after_returns else Decimal("0"))
    return rules.EventFacts(
        kind=rules.EventKind.ORDER_PAID,
        local_date=rules.local_day(order.placed_at, order.merchant.tzinfo),
        channel=order.channel,
        store_id=order.source_store_id,
        store_attributes=_store_attributes(order.source_store),
        payment_method=order.payment_method,
        lines=tuple(lines),
        member_birthday=order.member.birthday if order.member else None,
        order_amount=max(amount, Decimal("0")),
    )


def _fully_returned(order: Order) -> bool:
    if order.total > 0 and order.returned_amount >= order.total:
        return True
    lines = _lines(order)
    return bool(lines) and all(line.returned_quantity >= line.quantity for line in lines)


def _referral_shares(order: Order, settings: LoyaltySettings) -> list[tuple[dict, rules.ReferralShare]]:
    """(account owner lookup, share) for the referred member's sale."""
    referral = Referral.objects.for_merchant(order.merchant_id).filter(member_id=order.member_id).first()
    if referral is None:
        return []
    if referral.referrer_store_id:
        referrer = {"store": referral.referrer_store}
    elif referral.referrer_staff_id:
        referrer = {"staff": referral.referrer_staff}
    else:
        referrer = {"member": referral.referrer_member}
    closing = {"staff": order.closing_staff} if order.closing_staff_id else None
    shares = rules.referral_split(
        referrer_id="referrer",
        closing_staff_id="closing" if closing else None,
        channel_is_online=order.channel_group == Order.ChannelGroup.ONLINE,
        traffic_points=settings.referral_traffic_points,
        sales_points=settings.referral_sales_points,
    )
    owners = {"referrer": referrer, "closing": closing}
    return [(owners[share.recipient_id], share) for share in shares]


def _order_earn(order: Order, settings: LoyaltySettings) -> list[Entry]:
    merchant = order.merchant
    at = timezone.now()
    written = []
    awards = rules.evaluate(
        _order_facts(order, after_returns=True),
        _rule_offers(merchant, settings, Offer.Event.ORDER_PAID),
        stacking=settings.stacking,
    )
    if any(award.points > 0 for award in awards):
        account = account_lock(merchant=merchant, member=order.member)
        written += _award_points_to(
            account, awards, source=Source.ORDER_PAID, key_prefix=f"order:{order.pk}", at=at, order=order,
            store=order.source_store,
        )
    for owner, share in _referral_shares(order, settings):
        account = account_lock(merchant=merchant, **owner)
        source = Source.REFERRAL_TRAFFIC if share.kind is rules.ShareKind.TRAFFIC else Source.REFERRAL_SALES
        entry = _post(
            account,
            kind=Kind.EARN,
            points=share.points,
            source=source,
            key=f"order:{order.pk}:{share.kind.value}",
            at=at,
            order=order,
            store=order.source_store,
            description=_("Order %(number)s") % {"number": order.number},
        )
        if entry:
            written.append(entry)
    return written


def _order_adjust(order: Order, settings: LoyaltySettings) -> list[Entry]:
    """Bring what the order earned in line with what it should keep now, as new entries.

    Cancelled, refunded or fully returned: nothing is kept. Partly returned: the offers that
    earned are evaluated again on what the member kept; referral shares go only with the whole
    sale. A refund or return that is undone gives back what was taken, up to what the order first
    earned. Points the member already spent cannot be taken back below zero: the entry takes what
    is there and says what is missing. A cancelled or refunded order also gives back the points
    redeemed on it. Each entry's key names the slot, the target and how many entries the slot
    had: a replayed event finds nothing to do, a later change of state writes anew.
    """
    merchant = order.merchant
    entries = Entry.objects.for_merchant(merchant).filter(order=order)
    earned_sources = [Source.ORDER_PAID, Source.REFERRAL_TRAFFIC, Source.REFERRAL_SALES]
    # Per (account, slot), a slot being the offer or the referral share: net points, what was
    # first earned and how many entries; an adjustment keeps the source and offer it adjusts.
    net: dict[tuple[int, str], int] = {}
    first_earned: dict[tuple[int, str], int] = {}
    count: dict[tuple[int, str], int] = {}
    offer_of_slot: dict[str, int | None] = {}
    label_of_slot: dict[str, str] = {}
    source_of_slot: dict[str, str] = {}
    for entry in entries.filter(source__in=earned_sources).order_by("pk"):
        slot = _slot(entry)
        key = (entry.account_id, slot)
        net[key] = net.get(key, 0) + entry.points
        count[key] = count.get(key, 0) + 1
        if key not in first_earned:
            first_earned[key] = entry.points
        offer_of_slot[slot] = entry.offer_id
        label_of_slot[slot] = entry.label
        source_of_slot[slot] = entry.source
    nothing_kept = order.is_cancelled or order.payment_status == Order.PaymentStatus.REFUNDED or _fully_returned(order)
    kept: dict[str, int] = {}
    if not nothing_kept:
        offer_ids = [pk for pk in offer_of_slot.values() if pk is not None]
        awards = rules.evaluate(
            _order_facts(order, after_returns=True),
            _rule_offers(merchant, settings, Offer.Event.ORDER_PAID, offer_ids=offer_ids),
            stacking=settings.stacking,
        )
        kept = {f"offer:{award.offer_id}": award.points for award in awards}
    written = []
    for (account_id, slot), points in sorted(net.items()):
        earned = first_earned[(account_id, slot)]
        if nothing_kept:
            target = 0
        elif slot.startswith("offer:"):
            target = min(earned, kept.get(slot, 0))
        else:
            target = earned  # a referral share goes with the whole sale, and comes back with it
        if target == points:
            continue
        account = PointsAccount.objects.for_merchant(merchant).select_for_update().get(pk=account_id)
        key = f"order:{order.pk}:{slot}:to:{target}:after:{count[(account_id, slot)]}"
        if target > points:
            change, kind = target - points, Kind.EARN
            description = _("Order %(number)s: refund or return undone") % {"number": order.number}
        else:
            take = points - target
            change, kind = -min(take, account.balance), Kind.REVERSE
            description = _("Order %(number)s cancelled or returned") % {"number": order.number}
            if -change < take:
                description += " " + ngettext(
                    "(%(missing)s point already spent)", "(%(missing)s points already spent)", take + change
                ) % {"missing": take + change}
        entry = _post(
            account,
            kind=kind,
            points=change,
            source=source_of_slot[slot],
            key=key,
            label=label_of_slot[slot],
            offer_id=offer_of_slot[slot],
            order=order,
            store=order.source_store,
            description=description,
        )
        if entry:
            written.append(entry)
    if order.is_cancelled or order.payment_status == Order.PaymentStatus.REFUNDED:
        written += _refund_redeemed(order)
    return written


def _slot(entry: Entry) -> str:
    """Which award an order entry belongs to: "offer:<id>", "traffic" or "sales"."""
    if entry.source == Source.REFERRAL_TRAFFIC:
        return "traffic"
    if entry.source == Source.REFERRAL_SALES:
        return "sales"
    return f"offer:{entry.offer_id}"


def _refund_redeemed(order: Order) -> list[Entry]:
    redeemed = (
        Entry.objects.for_merchant(order.merchant_id)
        .filter(order=order, source=Source.CHECKOUT)
        .select_related("account")
    )
    written = []
    for redemption in redeemed:
        account = PointsAccount.objects.for_merchant(order.merchant_id).select_for_update().get(
            pk=redemption.account_id
        )
        entry = _post(
            account,
            kind=Kind.REVERSE,
            points=-redemption.points,
            source=Source.CHECKOUT,
            key=f"order:{order.pk}:checkout-refund:{redemption.pk}",
            order=order,
            store=order.source_store,
            description=_("Points given back: order %(number)s cancelled") % {"number": order.number},
        )
        if entry:
            written.append(entry)
    return written


@transaction.atomic
def order_points_settle(*, merchant, order_id) -> list[Entry]:
    """Bring the ledger in line with the order's current state (called for every order event).

    Paid and not cancelled: earn per the offers and the referral split, once
    (keys per order and offer). Cancelled, refunded or with returns: append
    reversal entries; a refund or return undone: earn back (`_order_adjust`). Safe to call any
    number of times, in any order.
    Orders without a member earn nothing; split (child) orders neither: the
    parent order's points stand. Editing a paid order does not earn more.
    """
    orders = Order.objects.for_merchant(merchant)
    # Lock the order row first (no outer joins under FOR UPDATE): one event of an order at a time.
    orders.select_for_update().only("pk").get(pk=order_id)
    # Settled as the order is now (read after the lock): no longer due, if this transaction commits.
    PointsDue.objects.for_merchant(merchant).filter(order_id=order_id).delete()
    order = (
        orders.select_related("merchant", "member", "source_store", "closing_staff").get(pk=order_id)
    )
    if order.member_id is None or order.parent_id is not None:
        # Guests earn nothing; a split keeps the parent order's points (splitting earns no more).
        return []
    settings = settings_for(order.merchant)
    already_earned = Entry.objects.for_merchant(merchant).filter(order=order, kind=Kind.EARN).exists()
    if (
        order.payment_status == Order.PaymentStatus.PAID
        and not order.is_cancelled
        and not already_earned
        and not _fully_returned(order)
    ):
        return _order_earn(order, settings) + _order_adjust(order, settings)
    return _order_adjust(order, settings)


def order_points_due(order: Order) -> None:
    """An event of `order` is about to be queued (commerce.events): mark its points as due in the
    same transaction, for the sweeper should the event be lost. Guests earn nothing: no mark."""
    if order.member_id is None:
        return
    # ON CONFLICT DO NOTHING: already due stays due since the first unsettled event, and two
    # events of one order in flight never collide.
    PointsDue.objects.for_merchant(order.merchant_id).bulk_create(
        [PointsDue(merchant_id=order.merchant_id, order_id=order.pk)], ignore_conflicts=True
    )


def points_due_order_ids(*, merchant, older_than, limit: int = 1000) -> list[int]:
    """Orders whose points have been due since before `older_than` (their event was lost)."""
    return list(
        PointsDue.objects.for_merchant(merchant).filter(due_since__lte=older_than)
        .order_by("due_since").values_list("order_id", flat=True)[:limit]
    )


def _person_facts(kind, merchant, at, member=None) -> rules.EventFacts:
    return rules.EventFacts(
        kind=kind,
        local_date=rules.local_day(at, merchant.tzinfo),
        member_birthday=member.birthday if member is not None else None,
    )


def _split_person(staff_or_member):
    if isinstance(staff_or_member, Staff):
        return None, staff_or_member
    if isinstance(staff_or_member, Member):
        return staff_or_member, None
    raise TypeError("expected a Staff or a Member")


@transaction.atomic
def share_points_award(*, merchant, staff_or_member, link_id, at=None) -> list[Entry]:
    """Points for sharing a link through the system's share button, capped per local day by amount.

    The amount comes from the merchant's "share" offers; the cap
    (`LoyaltySettings.share_daily_cap`) counts POINTS earned from shares
    today in the merchant's time zone, not the number of shares. One award
    per link and sharer (sharing the same link again earns nothing).
    Returns the entries written (empty when capped or already awarded).
    """
    at = at or timezone.now()
    member, staff = _split_person(staff_or_member)
    settings = settings_for(merchant)
    awards = rules.evaluate(
        _person_facts(rules.EventKind.SHARE, merchant, at, member),
        _rule_offers(merchant, settings, Offer.Event.SHARE),
        stacking=settings.stacking,
    )
    awards = [award for award in awards if award.points > 0]
    if not awards:
        return []
    account = account_lock(merchant=merchant, member=member, staff=staff)
    start, end = selectors.local_day_bounds(rules.local_day(at, merchant.tzinfo), merchant.tzinfo)
    today = (
        Entry.objects.for_merchant(merchant)
        .filter(account=account, source=Source.SHARE, created_at__gte=start, created_at__lt=end)
        .aggregate(total=Sum("points"))["total"]
        or 0
    )
    written = []
    for award in awards:
        points = rules.cap_share_points(
            already_awarded_today=today, requested=award.points, daily_cap=settings.share_daily_cap
        )
        if points <= 0:
            break
        entry = _post(
            account,
            kind=Kind.EARN,
            points=points,
            source=Source.SHARE,
            key=f"share:{link_id}:{account.pk}:offer:{award.offer_id}",
            at=at,
            label=award.label.value,
            offer_id=award.offer_id,
            description=award.reason if points == award.points else f"{award.reason} (daily cap)",
        )
        if entry:
            written.append(entry)
            today += points
    return written


@transaction.atomic
def referral_record(
    *, merchant, member, referrer_store=None, referrer_staff=None, referrer_member=None, channel="", at=None
) -> Referral:
    """Record who brought `member` (first referral wins) and award the referrer the
    "member registered through a referral" offers."""
    referrers = [r for r in (referrer_store, referrer_staff, referrer_member) if r is not None]
    if len(referrers) != 1:
        raise ValidationError(_("Choose exactly one referrer."))
    if any(r.merchant_id != merchant.pk for r in (member, *referrers)):
        raise ValidationError(_("The member and the referrer must belong to this merchant."))
    if referrer_member is not None and referrer_member.pk == member.pk:
        raise ValidationError(_("A member cannot refer themselves."))
    referrals = Referral.objects.for_merchant(merchant)
    existing = referrals.filter(member=member).first()
    if existing is not None:
        return existing
    referral = referrals.create(
        merchant=merchant,
        member=member,
        referrer_store=referrer_store,
        referrer_staff=referrer_staff,
        referrer_member=referrer_member,
        channel=channel[:100],
    )
    at = at or timezone.now()
    settings = settings_for(merchant)
    awards = rules.evaluate(
        _person_facts(rules.EventKind.MEMBER_REGISTERED_VIA_REFERRAL, merchant, at, member),
        _rule_offers(merchant, settings, Offer.Event.REFERRAL_REGISTRATION),
        stacking=settings.stacking,
    )
    if any(award.points > 0 for award in awards):
        account = account_lock(
            merchant=merchant, store=referrer_store, staff=referrer_staff, member=referrer_member
        )
        _award_points_to(
            account, awards, source=Source.REFERRAL_REGISTRATION, key_prefix=f"referral:{member.pk}", at=at
        )
    return referral


def _person_event_award(*, merchant, member, at, kind, event, source: str, key_format: str) -> list[Entry]:
    """Points for a member's own event (app installed, birthday) from the merchant's offers for it."""
    settings = settings_for(merchant)
    awards = rules.evaluate(
        _person_facts(kind, merchant, at, member), _rule_offers(merchant, settings, event), stacking=settings.stacking
    )
    if not any(award.points > 0 for award in awards):
        return []
    account = account_lock(merchant=merchant, member=member)
    return _award_points_to(account, awards, source=source, key_prefix=key_format.format(account=account.pk), at=at)


@transaction.atomic
def app_install_award(*, merchant, member, at=None) -> list[Entry]:
    """The "app installed" offers, once per member."""
    return _person_event_award(
        merchant=merchant, member=member, at=at or timezone.now(), kind=rules.EventKind.APP_INSTALLED,
        event=Offer.Event.APP_INSTALLED, source=Source.APP_INSTALLED, key_format="app-installed:{account}",
    )


@transaction.atomic
def birthday_award(*, merchant, member, at=None) -> list[Entry]:
    """The "birthday" offers on the member's birthday (merchant's local day), once a year."""
    at = at or timezone.now()
    day = rules.local_day(at, merchant.tzinfo)
    if member.birthday is None or not rules.is_birthday(day, member.birthday):
        return []
    return _person_event_award(
        merchant=merchant, member=member, at=at, kind=rules.EventKind.BIRTHDAY,
        event=Offer.Event.BIRTHDAY, source=Source.BIRTHDAY, key_format="birthday:{account}:" + str(day.year),
    )


# --- Redemption ------------------------------------------------------------------------


@dataclass(frozen=True)
class Redemption:
    entry: Entry
    # What the points pay for, in the merchant's currency (rounded down to the cent).
    amount: Decimal


def points_value(*, merchant, points: int) -> Decimal:
    return (Decimal(points) * settings_for(merchant).point_value).quantize(CENT, rounding=ROUND_DOWN)


@transaction.atomic
def points_redeem_for_order(*, merchant, member, points: int, order: Order) -> Redemption:
    """Pay part of an order with points (points + cash at checkout).

    How checkout uses it, inside its own transaction after creating the order:
        redemption = points_redeem_for_order(merchant=m, member=member, points=n, order=order)
        order.points_redeemed = redemption.amount   # and lower total / unpaid by it
    Raises `NotEnoughPoints` (a ValidationError, message for the shopper) when
    the balance is short, which rolls the checkout back. One redemption per
    order: calling it again returns the first one. A cancelled order gives the
    points back (see `order_points_settle`).
    """
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    if member.merchant_id != merchant.pk or order.merchant_id != merchant.pk:
        raise ValidationError(_("The member and the order must belong to this merchant."))
    if order.member_id is not None and order.member_id != member.pk:
        raise ValidationError(_("This order belongs to another member."))
    account = account_lock(merchant=merchant, member=member)
    key = f"order:{order.pk}:checkout"
    existing = Entry.objects.for_merchant(merchant).filter(idempotency_key=key).first()
    if existing is not None:
        return Redemption(existing, points_value(merchant=merchant, points=-existing.points))
    amount = points_value(merchant=merchant, points=points)
    entry = _post(
        account,
        kind=Kind.REDEEM,
        points=-points,
        source=Source.CHECKOUT,
        key=key,
        order=order,
        store=order.source_store,
        description=_("Order %(number)s") % {"number": order.number},
    )
    return Redemption(entry, amount)


@transaction.atomic
def cash_redemption_request(*, merchant, staff, points: int, at=None) -> Entry:
    """A staff member exchanges points for cash, paid with the month's salary.

    At most once per calendar month in the merchant's time zone: the second
    request is refused with `CashRedemptionRefused` (also enforced by the
    ledger key `cash:<account>:<YYYY-MM>`). Shoppers cannot redeem for cash.
    The entry records the staff member's store for the payroll report.
    """
    if not isinstance(staff, Staff) or staff.merchant_id != merchant.pk:
        raise CashRedemptionRefused(_("Only staff can redeem points for cash."))
    if not staff.is_employed:
        raise CashRedemptionRefused(_("Staff who have left cannot redeem points for cash."))
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    at = at or timezone.now()
    account = account_lock(merchant=merchant, staff=staff)
    previous = list(
        Entry.objects.for_merchant(merchant)
        .filter(account=account, source=Source.CASH)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    tz = merchant.tzinfo
    if not rules.cash_redemption_allowed(previous_cash_redemptions=previous, at=at, tz=tz):
        local = rules.local_day(at, tz)
        last = next(p for p in previous if rules.local_day(p, tz).replace(day=1) == local.replace(day=1))
        next_month = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
        raise CashRedemptionRefused(
            _(
                "You already redeemed points for cash this month (on %(last)s). "
                "Cash redemption is allowed once per calendar month; you can redeem again from %(next)s."
            )
            % {
                "last": formats.date_format(rules.local_day(last, tz)),
                "next": formats.date_format(next_month),
            }
        )
    amount = points_value(merchant=merchant, points=points)
    month = rules.local_day(at, tz).strftime("%Y-%m")
    entry = _post(
        account,
        kind=Kind.REDEEM,
        points=-points,
        source=Source.CASH,
        key=f"cash:{account.pk}:{month}",
        at=at,
        store=staff.store,
        cash_amount=amount,
        description=_("Cash with the %(month)s payroll") % {"month": month},
    )
    if entry is None:  # the month's key exists: a concurrent request won
        raise CashRedemptionRefused(_("You already redeemed points for cash this month."))
    return entry


@transaction.atomic
def points_adjust(*, merchant, points: int, reason: str, member=None, staff=None, store=None, key=None) -> Entry:
    """A manual correction by the merchant (positive or negative), with its reason."""
    if points == 0:
        raise ValidationError(_("An adjustment needs a number of points other than zero."))
    if not reason.strip():
        raise ValidationError(_("Say why the points are adjusted."))
    account = account_lock(merchant=merchant, member=member, staff=staff, store=store)
    return _post(
        account,
        kind=Kind.ADJUST,
        points=points,
        source=Source.MANUAL,
        key=key or f"adjust:{uuid.uuid4()}",
        description=reason.strip(),
    )


@transaction.atomic
def points_expire(*, merchant, points: int, reason: str, key: str, member=None, staff=None) -> Entry | None:
    """Expire up to `points` (never below zero). `key` names the expiry run, e.g.
    "expire:2025:<account>", so running it again expires nothing more."""
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    account = account_lock(merchant=merchant, member=member, staff=staff)
    taken = min(points, account.balance)
    if taken == 0:
        return None
    return _post(account, kind=Kind.EXPIRE, points=-taken, source=Source.MANUAL, key=key, description=reason)


@transaction.atomic
def offer_save(*, merchant, offer: Offer, stores=()) -> Offer:
    """Create or update an offer configured by the merchant admin (form-validated fields)."""
    stores = list(stores)
    if offer.merchant_id not in (None, merchant.pk) or any(store.merchant_id != merchant.pk for store in stores):
        raise ValidationError(_("The offer and its stores must belong to this merchant."))
    offer.merchant = merchant
    offer.clean()
    offer.save()
    with merchant_scope(merchant):
        offer.stores.set(stores)
    return offer


@transaction.atomic
def loyalty_settings_save(*, merchant, **values) -> LoyaltySettings:
    settings, _created = LoyaltySettings.objects.for_merchant(merchant).get_or_create(merchant=merchant)
    for name, value in values.items():
        setattr(settings, name, value)
    # The row is this merchant's own (get_or_create above): field and clean() checks only.
    settings.full_clean(validate_unique=False, validate_constraints=False)
    settings.save()
    return settings


__all__ = [
    "CashRedemptionRefused",
    "NotEnoughPoints",
    "Redemption",
    "account_lock",
    "app_install_award",
    "birthday_award",
    "cash_redemption_request",
    "loyalty_settings_save",
    "offer_save",
    "offers_preview",
    "checkout_discounts",
    "order_points_due",
    "points_due_order_ids",
    "order_points_settle",
    "points_adjust",
    "points_expire",
    "points_redeem_for_order",
    "points_value",
    "referral_record",
    "share_points_award",
]
