"""Writes for referral campaigns: campaigns, invitations, binding, and the per-order figures.

Order figures are computed by the pure rules in `partners.commission` only; this module
loads the facts, calls `commission.compute`, stores the result and moves the campaign's
incremental aggregates by the difference between the stored and the new result.

Order split: a child order (``order.parent`` set) whose parent carries a campaign is not
credited on its own. The campaign keeps the parent's `CampaignOrder` as the single credited
record, recomputed from the parent order's figures after the split, so "the commission
becomes the parent order's result after the split" (source, 注意事項) and nothing is
counted twice. An event on such a child recomputes the parent, and
the partners follower (`campaign_order_due`) creates no record of its own for it.
"""

import logging
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce import services as order_services
from commerce.models import Order, OrderLine, Product
from omo.tenancy.scoping import merchant_scope
from omo.tenancy.tasks import task_enqueue_on_commit
from omo.webhooks.models import EventType

from . import clicks, commission, coupons, events, notifications, payouts, selectors
from .models import (
    Campaign,
    CampaignOrder,
    CampaignProductSales,
    CampaignStats,
    Invitation,
    Partner,
    PartnerMembership,
    new_campaign_code,
)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    currency: str
    condition: str
    commission_type: str
    rate: object
    products: tuple = ()
    # partner-growth: the referral cookie's lifetime and whether partners may apply.
    link_lifetime_days: int = 30
    is_public: bool = False


def campaign_values(campaign: Campaign) -> dict:
    """The campaign as CampaignInput values, its products aside: what an edit starts from."""
    return {field.name: getattr(campaign, field.name) for field in fields(CampaignInput) if field.name != "products"}


def _campaign_products_set(merchant, campaign: Campaign, data: CampaignInput) -> None:
    specific = data.condition == Campaign.Condition.SPECIFIC_PRODUCTS
    with merchant_scope(merchant):  # the M2M manager goes through the scoped Product manager
        campaign.products.set(data.products if specific else [], through_defaults={"merchant_id": campaign.merchant_id})


