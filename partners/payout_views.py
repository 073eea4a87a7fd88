"""Pages of the commission lifecycle: the merchant's commission review, payout terms and payouts
(/m/<merchant>/...), and the partner's payouts and payout details (/partners/...).

No business logic: parse input, call one service (partners/payouts.py) or selector, render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omo.errors import form_errors_add
from omo.net import client_ip_stored
from omo.spreadsheet import csv_download
from omo.tenancy.access import staff_required

from . import payout_selectors, payouts, selectors
from .models import Commission
from .payout_forms import PayoutCreateForm, PayoutDetailsForm, PayoutTermsForm, RejectForm
from .views import _portal_context, cursor_url, partner_required

COMMISSIONS_PER_PAGE = 50


# =====================================================================================
# Merchant side
# =====================================================================================


@require_GET
@staff_required("admin")
def campaign_commissions(request, merchant, campaign_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    status = request.GET.get("status", "")
    status = status if status in Commission.Status.values else ""
    page = payout_selectors.commission_page(
        merchant=request.merchant, campaign=campaign, status=status, cursor=request.GET.get("cursor", ""),
        size=COMMISSIONS_PER_PAGE,
    )
    with timezone.override(request.merchant.tzinfo):
        return render(request, "partners/merchant/commissions.html", {
            "campaign": campaign,
            "commissions": page.records,
            "totals": payout_selectors.commission_totals(merchant=request.merchant, campaign=campaign),
            "status": status,
            "statuses": Commission.Status.choices,
            "newer_url": cursor_url(request, page.newer),
            "older_url": cursor_url(request, page.older),
            "reject_form": RejectForm(),
        })


def _back_to_commissions(request, item):
    return redirect("campaigns:commissions", merchant=request.merchant.slug, campaign_id=item.campaign_id)


@require_POST
@staff_required("admin")
def commission_approve(request, merchant, commission_id):
    item = payout_selectors.commission_get(merchant=request.merchant, commission_id=commission_id)
    try:
        payouts.commission_approve(merchant=request.merchant, commission=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Commission of order %(number)s approved.") % {
            "number": item.campaign_order.order.number})
    return _back_to_commissions(request, item)


@require_POST
@staff_required("admin")
def commission_reject(request, merchant, commission_id):
    item = payout_selectors.commission_get(merchant=request.merchant, commission_id=commission_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the partner a reason."))
        return _back_to_commissions(request, item)
    try:
        payouts.commission_reject(
            merchant=request.merchant, commission=item, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Commission of order %(number)s rejected.") % {
            "number": item.campaign_order.order.number})
    return _back_to_commissions(request, item)


@require_http_methods(["GET", "POST"])
@staff_required("admin")
def campaign_payout_terms(request, merchant, campaign_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    days, tiers = payout_selectors.payout_terms(merchant=request.merchant, campaign=campaign)
    form = PayoutTermsForm(request.POST or None, initial=PayoutTermsForm.initial_for(days, tiers), currency=campaign.currency)
    if request.method == "POST" and form.is_valid():
        try:
            payouts.campaign_payout_terms_set(
                merchant=request.merchant, campaign=campaign,
                return_window_days=form.cleaned_data["return_window_days"],
                tiers=[payouts.TierInput(from_sales=start, rate=rate) for start, rate in form.cleaned_data["tiers"]],
                actor=request.user,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Return window and tiers saved."))
            return redirect("campaigns:detail", merchant=request.merchant.slug, campaign_id=campaign.pk)
    status = 400 if form.is_bound else 200
    return render(request, "partners/merchant/payout_terms.html", {"campaign": campaign, "form": form}, status=status)


def _payouts_page(request, form, status=200):
    with timezone.override(request.merchant.tzinfo):
        return render(request, "partners/merchant/payouts.html", {
            "payouts": payout_selectors.payout_list(merchant=request.merchant)[:100],
            "form": form,
            "open_adjustments": payout_selectors.adjustment_list(merchant=request.merchant).filter(
                payout_line__isnull=True)[:50],
        }, status=status)


def _payout_create_form(request, data=None):
    today = timezone.localdate(timezone=request.merchant.tzinfo)
    currencies = payout_selectors.payout_currencies(merchant=request.merchant) or [request.merchant.currency]
    return PayoutCreateForm(
        data, currencies=currencies,
        initial={"period_start": today.replace(day=1), "period_end": today, "currency": currencies[0]},
    )


@require_GET
@staff_required("admin")
def payout_list(request, merchant):
    return _payouts_page(request, _payout_create_form(request))


@require_POST
@staff_required("admin")
def payout_create(request, merchant):
    form = _payout_create_form(request, request.POST)
    if form.is_valid():
        try:
            payout = payouts.payout_create(merchant=request.merchant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Payout created."))
            return redirect("campaigns:payout", merchant=request.merchant.slug, payout_id=payout.pk)
    return _payouts_page(request, form, status=400)


@require_GET
@staff_required("admin")
def payout_detail(request, merchant, payout_id):
    payout = payout_selectors.payout_get(merchant=request.merchant, payout_id=payout_id)
    lines = payout_selectors.payout_lines(merchant=request.merchant, payout=payout)
    details = payout_selectors.payout_details_of(line.partner_id for line in lines)
    with timezone.override(request.merchant.tzinfo):
        return render(request, "partners/merchant/payout_detail.html", {
            "payout": payout,
            "lines": [(line, details.get(line.partner_id)) for line in lines],
            "missing_details": any(line.partner_id not in details for line in lines),
        })


@require_POST
@staff_required("admin")
def payout_mark_paid(request, merchant, payout_id):
    payout = payout_selectors.payout_get(merchant=request.merchant, payout_id=payout_id)
    payouts.payout_mark_paid(merchant=request.merchant, payout=payout, actor=request.user)
    messages.success(request, _("Payout marked paid."))
    return redirect("campaigns:payout", merchant=request.merchant.slug, payout_id=payout.pk)


EXPORT_HEADER = (
    "reference", "partner", "email", "account_holder", "bank_name", "bank_code", "account_number", "note",
    "currency", "amount",
)


@require_GET
@staff_required("admin")
def payout_export(request, merchant, payout_id):
    """CSV for the bank transfer (one row per partner, with the details the partner keeps)."""
    payout = payout_selectors.payout_get(merchant=request.merchant, payout_id=payout_id)
    payouts.payout_exported(merchant=request.merchant, payout=payout, actor=request.user, ip=client_ip_stored(request))
    return csv_download(
        f"payout-{payout.pk}-{payout.currency}.csv", EXPORT_HEADER,
        payout_selectors.payout_export_rows(merchant=request.merchant, payout=payout),
    )


# =====================================================================================
# Partner portal
# =====================================================================================


@require_GET
@partner_required
def portal_payouts(request, merchant_slug):
    merchant = selectors.partner_merchant_get(partner=request.partner, slug=merchant_slug)
    lines = list(payout_selectors.partner_payout_lines(merchant=merchant, partner=request.partner)[:100])
    with timezone.override(merchant.tzinfo):
        return render(request, "partners/payouts.html", _portal_context(
            request, merchant, lines=lines,
            open_adjustments=payout_selectors.partner_open_adjustments(merchant=merchant, partner=request.partner),
            details=payout_selectors.partner_payout_details(partner=request.partner),
        ))


@require_GET
@partner_required
def portal_payout(request, merchant_slug, line_id):
    merchant = selectors.partner_merchant_get(partner=request.partner, slug=merchant_slug)
    line = payout_selectors.partner_payout_line_get(merchant=merchant, partner=request.partner, line_id=line_id)
    with timezone.override(merchant.tzinfo):
        return render(request, "partners/payout.html", _portal_context(
            request, merchant, line=line, payout=line.payout,
            commissions=payout_selectors.payout_line_commissions(merchant=merchant, line=line),
            adjustments=payout_selectors.payout_line_adjustments(merchant=merchant, line=line),
        ))


@require_http_methods(["GET", "POST"])
@partner_required
def portal_payout_details(request, merchant_slug):
    merchant = selectors.partner_merchant_get(partner=request.partner, slug=merchant_slug)
    current = payout_selectors.partner_payout_details(partner=request.partner)
    initial = {f: getattr(current, f) for f in PayoutDetailsForm.base_fields} if current else {}
    form = PayoutDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        payouts.payout_details_set(partner=request.partner, **form.cleaned_data)
        messages.success(request, _("Payout details saved. They are used for every merchant's payouts."))
        return redirect("partners:payouts", merchant_slug=merchant.slug)
    status = 400 if form.is_bound else 200
    return render(request, "partners/payout_details.html", _portal_context(request, merchant, form=form), status=status)
