"""Writes for the commission lifecycle: pending -> approved (or rejected) -> in a payout -> paid, and
adjustments; the campaign's payout terms (return window, commission tiers).

One function per state change, each audited (omo.audit), so each transition has a single place
where a follower (e.g. an outbound webhook) can be called:

* `commission_sync`       a referred order was (re)computed: creates the commission (pending),
                          follows its amount, starts the return window once the order completed,
                          or, once the commission is in a payout, records the difference as an
                          adjustment (`adjustment_create`);
* `commission_approve`    pending -> approved (the merchant early, or the beat sweep after the
                          return window: `commission_approve_due`);
* `commission_reject`     pending/approved (not in a payout) -> rejected, with a reason the partner sees;
* `adjustment_create`     a signed amount carried into the partner's next payout;
* `payout_create`         approved commissions of a period and currency + open adjustments -> a batch;
* `payout_mark_paid`      the batch and its commissions -> paid;
* `campaign_payout_terms_set`  return window and tiers.

`CommissionTotals` (one row per campaign) moves with every change, so the portal reads one row.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Order
from omo.audit.services import Action, audit_record
from omo.tenancy.models import Merchant
from omo.tenancy.tasks import task_enqueue_on_commit
from omo.webhooks.models import EventType

from . import commission as rules
from . import events, notifications
from .models import (
    Campaign,
    CampaignOrder,
    CampaignPayoutTerms,
    Commission,
    CommissionAdjustment,
    CommissionTier,
    CommissionTotals,
    Partner,
    PartnerPayoutDetails,
    Payout,
    PayoutLine,
)

ZERO = Decimal("0.00")
DEFAULT_RETURN_WINDOW_DAYS = 14
MAX_RETURN_WINDOW_DAYS = 365


def _merchant(merchant) -> Merchant:
    return merchant if isinstance(merchant, Merchant) else Merchant.objects.get(pk=merchant)


def _totals_move(merchant, campaign_id: int, **deltas) -> None:
    """Move the campaign's per-state totals by `deltas` (e.g. pending=-10, approved=10)."""
    deltas = {state: amount for state, amount in deltas.items() if amount}
    if not deltas:
        return
    totals = CommissionTotals.objects.for_merchant(merchant)
    if not totals.filter(campaign_id=campaign_id).exists():
        try:
            with transaction.atomic():
                totals.create(merchant_id=getattr(merchant, "pk", merchant), campaign_id=campaign_id)
        except IntegrityError:
            pass
    totals.filter(campaign_id=campaign_id).update(**{state: F(state) + amount for state, amount in deltas.items()})


# ---------------------------------------------------------------------------
# Payout terms and tiers
# ---------------------------------------------------------------------------


def return_window_days(*, merchant, campaign_id: int) -> int:
    days = (
        CampaignPayoutTerms.objects.for_merchant(merchant).filter(campaign_id=campaign_id)
        .values_list("return_window_days", flat=True).first()
    )
    return DEFAULT_RETURN_WINDOW_DAYS if days is None else days


def campaign_tiers(*, merchant, campaign_id: int) -> tuple[rules.Tier, ...]:
    return tuple(
        rules.Tier(from_sales=from_sales, rate=rate)
        for from_sales, rate in CommissionTier.objects.for_merchant(merchant).filter(campaign_id=campaign_id)
        .order_by("from_sales").values_list("from_sales", "rate")
    )


def commission_rule(*, merchant, campaign: Campaign) -> rules.CommissionRule:
    """The campaign's rule with its tiers (the one the worker computes with)."""
    return replace(campaign.rule(), tiers=campaign_tiers(merchant=merchant, campaign_id=campaign.pk))


def _month_start(merchant, when: datetime) -> datetime:
    local = timezone.localtime(when, _merchant(merchant).tzinfo)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def tier_prior_sales(*, merchant, rule: rules.CommissionRule, record: CampaignOrder) -> Decimal:
    """The partner's settled sales in the calendar month (merchant time) before this order: the
    commission bases of the campaign's counted orders placed earlier that month. 0 without tiers."""
    if not rule.tiers:
        return ZERO
    start = _month_start(merchant, record.placed_at)
    earlier = Commission.objects.for_merchant(merchant).filter(
        Q(campaign_order__placed_at__lt=record.placed_at)
        | Q(campaign_order__placed_at=record.placed_at, campaign_order_id__lt=record.pk),
        campaign_id=record.campaign_id,
        campaign_order__placed_at__gte=start,
    )
    return earlier.aggregate(total=Sum("sales"))["total"] or ZERO


