"""Order points: earn per the offers and the referral split when paid, adjust with new entries
when cancelled, refunded or returned; the due marks that let the sweeper catch lost events."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.models import Order, OrderLine

from .. import offer_snapshot
from .. import offers as rules
from .. import selectors
from ..models import LoyaltySettings, Offer, OrderPointsBasis, PointsAccount, PointsDue
from .ledger import Entry, Kind, Source, _award_points_to, _post, account_lock
from .settings import _rule_offers, _store_attributes, settings_for
from .split import _referral_shares, _WaitForCredit


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
    # The member's tier from their 12 months of spending before this order (not counting it).
    tier = selectors.member_tier(
        merchant=order.merchant, member=order.member, at=order.placed_at, exclude_order_id=order.pk
    )
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
        tier_threshold=tier.threshold if tier else None,
        tier_multiplier=tier.multiplier if tier else Decimal("1"),
    )


def _fully_returned(order: Order) -> bool:
    if order.total > 0 and order.returned_amount >= order.total:
        return True
    lines = _lines(order)
    return bool(lines) and all(line.returned_quantity >= line.quantity for line in lines)


def _order_earn(order: Order, settings: LoyaltySettings) -> list[Entry]:
    """The member's points per the offers and, for a referred member, the split of those points.
    Raises _WaitForCredit (before writing anything) while the split waits for the attribution."""
    merchant = order.merchant
    at = timezone.now()
    written = []
    facts = _order_facts(order, after_returns=True)
    offers = _rule_offers(merchant, settings, Offer.Event.ORDER_PAID)
    awards = rules.evaluate(facts, offers, stacking=settings.stacking)
    sale_points = sum(award.points for award in awards if award.points > 0)
    shares = _referral_shares(order, settings, sale_points)
    # What these points were decided on, for the edits to come (`_basis_awards`).
    OrderPointsBasis.objects.for_merchant(merchant).create(
        merchant=merchant,
        order=order,
        offers=offer_snapshot.offers_dump(offers),
        facts=offer_snapshot.facts_dump(facts),
        stacking=str(settings.stacking),
        referral_traffic_percent=settings.referral_traffic_percent if shares else None,
        created_at=at,
    )
    if sale_points > 0:
        account = account_lock(merchant=merchant, member=order.member)
        written += _award_points_to(
            account, awards, source=Source.ORDER_PAID, key_prefix=f"order:{order.pk}", at=at, order=order,
            store=order.source_store,
        )
    for owner, share in shares:
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


def _basis_awards(order: Order, basis: OrderPointsBasis, *, after_returns: bool = True) -> list[rules.Award]:
    """The awards of the offers and facts kept when the order first earned, evaluated on the
    order's amounts now: an edit moves the amounts, never the rules."""
    now = _order_facts(order, after_returns=after_returns)
    facts = offer_snapshot.facts_load(basis.facts, lines=now.lines, order_amount=now.order_amount)
    return rules.evaluate(facts, offer_snapshot.offers_load(basis.offers), stacking=basis.stacking)


