"""Pages of referral campaigns: the merchant's management pages and the partner portal.

No business logic here: views parse input, call one service or selector, render. Portal
views resolve the selected merchant from the partner's own memberships and pass it
explicitly to every selector together with the partner.
"""

from functools import wraps

from allauth.account.internal import flows
from allauth.account.models import EmailAddress
from allauth.account.views import LoginView, SignupView
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omo.audit.services import Action, audit_request
from omo.spreadsheet import csv_download_rows
from omo.errors import form_errors_add
from omo.tenancy.access import staff_required
from omo.tenancy.models import Merchant

from omo.integrations.qr import qr_png, qr_svg

from . import applications, notifications, payout_selectors, referrals, selectors, services
from .forms import ApplicationForm, CampaignForm, InviteForm, NotificationSettingsForm, PartnerSignupForm
from .models import Campaign, CampaignApplication, NotificationKind

ORDERS_PER_PAGE = 20
SESSION_MERCHANT_KEY = "partner_merchant"


# =====================================================================================
# Merchant side: /m/<merchant>/campaigns/...
# =====================================================================================


def _invite_url(request, invitation):
    return request.build_absolute_uri(reverse("partners:invite", kwargs={"token": invitation.token}))


def _referral_url(request, campaign):
    return request.build_absolute_uri(
        reverse("campaigns:referral", kwargs={"merchant": campaign.merchant.slug, "code": campaign.code})
    )


def _campaign_form_page(request, form, status=200):
    return render(
        request,
        "partners/merchant/campaign_list.html",
        {"campaigns": selectors.campaign_list(merchant=request.merchant), "form": form},
        status=status,
    )


@require_GET
@staff_required("admin")
def campaign_list(request, merchant):
    return _campaign_form_page(request, CampaignForm(merchant=request.merchant))