@dataclass(frozen=True)
class TierInput:
    from_sales: Decimal
    rate: Decimal


@transaction.atomic
def campaign_payout_terms_set(*, merchant, campaign: Campaign, return_window_days: int, tiers: list[TierInput],
                              actor=None) -> CampaignPayoutTerms:
    """Set the return window and the commission tiers; when the tiers change, the campaign's orders
    are recomputed after commit."""
    errors = {}
    if not 0 <= return_window_days <= MAX_RETURN_WINDOW_DAYS:
        errors["return_window_days"] = _("The return window must be between 0 and %(max)s days.") % {
            "max": MAX_RETURN_WINDOW_DAYS
        }
    tiers = sorted(tiers, key=lambda tier: tier.from_sales)
    if tiers and campaign.commission_type != Campaign.CommissionType.PERCENTAGE:
        errors["tiers"] = _("Commission tiers need a percentage commission.")
    elif len({tier.from_sales for tier in tiers}) != len(tiers) or any(tier.from_sales <= 0 for tier in tiers):
        errors["tiers"] = _("Each tier needs its own threshold above zero.")
    elif any(tier.rate < 0 or tier.rate > 100 for tier in tiers):
        errors["tiers"] = _("A percentage commission cannot exceed 100 %.")
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.for_merchant(merchant).select_for_update().get(pk=campaign.pk)
    terms, _created = CampaignPayoutTerms.objects.for_merchant(merchant).get_or_create(
        campaign=campaign, defaults={"merchant": campaign.merchant}
    )
    before = {"return_window_days": terms.return_window_days,
              "tiers": [[str(t.from_sales), str(t.rate)] for t in campaign_tiers(merchant=merchant, campaign_id=campaign.pk)]}
    terms.return_window_days = return_window_days
    terms.save(update_fields=["return_window_days"])
    CommissionTier.objects.for_merchant(merchant).filter(campaign=campaign).delete()
    CommissionTier.objects.for_merchant(merchant).bulk_create(
        [CommissionTier(merchant=campaign.merchant, campaign=campaign, from_sales=t.from_sales, rate=t.rate) for t in tiers]
    )
    after = {"return_window_days": return_window_days,
             "tiers": [[str(t.from_sales), str(t.rate)] for t in campaign_tiers(merchant=merchant, campaign_id=campaign.pk)]}
    if before != after:
        audit_record(merchant=campaign.merchant, action=Action.CAMPAIGN_PAYOUT_TERMS, actor=actor, target=campaign,
                     details={"before": before, "after": after})
    if before["tiers"] != after["tiers"]:
        task_enqueue_on_commit("partners.campaign_recompute", campaign.merchant_id, campaign.pk)
    return terms


# ---------------------------------------------------------------------------
# Commission lifecycle
# ---------------------------------------------------------------------------


def commission_sync(*, merchant, record: CampaignOrder, order: Order, sales: Decimal) -> Commission:
    """Called by `services.campaign_order_recompute` (in its transaction, the record locked) after
    it stored the order's figures. `sales`: the order's commission base (counts towards tiers)."""
    owed = record.commission if record.counted else ZERO
    sales = sales if record.counted else ZERO
    commissions = Commission.objects.for_merchant(merchant)
    item = commissions.select_for_update().filter(campaign_order=record).first()
    if item is None:
        item = commissions.create(
            merchant_id=record.merchant_id, campaign_order=record, campaign_id=record.campaign_id, amount=owed,
            sales=sales,
        )
        _totals_move(merchant, record.campaign_id, pending=owed)
        audit_record(merchant=_merchant(merchant), action=Action.COMMISSION_CREATE,
                     target=item, details={"order": order.number, "amount": str(owed)})
    old_sales = item.sales
    changed = []
    if order.status == Order.Status.COMPLETED and item.completed_at is None:
        item.completed_at = timezone.now()
        days = return_window_days(merchant=merchant, campaign_id=record.campaign_id)
        item.due_at = item.completed_at + timedelta(days=days)
        changed += ["completed_at", "due_at"]
    if item.payout_line_id is None:
        delta = owed - item.amount
        if delta:
            _totals_move(merchant, record.campaign_id, **{item.status: delta})
            item.amount = owed
            changed.append("amount")
    else:
        adjusted = CommissionAdjustment.objects.for_merchant(merchant).filter(commission=item)
        carried = item.amount + (adjusted.aggregate(total=Sum("amount"))["total"] or ZERO)
        if owed != carried:
            adjustment_create(
                merchant=merchant, commission=item, amount=owed - carried,
                reason=_("Order %(number)s changed after the commission was paid out (return or refund).")
                % {"number": order.number},
            )
    if sales != old_sales:
        item.sales = sales
        changed.append("sales")
    if changed:
        item.save(update_fields=changed)
    if sales != old_sales and CommissionTier.objects.for_merchant(merchant).filter(campaign_id=record.campaign_id).exists():
        # Later orders of the month now start from other prior sales: recompute them.
        task_enqueue_on_commit("partners.commission_month_recompute", record.merchant_id, record.pk)
    return item