def _order_adjust(order: Order, settings: LoyaltySettings) -> list[Entry]:
    """Bring what the order earned in line with what it should keep now, as new entries.

    Cancelled, refunded or fully returned: nothing is kept. Otherwise, for an order with a kept
    basis (`OrderPointsBasis`), each offer's points are those its offers and facts as of the first
    earn give on the order's amounts now: an edit up earns the difference (an offer that now
    matches, e.g. a category added, earns anew), an edit down or a partial return takes it back.
    Orders that earned before bases were kept: the offers that earned are evaluated again on what
    the member kept, never above what they first earned. Referral shares go only with the whole
    sale. A refund or return that is undone gives back what was taken. Points the member already spent cannot be taken back below zero: the entry takes what
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
    basis = OrderPointsBasis.objects.for_merchant(merchant).filter(order=order).first()
    kept: dict[str, int] = {}
    if not nothing_kept and basis is not None:
        awards = _basis_awards(order, basis)
        kept = {f"offer:{award.offer_id}": award.points for award in awards}
        new_slots = [a for a in awards if a.points > 0 and f"offer:{a.offer_id}" not in offer_of_slot]
        if new_slots and order.member_id is not None:
            # An edit made an offer of the basis match that earned nothing at first: a new slot.
            account_id = account_lock(merchant=merchant, member=order.member).pk
            for award in new_slots:
                slot = f"offer:{award.offer_id}"
                net[(account_id, slot)] = count[(account_id, slot)] = first_earned[(account_id, slot)] = 0
                offer_of_slot[slot], label_of_slot[slot] = award.offer_id, award.label.value
                source_of_slot[slot] = Source.ORDER_PAID
    parts: dict[str, int] = {}
    if not nothing_kept and basis is not None and basis.referral_traffic_percent is not None:
        # The split's parts follow an edit of the sale (at the ratio kept), not its returns.
        whole = sum(a.points for a in _basis_awards(order, basis, after_returns=False) if a.points > 0)
        traffic, sales = rules.referral_parts(sale_points=whole, traffic_percent=basis.referral_traffic_percent)
        parts = {"traffic": traffic, "sales": sales}
    if not nothing_kept and basis is None:
        offer_ids = [pk for pk in offer_of_slot.values() if pk is not None]
        awards = rules.evaluate(
            _order_facts(order, after_returns=True),
            _rule_offers(merchant, settings, Offer.Event.ORDER_PAID, offer_ids=offer_ids),
            stacking=settings.stacking,
        )
        kept = {f"offer:{award.offer_id}": award.points for award in awards}
    returned = order.returned_amount > 0 or any(line.returned_quantity for line in _lines(order))
    edited = basis is not None and not nothing_kept and not returned
    written = []
    for (account_id, slot), points in sorted(net.items()):
        earned = first_earned[(account_id, slot)]
        if nothing_kept:
            target = 0
        elif slot.startswith("offer:"):
            target = kept.get(slot, 0) if basis is not None else min(earned, kept.get(slot, 0))
        else:
            # A referral share goes with the whole sale, and comes back with it; an edit moves it.
            target = parts.get(slot, earned)
        if target == points:
            continue
        account = PointsAccount.objects.for_merchant(merchant).select_for_update().get(pk=account_id)
        key = f"order:{order.pk}:{slot}:to:{target}:after:{count[(account_id, slot)]}"
        if target > points:
            change, kind = target - points, Kind.EARN
            description = _("Order %(number)s: refund or return undone") % {"number": order.number}
        else:
            change, kind = -min(points - target, account.balance), Kind.REVERSE
            description = _("Order %(number)s cancelled or returned") % {"number": order.number}
        if change == 0:
            continue  # all of it already spent: nothing to take, and no empty entry
        if edited and not (kind == Kind.EARN and points == 0 < earned):  # all taken, now back: an undo
            description = _("Order %(number)s edited") % {"number": order.number}
        missing = points - target + change if kind == Kind.REVERSE else 0
        if missing:
            description += " " + ngettext(
                "(%(missing)s point already spent)", "(%(missing)s points already spent)", missing
            ) % {"missing": missing}
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
    parent order's points stand. An edit of a paid order re-settles its points against the
    offers and facts kept when it first earned (`OrderPointsBasis`, `_order_adjust`).
    A referred member's online sale waits (stays due) until its attribution is decided, since
    the staff member it credits earns the split's sales part (`split._referral_shares`).
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
    # Once earned (a basis kept, or entries from before bases were kept), only adjusted.
    already_earned = (
        OrderPointsBasis.objects.for_merchant(merchant).filter(order=order).exists()
        or Entry.objects.for_merchant(merchant).filter(order=order, kind=Kind.EARN).exists()
    )
    if (
        order.payment_status == Order.PaymentStatus.PAID
        and not order.is_cancelled
        and not already_earned
        and not _fully_returned(order)
    ):
        try:
            earned = _order_earn(order, settings)
        except _WaitForCredit:
            # Nothing written, the member's own points included, and the order stays due: the
            # beat sweeper settles it again (about a minute later) once the attribution is decided.
            order_points_due(order)
            return []
        return earned + _order_adjust(order, settings)
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