def _validate_campaign(data: CampaignInput):
    errors = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The campaign must end after it starts.")
    if data.rate is None or data.rate < 0:
        errors["rate"] = _("The commission cannot be negative.")
    elif data.commission_type == Campaign.CommissionType.PERCENTAGE and data.rate > 100:
        errors["rate"] = _("A percentage commission cannot exceed 100 %.")
    if not 1 <= (data.link_lifetime_days or 0) <= 365:
        errors["link_lifetime_days"] = _("The link lifetime is 1 to 365 days.")
    if data.condition == Campaign.Condition.SPECIFIC_PRODUCTS and not data.products:
        errors["products"] = _("Choose the products that earn commission.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_create(*, merchant, data: CampaignInput) -> Campaign:
    """A new referral campaign with a fresh unguessable code and zeroed figures."""
    _validate_campaign(data)
    campaigns = Campaign.objects.for_merchant(merchant)
    for _attempt in range(5):
        code = new_campaign_code()
        if not campaigns.filter(code=code).exists():
            break
    campaign = campaigns.create(
        merchant=merchant,
        name=data.name,
        code=code,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        currency=data.currency.upper(),
        condition=data.condition,
        commission_type=data.commission_type,
        rate=data.rate,
        link_lifetime_days=data.link_lifetime_days,
        is_public=data.is_public,
    )
    _campaign_products_set(merchant, campaign, data)
    CampaignStats.objects.for_merchant(merchant).create(merchant=merchant, campaign=campaign)
    return campaign


@transaction.atomic
def campaign_update(*, merchant, campaign: Campaign, data: CampaignInput) -> Campaign:
    """Change a campaign's name, period or commission rules; its code, partner and currency stay
    (its referred orders are in that currency). When the rules change, every referred order is
    recomputed after commit (`campaign_recompute_task`), moving the figures by the difference."""
    _validate_campaign(data)
    campaign = Campaign.objects.for_merchant(merchant).select_for_update().get(pk=campaign.pk)
    if data.currency.upper() != campaign.currency.upper():
        raise ValidationError({"currency": _("A campaign's currency cannot change: its orders are in it.")})
    rule_before = campaign.rule()
    campaign.name = data.name
    campaign.starts_at, campaign.ends_at = data.starts_at, data.ends_at
    campaign.condition, campaign.commission_type, campaign.rate = data.condition, data.commission_type, data.rate
    campaign.link_lifetime_days, campaign.is_public = data.link_lifetime_days, data.is_public
    campaign.save(update_fields=["name", "starts_at", "ends_at", "condition", "commission_type", "rate",
                                 "link_lifetime_days", "is_public"])
    _campaign_products_set(merchant, campaign, data)
    if campaign.rule() != rule_before:
        task_enqueue_on_commit("partners.campaign_recompute", merchant.pk, campaign.pk)
    return campaign


def campaign_order_ids(*, merchant, campaign_id: int) -> list[int]:
    return list(
        CampaignOrder.objects.for_merchant(merchant).filter(campaign_id=campaign_id).order_by("pk")
        .values_list("order_id", flat=True)
    )


@transaction.atomic
def campaign_partner_bind(*, merchant, campaign: Campaign, partner: Partner) -> Campaign:
    """Bind `partner` to the campaign. Permanent: a campaign bound to someone else is refused."""
    campaign = Campaign.objects.for_merchant(merchant).select_for_update().get(pk=campaign.pk)
    if campaign.partner_id is not None and campaign.partner_id != partner.pk:
        raise ValidationError(
            _("This campaign is already bound to a partner. Binding is permanent and cannot be changed."),
            code="partner_bound",
        )
    if campaign.partner_id is None:
        campaign.partner = partner
        campaign.bound_at = timezone.now()
        campaign.save(update_fields=["partner", "bound_at"])
    PartnerMembership.objects.for_merchant(merchant).get_or_create(merchant=merchant, partner=partner)
    coupons.campaign_coupon_ensure(merchant=merchant, campaign=campaign)  # the partner's own code
    return campaign


# ---------------------------------------------------------------------------
# Partners and invitations
# ---------------------------------------------------------------------------


def partner_for_user(user, *, create=False) -> Partner | None:
    partner = Partner.objects.filter(user=user).first()
    if partner is None and create:
        partner, _created = Partner.objects.get_or_create(user=user, defaults={"display_name": user.name})
    return partner


@transaction.atomic
def invitation_create(*, merchant, campaign: Campaign, email: str = "", invite_url_builder=None) -> Invitation:
    """An invitation link for the campaign; with an email, the link is mailed (console by default)."""
    campaign = Campaign.objects.for_merchant(merchant).get(pk=campaign.pk)
    if campaign.partner_id is not None:
        raise ValidationError(
            _("This campaign is already bound to a partner. Binding is permanent and cannot be changed."),
            code="partner_bound",
        )
    invitation = Invitation.objects.for_merchant(merchant).create(
        merchant=merchant, campaign=campaign, email=(email or "").strip().lower(),
        expires_at=timezone.now() + timedelta(days=merchant.invitation_valid_days),
    )
    if invitation.email and invite_url_builder is not None:  # mailed after commit, unless opted out
        notifications.notify_invitation(invitation=invitation, url=invite_url_builder(invitation))
    return invitation


def invitation_check(*, invitation: Invitation, user=None) -> None:
    """Raises ValidationError (code "revoked", "expired" or "email_mismatch") when this invitation
    cannot be accepted (by `user`, when given). An invitation addressed to an email binds only an
    account that has verified that email address."""
    if invitation.accepted_at is not None:
        return  # accepted: only its own partner gets past the "used" check in invitation_accept
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has been withdrawn by the merchant."), code="revoked")
    if invitation.is_expired():
        raise ValidationError(
            _("This invitation has expired. Ask the merchant for a new one."), code="expired"
        )
    if user is not None and invitation.email and not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            _("This invitation was sent to another email address. Log in with the account of that "
              "address (verified) to accept it."),
            code="email_mismatch",
        )