@require_POST
@staff_required("admin")
def campaign_create(request, merchant):
    with timezone.override(request.merchant.tzinfo):  # datetime-local fields are merchant-local
        form = CampaignForm(request.POST, merchant=request.merchant)
        valid = form.is_valid()
    if valid:
        try:
            campaign = services.campaign_create(
                merchant=request.merchant, data=services.CampaignInput(**form.cleaned_data)
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("campaigns:detail", merchant=request.merchant.slug, campaign_id=campaign.pk)
    return _campaign_form_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@staff_required("admin")
def campaign_edit(request, merchant, campaign_id):
    """Name, period and commission rules; the orders already referred are recomputed."""
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    with timezone.override(request.merchant.tzinfo):  # datetime-local fields are merchant-local
        form = CampaignForm(request.POST or None, merchant=request.merchant, campaign=campaign)
        if request.method == "POST" and form.is_valid():
            try:
                services.campaign_update(
                    merchant=request.merchant, campaign=campaign, data=services.CampaignInput(**form.cleaned_data)
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Campaign saved. The commission of its orders is being recomputed."))
                return redirect("campaigns:detail", merchant=request.merchant.slug, campaign_id=campaign.pk)
        status = 400 if form.is_bound else 200
        return render(request, "partners/merchant/campaign_edit.html", {"campaign": campaign, "form": form}, status=status)


def _campaign_detail_page(request, campaign, invite_form, invitation=None, status=200):
    with timezone.override(request.merchant.tzinfo):
        return render(
            request,
            "partners/merchant/campaign_detail.html",
            {
                "campaign": campaign,
                "overview": selectors.campaign_overview(merchant=request.merchant, campaign=campaign),
                "referral_url": _referral_url(request, campaign),
                "invite_form": invite_form,
                "invitation": invitation,
                "invitation_url": _invite_url(request, invitation) if invitation else None,
                "invitations": [
                    (inv, _invite_url(request, inv)) for inv in campaign.invitations.order_by("-created_at")[:10]
                ],
                "portal_url": request.build_absolute_uri(reverse("partners:home")),
                **_campaign_growth_context(request, campaign),
            },
            status=status,
        )


@require_GET
@staff_required("admin")
def campaign_detail(request, merchant, campaign_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    return _campaign_detail_page(request, campaign, InviteForm())


@require_POST
@staff_required("admin")
def campaign_invitation_revoke(request, merchant, campaign_id, invitation_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    invitation = selectors.invitation_get(merchant=request.merchant, campaign=campaign, invitation_id=invitation_id)
    try:
        services.invitation_revoke(merchant=request.merchant, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Invitation withdrawn: its link no longer works."))
    return redirect("campaigns:detail", merchant=request.merchant.slug, campaign_id=campaign.pk)


@require_POST
@staff_required("admin")
def campaign_invite(request, merchant, campaign_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                merchant=request.merchant,
                campaign=campaign,
                email=form.cleaned_data["email"],
                invite_url_builder=lambda inv: _invite_url(request, inv),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            if invitation.email:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return _campaign_detail_page(request, campaign, InviteForm(), invitation=invitation)
    return _campaign_detail_page(request, campaign, form, status=400)


@require_GET
def referral_redirect(request, merchant, code):
    """The campaign's shareable link: remember the code for checkout, then go to the shop."""
    campaign = Campaign.objects.for_merchant(request.merchant).filter(code=code.upper()).first()
    if campaign is None or not campaign.is_active():
        raise Http404
    request.session["campaign_code"] = campaign.code
    request.session["campaign_merchant"] = request.merchant.slug
    shop = f"/m/{request.merchant.slug}/shop/"
    try:
        resolve(shop)
    except Resolver404:
        shop = "/"
    response = redirect(shop)
    # A click (bots and repeats within 30 minutes aside) and the signed cookie the checkout reads.
    referrals.link_open(request, response, merchant=request.merchant, campaign=campaign)
    return response


# =====================================================================================
# Partner portal: /partners/...
# =====================================================================================


def _email_verified(user) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def partner_required(view):
    """Signed in, a partner, and with a verified email (verification is mandatory for partners)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("partners:login"))
        partner = selectors.portal_partner(request.user)
        if partner is None:
            return render(request, "partners/not_partner.html", status=403)
        if not partner.email_verified:
            return render(request, "partners/verify_email.html", {"email": request.user.email}, status=403)
        request.partner = partner
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request) -> str:
    """`next` when it stays on this site (no open redirect), else the portal home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("partners:home")


class PartnerSignupView(SignupView):
    template_name = "partners/signup.html"
    form_class = PartnerSignupForm

    def get_form_class(self):
        return PartnerSignupForm

    def get_success_url(self):
        return _safe_next(self.request)

    def form_valid(self, form):
        self.user, response = form.try_save(self.request)
        if response:
            return response
        # Partners must verify their email before they see any figure, whatever the site default.
        return flows.signup.complete_signup(
            self.request, user=self.user, email_verification="mandatory", redirect_url=self.get_success_url()
        )


class PartnerLoginView(LoginView):
    template_name = "partners/login.html"

    def get_success_url(self):
        return _safe_next(self.request)


INVITATION_REFUSED_STATUS = {"revoked": 410, "expired": 410, "email_mismatch": 403}


def _invitation_refused(request, context, exc):
    context["error"] = exc.messages[0]
    context["closed"] = exc.code in ("revoked", "expired")
    return render(request, "partners/invite.html", context, status=INVITATION_REFUSED_STATUS.get(exc.code, 409))


@require_http_methods(["GET", "POST"])
def portal_invite(request, token):
    invitation = selectors.invitation_get_by_token(token)
    context = {"invitation": invitation, "merchant": invitation.merchant, "campaign": invitation.campaign}
    try:  # a withdrawn or expired link says so to everyone, before any sign-in
        services.invitation_check(invitation=invitation)
    except ValidationError as exc:
        return _invitation_refused(request, context, exc)
    if not request.user.is_authenticated:
        return render(request, "partners/invite.html", context)
    if not _email_verified(request.user):
        return render(request, "partners/verify_email.html", {"email": request.user.email}, status=403)
    try:
        services.invitation_check(invitation=invitation, user=request.user)
    except ValidationError as exc:
        return _invitation_refused(request, context, exc)
    if request.method == "GET":
        return render(request, "partners/invite.html", context)
    try:
        campaign = services.invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as exc:
        return _invitation_refused(request, context, exc)
    messages.success(request, _("You are now the partner of “%(campaign)s”.") % {"campaign": campaign.name})
    request.session[SESSION_MERCHANT_KEY] = campaign.merchant.slug
    return redirect("partners:campaign", merchant_slug=campaign.merchant.slug, code=campaign.code)


@require_GET
@partner_required
def portal_home(request):
    merchants = selectors.partner_merchants(partner=request.partner)
    if not merchants:
        return render(request, "partners/no_merchants.html")
    slugs = [m.slug for m in merchants]
    selected = request.session.get(SESSION_MERCHANT_KEY)
    return redirect("partners:campaigns", merchant_slug=selected if selected in slugs else slugs[0])


def _portal_context(request, merchant, merchants=None, **extra):
    return {
        "merchant": merchant,
        "merchants": selectors.partner_merchants(partner=request.partner) if merchants is None else merchants,
        "partner": request.partner,
        **extra,
    }


@require_GET
@partner_required
def portal_campaigns(request, merchant_slug):
    merchant = selectors.partner_merchant_get(partner=request.partner, slug=merchant_slug)
    _remember_merchant(request, merchant)
    tab = "ended" if request.GET.get("tab") == "ended" else "ongoing"
    rows = selectors.partner_campaign_list(merchant=merchant, partner=request.partner, ended=tab == "ended")
    with timezone.override(merchant.tzinfo):
        return render(request, "partners/campaigns.html", _portal_context(request, merchant, tab=tab, campaigns=rows))


def _portal_campaign(request, merchant_slug, code):
    merchant = selectors.partner_merchant_get(partner=request.partner, slug=merchant_slug)
    campaign = selectors.partner_campaign_get(merchant=merchant, partner=request.partner, code=code)
    return merchant, campaign


def _remember_merchant(request, merchant):
    """The portal opens on the merchant last looked at (a session write only when it changes)."""
    if request.session.get(SESSION_MERCHANT_KEY) != merchant.slug:
        request.session[SESSION_MERCHANT_KEY] = merchant.slug


@require_GET
@partner_required
def portal_campaign(request, merchant_slug, code):
    # The switcher's list is also the membership check: one query for both.
    merchants = selectors.partner_merchants(partner=request.partner)
    merchant = selectors.partner_merchant_pick(merchants=merchants, slug=merchant_slug)
    campaign = selectors.partner_campaign_get(merchant=merchant, partner=request.partner, code=code)
    _remember_merchant(request, merchant)
    page = selectors.campaign_orders_page(
        merchant=merchant, campaign=campaign, cursor=request.GET.get("cursor", ""), size=ORDERS_PER_PAGE
    )
    orders = list(selectors.order_rows(campaign=campaign, records=page.records))
    with timezone.override(merchant.tzinfo):
        return render(
            request,
            "partners/campaign.html",
            _portal_context(
                request,
                merchant,
                merchants,
                campaign=campaign,
                overview=selectors.campaign_overview(merchant=merchant, campaign=campaign),
                lifecycle_totals=payout_selectors.commission_totals(merchant=merchant, campaign=campaign),
                settlement_label=selectors.settlement_column_label(campaign),
                ranking=selectors.campaign_ranking(merchant=merchant, campaign=campaign),
                orders=orders,
                newer_url=cursor_url(request, page.newer),
                older_url=cursor_url(request, page.older),
                share_url=_referral_url(request, campaign),
                history_start=selectors.history_start(),
                **_portal_growth_context(request, merchant, campaign),
            ),
        )


def cursor_url(request, cursor):
    """The same page's query (the date range kept) at another cursor; "" without one."""
    if not cursor:
        return ""
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@require_GET
@partner_required
def portal_rules(request, merchant_slug, code):
    merchant, campaign = _portal_campaign(request, merchant_slug, code)
    with timezone.override(merchant.tzinfo):
        return render(
            request,
            "partners/rules.html",
            _portal_context(
                request, merchant, campaign=campaign,
                products=selectors.campaign_products(merchant=merchant, campaign=campaign),
                return_window_days=payout_selectors.payout_terms(merchant=merchant, campaign=campaign)[0],
                tiers=payout_selectors.payout_terms(merchant=merchant, campaign=campaign)[1],
            ),
        )


def _report_header(campaign):
    # The settlement column follows the campaign, as on the page (SPEC section 5).
    return (
        _("Order number"), _("Placed at"), _("Order status"), _("Payment status"),
        _("Delivery status"), _("Orderer"), selectors.settlement_column_label(campaign), _("Commission"),
        _("Order total"), _("Counted"), _("Commission status"), _("Not commissioned because"),
        _("Return adjustment"),
    )


@require_GET
@partner_required
def portal_report(request, merchant_slug, code):
    merchant, campaign = _portal_campaign(request, merchant_slug, code)
    audit_request(request, merchant=merchant, action=Action.EXPORT_PARTNER_REPORT, target=campaign)
    rows = selectors.campaign_report_rows(merchant=merchant, campaign=campaign)
    return csv_download_rows(f"campaign-{campaign.code}-report.csv", _report_header(campaign), rows)



# =====================================================================================
# partner-growth: clicks overview and chart, QR, coupon, applications, e-mail settings
# =====================================================================================


def _join_url(request, merchant):
    return request.build_absolute_uri(reverse("partners:join", kwargs={"merchant_slug": merchant.slug}))


def _campaign_growth_context(request, campaign):
    """The merchant's campaign page: applications, orders not commissioned, clicks of 30 days."""
    first, last = selectors.overview_range(merchant=request.merchant)
    return {
        "applications": list(selectors.campaign_applications(merchant=request.merchant, campaign=campaign)),
        "not_commissioned": selectors.not_commissioned_orders(merchant=request.merchant, campaign=campaign),
        "range_overview": selectors.campaign_overview_range(
            merchant=request.merchant, campaign=campaign, first=first, last=last
        ),
        "coupon_code": selectors.campaign_coupon_code(merchant=request.merchant, campaign=campaign),
        "join_url": _join_url(request, request.merchant) if campaign.is_public else "",
    }


def _portal_growth_context(request, merchant, campaign):
    first, last = selectors.overview_range(merchant=merchant, first=request.GET.get("from"), last=request.GET.get("to"))
    overview = selectors.campaign_overview_range(merchant=merchant, campaign=campaign, first=first, last=last)
    return {
        "range_overview": overview,
        "range_chart": overview.chart(),
        "coupon_code": selectors.campaign_coupon_code(merchant=merchant, campaign=campaign),
    }


@require_POST
@staff_required("admin")
def campaign_application_decide(request, merchant, campaign_id, application_id):
    campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    application = selectors.application_get(merchant=request.merchant, campaign=campaign, application_id=application_id)
    approve = request.POST.get("decision") == "approve"
    decide = applications.application_approve if approve else applications.application_reject
    try:
        decide(merchant=request.merchant, application=application, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Application approved: the partner has their own campaign now.") if approve
                         else _("Application declined."))
    return redirect("campaigns:detail", merchant=request.merchant.slug, campaign_id=campaign.pk)


@require_GET
@partner_required
def portal_qr(request, merchant_slug, code, fmt):
    """The campaign link as a QR code (SVG or PNG), to print or post."""
    if fmt not in ("png", "svg"):
        raise Http404
    merchant, campaign = _portal_campaign(request, merchant_slug, code)
    url = _referral_url(request, campaign)
    if fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    else:
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.code}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@partner_required
def portal_join(request, merchant_slug):
    """A merchant's campaigns open to applications; the partner applies (the merchant approves).
    Reachable by any partner with the merchant's join link, before they work with the merchant."""
    merchant = Merchant.objects.filter(slug=merchant_slug).first()
    if merchant is None:
        raise Http404
    form = ApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        campaign = selectors.public_campaign_get(merchant=merchant, campaign_id=_int(request.POST.get("campaign")))
        if form.is_valid():
            try:
                applications.application_create(
                    merchant=merchant, campaign=campaign, partner=request.partner, message=form.cleaned_data["message"]
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                status = 409
            else:
                messages.success(request, _("Application sent. The merchant will review it."))
                return redirect("partners:join", merchant_slug=merchant.slug)
        else:
            status = 400
    campaigns = list(selectors.public_campaigns(merchant=merchant))
    applied = selectors.partner_applications(merchant=merchant, partner=request.partner)
    rows = [(campaign, applied.get(campaign.pk)) for campaign in campaigns]
    with timezone.override(merchant.tzinfo):
        return render(
            request, "partners/join.html",
            _portal_context(request, merchant, rows=rows, form=form, statuses=CampaignApplication.Status),
            status=status,
        )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@partner_required
def portal_notifications(request):
    """Which e-mails the partner gets (each kind can be turned off)."""
    off = notifications.opt_outs(request.partner)
    initial = {"kinds": [kind for kind in NotificationKind.values if kind not in off]}
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["kinds"])
        notifications.opt_outs_set(partner=request.partner, kinds=set(NotificationKind.values) - wanted)
        messages.success(request, _("E-mail settings saved."))
        return redirect("partners:notifications")
    merchants = selectors.partner_merchants(partner=request.partner)
    return render(
        request, "partners/notifications.html",
        {"form": form, "merchants": merchants, "merchant": merchants[0] if merchants else None, "partner": request.partner},
        status=400 if form.errors else 200,
    )