def later_in_month_order_ids(*, merchant, record_id: int) -> list[int]:
    """Order ids of the campaign's referred orders placed after this one in the same month."""
    record = CampaignOrder.objects.for_merchant(merchant).filter(pk=record_id).first()
    if record is None:
        return []
    start = _month_start(merchant, record.placed_at)
    end = (start + timedelta(days=32)).replace(day=1)
    later = CampaignOrder.objects.for_merchant(merchant).filter(
        campaign_id=record.campaign_id, placed_at__gte=record.placed_at, placed_at__lt=end
    ).exclude(placed_at=record.placed_at, pk__lte=record.pk).filter(placed_at__gte=start)
    return list(later.order_by("placed_at", "pk").values_list("order_id", flat=True))


def _locked(merchant, commission: Commission) -> Commission:
    return Commission.objects.for_merchant(merchant).select_for_update().select_related("campaign").get(pk=commission.pk)


@transaction.atomic
def commission_approve(*, merchant, commission: Commission, actor=None, automatic: bool = False) -> Commission:
    """Pending -> approved: by the merchant early, or by the sweep once the return window passed."""
    item = _locked(merchant, commission)
    if item.status == Commission.Status.APPROVED:
        return item
    if item.status != Commission.Status.PENDING:
        raise ValidationError(_("Only a pending commission can be approved."), code="not_pending")
    item.status = Commission.Status.APPROVED
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_at"])
    _totals_move(merchant, item.campaign_id, pending=-item.amount, approved=item.amount)
    audit_record(merchant=item.campaign.merchant, action=Action.COMMISSION_APPROVE, actor=actor, target=item,
                 details={"amount": str(item.amount), "automatic": automatic})
    record = CampaignOrder.objects.for_merchant(merchant).select_related("campaign", "order").get(pk=item.campaign_order_id)
    events.commission_event_emit(merchant=merchant, type=EventType.COMMISSION_APPROVED, record=record, order=record.order)
    notifications.notify_commission_approved(merchant_id=item.merchant_id, campaign_order_id=item.campaign_order_id)
    return item


def due_commission_ids(*, merchant, older_than=None, limit: int = 1000) -> list[int]:
    """Pending commissions whose return window has passed (beat sweep)."""
    return list(
        Commission.objects.for_merchant(merchant)
        .filter(status=Commission.Status.PENDING, due_at__lte=timezone.now())
        .order_by("due_at").values_list("pk", flat=True)[:limit]
    )


def commission_approve_due(*, merchant, commission_id: int) -> Commission | None:
    """The sweep's task: approve it if it is still pending and due (idempotent)."""
    item = Commission.objects.for_merchant(merchant).filter(
        pk=commission_id, status=Commission.Status.PENDING, due_at__lte=timezone.now()
    ).first()
    if item is None:
        return None
    return commission_approve(merchant=merchant, commission=item, automatic=True)