@transaction.atomic
def invitation_revoke(*, merchant, invitation: Invitation) -> Invitation:
    """The merchant withdraws an invitation that has not been accepted: its link stops working."""
    invitation = Invitation.objects.for_merchant(merchant).select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted; binding is permanent."), code="accepted")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Campaign:
    """The signed-in partner accepts: the campaign is bound to them for good."""
    merchant = invitation.merchant
    invitation = Invitation.objects.for_merchant(merchant).select_for_update().get(pk=invitation.pk)
    invitation_check(invitation=invitation, user=user)
    partner = partner_for_user(user, create=True)
    if invitation.accepted_by_id is not None and invitation.accepted_by_id != partner.pk:
        raise ValidationError(_("This invitation has already been used by another partner."), code="used")
    campaign = campaign_partner_bind(merchant=merchant, campaign=invitation.campaign, partner=partner)
    if invitation.accepted_at is None:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = partner
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        notifications.notify_partner_joined(merchant=merchant, campaign=campaign, partner=partner)
    return campaign


# ---------------------------------------------------------------------------
# Referred orders
# ---------------------------------------------------------------------------


def order_referral_record(*, merchant, order, code: str) -> CampaignOrder | None:
    """Credit `order` to the campaign with `code` (a code typed by the shopper, or given later).

    The code is checked first (ValidationError: unknown, not running when the order was placed,
    another currency) and then set on the order through the order service, whose partners
    follower (`campaign_order_due`) records the referred order, as for an order that arrived with
    its code. A blank code records nothing. Idempotent; an order already credited to another
    campaign keeps its first campaign; a split child answers its parent's record.
    """
    code = (code or "").strip().upper()
    if not code:
        return None
    selectors.campaign_for_code(merchant=merchant, code=code, placed_at=order.placed_at, currency=order.currency)
    order_services.order_update(merchant=merchant, order=order, changes={"campaign_code": code})
    records = CampaignOrder.objects.for_merchant(merchant)
    return records.filter(order_id=order.pk).first() or records.filter(order_id=order.parent_id).first()


def _ranking_key(line: OrderLine) -> str:
    product_id = line.variation.product_id if line.variation_id else None
    return f"p{product_id}" if product_id else f"n:{line.product_name}"[:300]


def _order_money(order: Order, lines: list[OrderLine]) -> commission.OrderMoney:
    return selectors.order_money(order, lines)


def _ranked_quantities(lines: list[OrderLine]) -> tuple[dict[str, int], dict[str, OrderLine]]:
    quantities: dict[str, int] = {}
    sample: dict[str, OrderLine] = {}
    for line in lines:
        if not commission.ranking_included(line.kind):
            continue
        key = _ranking_key(line)
        # Units sold, returns included (only commission leaves returned items out).
        quantities[key] = quantities.get(key, 0) + line.quantity
        sample.setdefault(key, line)
    return quantities, sample


