"""Loyalty pages: the shopper's points, staff cash redemption, the member's balance on the
tablet, and the merchant admin's offers, settings and payroll report. No rules here: each view
parses input, calls one service or selector, renders."""


from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from members.access import member_for_request
from members.services import member_for_user
from omo.audit.services import Action, audit_changes, audit_request
from omo.integrations.qr import qr_png
from omo.money import money_text
from omo.spreadsheet import csv_download
from omo.tenancy.access import staff_required

from . import selectors, services
from .forms import CashRedemptionForm, LoyaltySettingsForm, OfferForm, PayrollMonthForm

PAGE_SIZE = 20


@require_GET
def my_points(request, merchant):
    """The signed-in shopper's (or staff member's) balance and ledger history."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = member_for_user(merchant=request.merchant, user=request.user)
    entries = selectors.ledger_list(merchant=request.merchant, member=member)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loyalty/my_points.html",
        {
            "balance": selectors.points_balance(merchant=request.merchant, member=member),
            "page": page,
            "point_value": selectors.loyalty_settings_get(merchant=request.merchant).point_value,
        },
    )


@require_GET
def referral_join(request, merchant, store_code):
    """A shopper scans a (partner) store's referral QR code: that store brought them.

    Recorded once (the first referral wins) and only for a member new to the merchant; an
    existing member is told the code changes nothing. Then the shopper lands on their points.
    Not signed in: log in or sign up first, then come back here.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    store = selectors.referral_store_get(merchant=request.merchant, code=store_code)
    before = timezone.now()
    member = member_for_user(merchant=request.merchant, user=request.user)
    try:
        referral = services.referral_record(
            merchant=request.merchant, member=member, referrer_store=store, channel="store QR",
            created_by_referral=member.created_at >= before,  # this scan made them a member
        )
    except services.ReferralRefused as exc:
        messages.info(request, exc.messages[0])
    else:
        if referral.referrer_store_id == store.pk:
            messages.success(request, _("Welcome! %(store)s introduced you.") % {"store": store.name})
        else:
            messages.info(request, _("You were already introduced by someone else, so this referral code "
                                     "changes nothing."))
    return redirect("loyalty:my_points", merchant=request.merchant.slug)


@require_GET
@staff_required("admin")
def referral_qr(request, merchant, store_code):
    """PNG QR code of a store's referral link, to print for the (partner) store's counter."""
    store = selectors.referral_store_get(merchant=request.merchant, code=store_code)
    url = request.build_absolute_uri(
        reverse("loyalty:referral_join", kwargs={"merchant": request.merchant.slug, "store_code": store.code})
    )
    return HttpResponse(qr_png(url), content_type="image/png")


@require_GET
@staff_required()
def member_points(request, merchant, member_id):
    """The member's balance and recent history on the staff tablet."""
    member = member_for_request(request, member_id)
    entries = selectors.ledger_list(merchant=request.merchant, member=member)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loyalty/member_points.html",
        {"member": member, "balance": selectors.points_balance(merchant=request.merchant, member=member),
         "page": page, "tier": selectors.member_tier(merchant=request.merchant, member=member),
         "spent_12_months": selectors.member_twelve_month_spending(merchant=request.merchant, member=member)},
    )