@transaction.atomic
def commission_reject(*, merchant, commission: Commission, reason: str, actor=None) -> Commission:
    """Pending or approved (not yet in a payout) -> rejected; the partner sees the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the partner a reason.")})
    item = _locked(merchant, commission)
    if item.status not in (Commission.Status.PENDING, Commission.Status.APPROVED) or item.payout_line_id:
        raise ValidationError(_("A commission already in a payout cannot be rejected."), code="in_payout")
    before = item.status
    item.status = Commission.Status.REJECTED
    item.reject_reason = reason[:300]
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "reject_reason", "decided_at"])
    _totals_move(merchant, item.campaign_id, **{before: -item.amount}, rejected=item.amount)
    audit_record(merchant=item.campaign.merchant, action=Action.COMMISSION_REJECT, actor=actor, target=item,
                 details={"amount": str(item.amount), "from": before, "reason": item.reject_reason})
    return item


@transaction.atomic
def adjustment_create(*, merchant, commission: Commission, amount: Decimal, reason: str,
                      actor=None) -> CommissionAdjustment:
    """A signed amount on a commission already in a payout, carried into the partner's next payout."""
    amount = Decimal(amount)
    reason = (reason or "").strip()
    if not amount:
        raise ValidationError({"amount": _("An adjustment cannot be zero.")})
    if not reason:
        raise ValidationError({"reason": _("Give the partner a reason.")})
    item = _locked(merchant, commission)
    if item.payout_line_id is None:
        raise ValidationError(
            _("This commission is not in a payout yet: its amount follows the order."), code="not_in_payout"
        )
    adjustment = CommissionAdjustment.objects.for_merchant(merchant).create(
        merchant=item.campaign.merchant, commission=item, campaign_id=item.campaign_id,
        amount=rules.quantize_money(amount, item.campaign.currency), reason=reason[:300],
    )
    _totals_move(merchant, item.campaign_id, adjusted=adjustment.amount)
    audit_record(merchant=item.campaign.merchant, action=Action.ADJUSTMENT_CREATE, actor=actor, target=adjustment,
                 details={"commission": item.pk, "amount": str(adjustment.amount), "reason": adjustment.reason})
    return adjustment