@transaction.atomic
def campaign_order_recompute(*, merchant, order_id: int) -> CampaignOrder | None:
    """Recompute one referred order and move its campaign's aggregates by the difference.

    Idempotent: the record row is locked and holds exactly what the aggregates already
    contain for this order, so a duplicate or replayed event computes a zero difference.
    A no-op for an order without a campaign.
    """
    records = CampaignOrder.objects.for_merchant(merchant)
    record = records.select_for_update().select_related("campaign").filter(order_id=order_id).first()
    if record is None:
        parent_id = Order.objects.for_merchant(merchant).filter(pk=order_id).values_list("parent_id", flat=True).first()
        if parent_id is not None and records.filter(order_id=parent_id).exists():
            # A split child: its parent's record is the credited one (module docstring).
            return campaign_order_recompute(merchant=merchant, order_id=parent_id)
        return None
    # Read the order only once its record is locked: two events of one order run one after the
    # other and the later one always sees the latest committed figures.
    order = Order.objects.for_merchant(merchant).get(pk=order_id)
    campaign = record.campaign
    lines = list(OrderLine.objects.for_merchant(merchant).filter(order=order).select_related("variation__product"))
    rule = payouts.commission_rule(merchant=merchant, campaign=campaign)  # with its tiers (issue 15)
    money = _order_money(order, lines)
    result = commission.compute(money, rule, payouts.tier_prior_sales(merchant=merchant, rule=rule, record=record))
    # Fraud guard (partner-growth): the partner's own order is listed but earns nothing.
    not_commissioned = selectors.order_self_reason(order=order, campaign=campaign)
    if not_commissioned:
        result = replace(result, commission=Decimal("0.00"))
    # A cancelled or refunded order is out of the campaign (back in if the refund is undone); a full
    # return stays listed with no settlement and so no commission.
    counted = not (order.is_cancelled or order.payment_status == Order.PaymentStatus.REFUNDED)
    quantities, sample = _ranked_quantities(lines) if counted else ({}, {})

    old = record
    sign_old = 1 if old.counted else 0
    sign_new = 1 if counted else 0
    d_count = sign_new - sign_old
    d_total = sign_new * result.order_total - sign_old * old.order_total
    d_settlement = sign_new * result.settlement - sign_old * old.settlement
    d_commission = sign_new * result.commission - sign_old * old.commission

    now = timezone.now()
    stats = CampaignStats.objects.for_merchant(merchant)
    if not stats.filter(campaign=campaign).exists():
        try:
            with transaction.atomic():
                stats.create(merchant_id=campaign.merchant_id, campaign=campaign)
        except IntegrityError:
            pass
    stats.filter(campaign=campaign).update(
        order_count=F("order_count") + d_count,
        order_total=F("order_total") + d_total,
        settlement_total=F("settlement_total") + d_settlement,
        commission_total=F("commission_total") + d_commission,
        updated_at=now,
    )
    clicks.order_day_move(  # the per-day figures of the date-range overview (partner-growth)
        merchant=merchant, record=record,
        old=(old.placed_at, old.counted, old.order_total, old.commission),
        new=(order.placed_at, counted, result.order_total, result.commission),
    )
    old_quantities = old.ranked_quantities or {}
    _apply_quantities(merchant, campaign, old_quantities, quantities, sample)

    record.settlement = result.settlement
    record.commission = result.commission
    record.order_total = result.order_total
    record.counted = counted
    record.ranked_quantities = quantities
    record.placed_at = order.placed_at
    record.computed_at = now
    record.not_commissioned_reason = not_commissioned
    record.save()
    if counted:
        # Outbound webhook, once per referred order (the key): its first computed commission.
        events.commission_event_emit(merchant=merchant, type=EventType.COMMISSION_CREATED, record=record, order=order)
    payouts.commission_sync(merchant=merchant, record=record, order=order, sales=commission.commission_base(money, rule))
    return record


def _apply_quantities(merchant, campaign, old: dict, new: dict, sample: dict):
    sales = CampaignProductSales.objects.for_merchant(merchant)
    for key in sorted(set(old) | set(new)):
        delta = new.get(key, 0) - old.get(key, 0)
        if delta == 0:
            continue
        if key in sample:
            line = sample[key]
            defaults = {
                "merchant_id": campaign.merchant_id,
                "product_id": line.variation.product_id if line.variation_id else None,
                "product_name": (line.variation.product.name if line.variation_id else line.product_name)[:255],
                "kind": line.kind,
            }
            sales.get_or_create(campaign=campaign, product_key=key, defaults=defaults)
        sales.filter(campaign=campaign, product_key=key).update(quantity=F("quantity") + delta)


