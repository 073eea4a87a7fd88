"""Reads for the commission lifecycle and payouts: the portal's totals and payouts, the merchant's
commission review and payout pages, the bank-transfer export."""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from omo.money import money_text

from . import selectors
from .models import (
    Campaign,
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
from .payouts import DEFAULT_RETURN_WINDOW_DAYS

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LifecycleTotals:
    pending: Decimal
    approved: Decimal
    rejected: Decimal
    paid: Decimal
    adjusted: Decimal


def commission_totals(*, merchant, campaign: Campaign) -> LifecycleTotals:
    """One primary-key row kept by every transition (partners/payouts.py)."""
    row = selectors.loaded_or_query(
        campaign, Campaign.commission_totals, CommissionTotals.objects.for_merchant(merchant).filter(campaign=campaign)
    )
    if row is None:
        return LifecycleTotals(ZERO, ZERO, ZERO, ZERO, ZERO)
    return LifecycleTotals(row.pending, row.approved, row.rejected, row.paid, row.adjusted)


def commission_status_label(item: Commission | None) -> str:
    if item is None:
        return _("Pending")
    return item.get_status_display()


def payout_terms(*, merchant, campaign: Campaign):
    """(return window days, tiers by threshold)."""
    days = (
        CampaignPayoutTerms.objects.for_merchant(merchant).filter(campaign=campaign)
        .values_list("return_window_days", flat=True).first()
    )
    tiers = list(CommissionTier.objects.for_merchant(merchant).filter(campaign=campaign).order_by("from_sales"))
    return (DEFAULT_RETURN_WINDOW_DAYS if days is None else days), tiers


# --- merchant -----------------------------------------------------------------------------


def commission_list(*, merchant, campaign: Campaign | None = None, status: str = ""):
    items = Commission.objects.for_merchant(merchant).select_related("campaign_order__order", "campaign")
    if campaign is not None:
        items = items.filter(campaign=campaign)
    if status:
        items = items.filter(status=status)
    return items.order_by("-campaign_order__placed_at", "-pk")


def commission_page(*, merchant, campaign: Campaign, status: str = "", cursor: str = "", size: int = 50):
    """A page of `commission_list` by (order time, id) cursor (`selectors.keyset_page`)."""
    return selectors.keyset_page(
        commission_list(merchant=merchant, campaign=campaign, status=status), cursor=cursor, size=size,
        time_field="campaign_order__placed_at", time_of=lambda item: item.campaign_order.placed_at,
    )


def commission_get(*, merchant, commission_id) -> Commission:
    item = commission_list(merchant=merchant).filter(pk=commission_id).first()
    if item is None:
        raise Http404
    return item


def payout_list(*, merchant):
    return Payout.objects.for_merchant(merchant).order_by("-created_at", "-pk")


def payout_get(*, merchant, payout_id) -> Payout:
    payout = payout_list(merchant=merchant).filter(pk=payout_id).first()
    if payout is None:
        raise Http404
    return payout


def payout_lines(*, merchant, payout: Payout):
    return list(PayoutLine.objects.for_merchant(merchant).filter(payout=payout).select_related("partner__user"))


def adjustment_list(*, merchant):
    return CommissionAdjustment.objects.for_merchant(merchant).select_related(
        "commission__campaign_order__order", "campaign"
    ).order_by("-created_at", "-pk")


def payout_currencies(*, merchant) -> list[str]:
    return sorted(set(Campaign.objects.for_merchant(merchant).values_list("currency", flat=True)))


def payout_details_of(partner_ids) -> dict[int, PartnerPayoutDetails]:
    """Bank details of the payout's partners (global rows the partners keep; read by their ids)."""
    return {d.partner_id: d for d in PartnerPayoutDetails.objects.filter(partner_id__in=list(partner_ids))}


def payout_export_rows(*, merchant, payout: Payout):
    """Bank-transfer rows: one per partner."""
    lines = payout_lines(merchant=merchant, payout=payout)
    details = payout_details_of(line.partner_id for line in lines)
    for line in lines:
        d = details.get(line.partner_id)
        yield [
            f"OMO-{payout.pk}-{line.partner_id}",
            str(line.partner),
            line.partner.user.email,
            d.account_holder if d else "",
            d.bank_name if d else "",
            d.bank_code if d else "",
            d.account_number if d else "",
            d.note if d else "",
            payout.currency,
            money_text(line.amount, payout.currency),
        ]


# --- partner ------------------------------------------------------------------------------


def partner_payout_lines(*, merchant, partner: Partner):
    return (
        PayoutLine.objects.for_merchant(merchant).filter(partner=partner)
        .select_related("payout").order_by("-payout__created_at", "-pk")
    )


def partner_payout_line_get(*, merchant, partner: Partner, line_id) -> PayoutLine:
    line = partner_payout_lines(merchant=merchant, partner=partner).filter(pk=line_id).first()
    if line is None:
        raise Http404
    return line


def payout_line_commissions(*, merchant, line: PayoutLine):
    return list(
        Commission.objects.for_merchant(merchant).filter(payout_line=line)
        .select_related("campaign_order__order", "campaign").order_by("campaign_order__placed_at", "pk")
    )


def payout_line_adjustments(*, merchant, line: PayoutLine):
    return list(
        CommissionAdjustment.objects.for_merchant(merchant).filter(payout_line=line)
        .select_related("commission__campaign_order__order").order_by("pk")
    )


def partner_open_adjustments(*, merchant, partner: Partner):
    return list(
        CommissionAdjustment.objects.for_merchant(merchant)
        .filter(campaign__partner=partner, payout_line__isnull=True)
        .select_related("commission__campaign_order__order", "campaign").order_by("-pk")
    )


def partner_payout_details(*, partner: Partner) -> PartnerPayoutDetails | None:
    with scopes_disabled():  # not tenant data: the partner's own row
        return PartnerPayoutDetails.objects.filter(partner=partner).first()