def _period_bounds(merchant: Merchant, start: date, end: date) -> tuple[datetime, datetime]:
    tz = merchant.tzinfo
    return (datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


@transaction.atomic
def payout_create(*, merchant, period_start: date, period_end: date, currency: str, actor=None) -> Payout:
    """A batch of the approved commissions of orders placed in the period (merchant time) in
    `currency` that are in no payout yet, plus every open adjustment in that currency, one line per
    partner. A partner whose adjustments leave nothing to pay is left out: all carried to next time."""
    merchant = _merchant(merchant)
    currency = (currency or "").strip().upper()
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period must end on or after its start.")})
    start, end = _period_bounds(merchant, period_start, period_end)
    commissions = list(
        Commission.objects.for_merchant(merchant).select_for_update(of=("self",))
        .filter(status=Commission.Status.APPROVED, payout_line__isnull=True, campaign__currency=currency,
                campaign__partner__isnull=False,
                campaign_order__placed_at__gte=start, campaign_order__placed_at__lt=end)
        .select_related("campaign").order_by("pk")
    )
    adjustments = list(
        CommissionAdjustment.objects.for_merchant(merchant).select_for_update(of=("self",))
        .filter(payout_line__isnull=True, campaign__currency=currency, created_at__lt=end)
        .select_related("campaign").order_by("pk")
    )
    by_partner: dict[int, dict] = {}
    for item in commissions:
        by_partner.setdefault(item.campaign.partner_id, {"c": [], "a": []})["c"].append(item)
    for adj in adjustments:
        by_partner.setdefault(adj.campaign.partner_id, {"c": [], "a": []})["a"].append(adj)
    payable = {}
    for partner_id, group in by_partner.items():
        c_total = sum((c.amount for c in group["c"]), ZERO)
        a_total = sum((a.amount for a in group["a"]), ZERO)
        if partner_id is not None and c_total + a_total > 0:
            payable[partner_id] = (group, c_total, a_total)
    if not payable:
        raise ValidationError(_("There is nothing to pay for this period and currency."), code="empty")
    payout = Payout.objects.for_merchant(merchant).create(
        merchant=merchant, period_start=period_start, period_end=period_end, currency=currency,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    total = ZERO
    for partner_id, (group, c_total, a_total) in sorted(payable.items()):
        line = PayoutLine.objects.for_merchant(merchant).create(
            merchant=merchant, payout=payout, partner_id=partner_id, commission_total=c_total,
            adjustment_total=a_total, amount=c_total + a_total,
        )
        Commission.objects.for_merchant(merchant).filter(pk__in=[c.pk for c in group["c"]]).update(
            payout_line=line, updated_at=timezone.now()
        )
        CommissionAdjustment.objects.for_merchant(merchant).filter(pk__in=[a.pk for a in group["a"]]).update(
            payout_line=line, updated_at=timezone.now()
        )
        total += line.amount
    payout.total = total
    payout.save(update_fields=["total"])
    audit_record(merchant=merchant, action=Action.PAYOUT_CREATE, actor=actor, target=payout,
                 details={"period": [str(period_start), str(period_end)], "currency": currency, "total": str(total),
                          "partners": len(payable)})
    return payout


@transaction.atomic
def payout_mark_paid(*, merchant, payout: Payout, actor=None) -> Payout:
    """The transfer is done: the batch and its commissions are paid (idempotent)."""
    merchant = _merchant(merchant)
    payout = Payout.objects.for_merchant(merchant).select_for_update().get(pk=payout.pk)
    if payout.status == Payout.Status.PAID:
        return payout
    now = timezone.now()
    payout.status = Payout.Status.PAID
    payout.paid_at = now
    payout.save(update_fields=["status", "paid_at"])
    items = Commission.objects.for_merchant(merchant).filter(payout_line__payout=payout)
    moved: dict[int, Decimal] = {}
    for campaign_id, amount in items.values_list("campaign_id", "amount"):
        moved[campaign_id] = moved.get(campaign_id, ZERO) + amount
    records = list(
        CampaignOrder.objects.for_merchant(merchant).filter(lifecycle__payout_line__payout=payout)
        .select_related("campaign", "order")
    )
    items.update(status=Commission.Status.PAID, paid_at=now, updated_at=now)
    for campaign_id, amount in moved.items():
        _totals_move(merchant, campaign_id, approved=-amount, paid=amount)
    audit_record(merchant=merchant, action=Action.PAYOUT_PAID, actor=actor, target=payout,
                 details={"total": str(payout.total), "currency": payout.currency})
    for record in records:
        events.commission_event_emit(merchant=merchant, type=EventType.COMMISSION_PAID, record=record, order=record.order)
    counts = {}
    for record in records:
        counts[record.campaign.partner_id] = counts.get(record.campaign.partner_id, 0) + 1
    for line in PayoutLine.objects.for_merchant(merchant).filter(payout=payout):
        notifications.notify_payout_paid(
            merchant_id=merchant.pk, partner_id=line.partner_id, amount=line.amount, currency=payout.currency,
            reference=f"#{payout.pk}", order_count=counts.get(line.partner_id),
        )
    return payout


def payout_exported(*, merchant, payout: Payout, actor=None, ip=None) -> None:
    """Record that the bank-transfer file (with partners' bank details) was downloaded."""
    audit_record(merchant=_merchant(merchant), action=Action.PAYOUT_EXPORT, actor=actor, target=payout, ip=ip)


# ---------------------------------------------------------------------------
# Partner payout details (kept by the partner)
# ---------------------------------------------------------------------------


@transaction.atomic
def payout_details_set(*, partner: Partner, account_holder: str, bank_name: str, account_number: str,
                       bank_code: str = "", note: str = "") -> PartnerPayoutDetails:
    details, _created = PartnerPayoutDetails.objects.update_or_create(
        partner=partner,
        defaults={"account_holder": account_holder.strip(), "bank_name": bank_name.strip(),
                  "bank_code": bank_code.strip(), "account_number": account_number.strip(), "note": note.strip()},
    )
    return details


def commission_totals_rebuild(*, merchant, campaign: Campaign) -> CommissionTotals:
    """Repair tool (and the bench's loader): the per-state totals from the commissions."""
    merchant = _merchant(merchant)
    sums = {
        status: amount
        for status, amount in Commission.objects.for_merchant(merchant).filter(campaign=campaign)
        .values_list("status").annotate(total=Sum("amount")).values_list("status", "total")
    }
    adjusted = CommissionAdjustment.objects.for_merchant(merchant).filter(campaign=campaign).aggregate(
        total=Sum("amount"))["total"] or ZERO
    totals, _created = CommissionTotals.objects.for_merchant(merchant).get_or_create(
        campaign=campaign, defaults={"merchant": merchant}
    )
    for status in Commission.Status.values:
        setattr(totals, status, sums.get(status) or ZERO)
    totals.adjusted = adjusted
    totals.save()
    return totals