def campaign_order_due(order: Order) -> None:
    """The partners follower's mark (settings.ORDER_FOLLOWERS), in the order's transaction.

    An order that names a campaign code and has no referred-order record yet gets one, whichever
    way it came in (storefront, order API, admin, a connector); a code that credits nothing (see
    `selectors.campaign_for_code`) is logged and the order stands. Then, until its recompute runs,
    the referred order's figures count as not computed, so the beat sweeper recomputes them should
    the event be lost. A split child of a referred order marks its parent's record instead.
    """
    records = CampaignOrder.objects.for_merchant(order.merchant_id)
    order_ids = [order.pk] + ([order.parent_id] if order.parent_id else [])
    if order.campaign_code and not records.filter(order_id__in=order_ids).exists():
        _record_from_code(order)
    records.filter(order_id__in=order_ids, computed_at__isnull=False).update(
        computed_at=None, updated_at=timezone.now()
    )


def _record_from_code(order: Order) -> None:
    try:
        campaign = selectors.campaign_for_code(
            merchant=order.merchant, code=order.campaign_code, placed_at=order.placed_at, currency=order.currency
        )
    except ValidationError as exc:
        logger.info("order %s: campaign code %r credits nothing: %s", order.number, order.campaign_code, exc.messages)
        return
    CampaignOrder.objects.for_merchant(order.merchant_id).get_or_create(
        order=order, defaults={"merchant_id": order.merchant_id, "campaign": campaign, "placed_at": order.placed_at}
    )


def uncomputed_order_ids(*, merchant, older_than, limit: int = 1000) -> list[int]:
    """Referred orders whose figures were never computed, or not since their last change (the
    event was lost)."""
    return list(
        CampaignOrder.objects.for_merchant(merchant)
        .filter(computed_at__isnull=True, updated_at__lte=older_than)
        .order_by("updated_at")
        .values_list("order_id", flat=True)[:limit]
    )


@transaction.atomic
def campaign_stats_rebuild(*, merchant, campaign: Campaign) -> CampaignStats:
    """Repair tool: rebuild a campaign's aggregates from its stored per-order figures."""
    records = CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign, counted=True)
    totals = records.aggregate(
        n=Count("pk"), total=Sum("order_total"), settlement=Sum("settlement"), commission=Sum("commission")
    )
    stats, _created = CampaignStats.objects.for_merchant(merchant).select_for_update().get_or_create(
        campaign=campaign, defaults={"merchant_id": campaign.merchant_id}
    )
    stats.order_count = totals["n"] or 0
    stats.order_total = totals["total"] or 0
    stats.settlement_total = totals["settlement"] or 0
    stats.commission_total = totals["commission"] or 0
    stats.updated_at = timezone.now()
    stats.save()
    quantities: dict[str, int] = {}
    for ranked in records.values_list("ranked_quantities", flat=True).iterator():
        for key, units in (ranked or {}).items():
            quantities[key] = quantities.get(key, 0) + units
    sales = CampaignProductSales.objects.for_merchant(merchant).filter(campaign=campaign)
    sales.exclude(product_key__in=list(quantities)).update(quantity=0)
    existing = set(sales.values_list("product_key", flat=True))
    product_ids = [int(key[1:]) for key in quantities if key.startswith("p") and key not in existing]
    products = {
        f"p{pk}": (name, kind)
        for pk, name, kind in Product.objects.for_merchant(merchant).filter(pk__in=product_ids).values_list("pk", "name", "kind")
    }
    sales.bulk_create(
        [
            CampaignProductSales(
                merchant_id=campaign.merchant_id,
                campaign=campaign,
                product_key=key,
                product_id=int(key[1:]) if key in products else None,
                product_name=products.get(key, (key[2:], ""))[0],
                kind=products.get(key, ("", "regular"))[1],
                quantity=units,
            )
            for key, units in quantities.items()
            if key not in existing
        ]
    )
    for key, units in quantities.items():
        if key in existing:
            sales.filter(product_key=key).update(quantity=units)
    clicks.campaign_days_rebuild(merchant=merchant, campaign=campaign)
    return stats