@require_http_methods(["GET", "POST"])
@staff_required()
def cash_redemption(request, merchant):
    """Staff exchange points for cash, paid with the month's salary (once per calendar month)."""
    staff = request.staff
    form = CashRedemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.cash_redemption_request(
                merchant=request.merchant, staff=staff, points=form.cleaned_data["points"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                ngettext(
                    "%(points)s point exchanged for %(amount)s %(currency)s, paid with your salary.",
                    "%(points)s points exchanged for %(amount)s %(currency)s, paid with your salary.",
                    -entry.points,
                )
                % {"points": -entry.points, "amount": entry.cash_amount, "currency": request.merchant.currency},
            )
            return redirect("loyalty:cash", merchant=request.merchant.slug)
    history = selectors.ledger_list(merchant=request.merchant, staff=staff).filter(source="cash")[:12]
    settings = selectors.loyalty_settings_get(merchant=request.merchant)
    return render(
        request,
        "loyalty/cash.html",
        {
            "form": form,
            "balance": selectors.points_balance(merchant=request.merchant, staff=staff),
            "history": history,
            "point_value": settings.point_value,
            "window": selectors.cash_redemption_window(merchant=request.merchant),
        },
    )


# --- Merchant admin --------------------------------------------------------------------------


@require_GET
@staff_required("admin")
def offer_list(request, merchant):
    settings = selectors.loyalty_settings_get(merchant=request.merchant)
    return render(
        request,
        "loyalty/offer_list.html",
        {
            "offers": selectors.offer_list(merchant=request.merchant),
            "stores": selectors.referral_store_list(merchant=request.merchant),
            "settings": settings,
            "payroll_form": PayrollMonthForm(initial={"month": timezone.localtime(
                timezone.now(), request.merchant.tzinfo).strftime("%Y-%m")}),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required("admin")
def offer_edit(request, merchant, offer_id=None):
    offer = selectors.offer_get(merchant=request.merchant, offer_id=offer_id) if offer_id else None
    form = OfferForm(request.POST or None, instance=offer, merchant=request.merchant)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.offer_save(
                merchant=request.merchant, offer=form.save(commit=False), stores=form.cleaned_data["stores"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Offer “%(name)s” saved.") % {"name": saved.name})
            return redirect("loyalty:offers", merchant=request.merchant.slug)
    return render(request, "loyalty/offer_form.html", {"form": form, "offer": offer})


@require_GET
@staff_required("admin")
def budget_list(request, merchant):
    """Deduction accounts: each one's budget, the points its offers awarded and what is left."""
    return render(request, "loyalty/budget_list.html", {
        "budgets": selectors.budget_list(merchant=request.merchant),
        "tiers": selectors.tier_list(merchant=request.merchant),
    })


@require_http_methods(["GET", "POST"])
@staff_required("admin")
def settings_edit(request, merchant):
    current = selectors.loyalty_settings_get(merchant=request.merchant)
    form = LoyaltySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in LoyaltySettingsForm.Meta.fields}
        before = {name: form.initial.get(name) for name in values}
        saved = services.loyalty_settings_save(merchant=request.merchant, **values)
        audit_request(request, action=Action.LOYALTY_SETTINGS, target=saved,
                      details=audit_changes(before, values))
        messages.success(request, _("Loyalty settings saved."))
        return redirect("loyalty:offers", merchant=request.merchant.slug)
    return render(request, "loyalty/settings_form.html", {"form": form})


@require_GET
@staff_required("admin")
def payroll_csv(request, merchant):
    """Staff cash redemptions of one month (merchant's time zone) for the payroll team.

    Excel-friendly: UTF-8 with a byte order mark, one row per redemption, by store then staff.
    """
    form = PayrollMonthForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("Give the month as ?month=YYYY-MM."), status=400, content_type="text/plain")
    year, month = form.year_month()
    rows = selectors.cash_redemption_list(merchant=request.merchant, year=year, month=month)
    tz = request.merchant.tzinfo
    audit_request(request, action=Action.EXPORT_PAYROLL, details={"month": f"{year:04d}-{month:02d}"})
    header = (
        _("Month"), _("Store"), _("Staff"), _("Staff email"), _("Requested at"), _("Points"), _("Cash amount"),
        _("Currency"),
    )
    return csv_download(f"payroll-cash-{year:04d}-{month:02d}.csv", header, (
        [
            f"{year:04d}-{month:02d}",
            entry.store.name if entry.store else "",
            entry.account.staff.display_name if entry.account.staff else "",
            entry.account.staff.user.email if entry.account.staff else "",
            timezone.localtime(entry.created_at, tz).strftime("%Y-%m-%d %H:%M"),
            -entry.points,
            money_text(entry.cash_amount, request.merchant.currency),
            request.merchant.currency,
        ]
        for entry in rows
    ))
