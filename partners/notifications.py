"""E-mails of the partner program (issue 15 item 6), through Django's mail settings that allauth
uses too (EMAIL_BACKEND, console by default; DEFAULT_FROM_EMAIL).

To partners, each kind can be turned off in the portal (`PartnerEmailOptOut`): the daily digest
of new referred orders, commission approved, payout paid, invitations (and the answer to an
application). To merchant admins: a partner joined a campaign, a partner applied.

Every `notify_*` sends after the caller's transaction commits (nothing is mailed for a change that
rolled back) and never breaks it (`robust`). The digest is a beat task, idempotent per partner and
day (`PartnerDigest`).
"""

import logging
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from omo.tenancy.models import Merchant, Staff

from .models import (
    Campaign,
    CampaignOrder,
    NotificationKind,
    Partner,
    PartnerDigest,
    PartnerEmailOptOut,
    PartnerMembership,
)

logger = logging.getLogger(__name__)
DIGEST_MAX_ORDERS = 30


def site_url(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def opted_out(partner: Partner | None, kind: str) -> bool:
    return partner is not None and PartnerEmailOptOut.objects.filter(partner=partner, kind=kind).exists()


def opt_outs(partner: Partner) -> set[str]:
    return set(PartnerEmailOptOut.objects.filter(partner=partner).values_list("kind", flat=True))


@transaction.atomic
def opt_outs_set(*, partner: Partner, kinds) -> None:
    """The partner's choice in the portal: exactly these kinds are not mailed."""
    kinds = {kind for kind in kinds if kind in NotificationKind.values}
    PartnerEmailOptOut.objects.filter(partner=partner).exclude(kind__in=kinds).delete()
    for kind in kinds:
        PartnerEmailOptOut.objects.get_or_create(partner=partner, kind=kind)


def _message(template: str, to: list[str], context: dict) -> EmailMessage:
    """In the active language (the request's; the site's default in a worker)."""
    subject = " ".join(render_to_string(f"partners/email/{template}_subject.txt", context).split())
    body = render_to_string(f"partners/email/{template}_message.txt", context)
    return EmailMessage(subject, body, None, to)


def _send_on_commit(template: str, to: list[str], context: dict) -> None:
    to = [address for address in to if address]
    if to:
        message = _message(template, to, context)  # rendered now, while the rows are at hand
        transaction.on_commit(message.send, robust=True)


def _admin_emails(merchant) -> list[str]:
    admins = (
        Staff.objects.for_merchant(merchant)
        .filter(role=Staff.Role.ADMIN, resigned_at__isnull=True, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    return sorted({email for email in admins if email})


def _partner_email(partner: Partner) -> str:
    return partner.user.email


# --- invitations, joins, applications ----------------------------------------------------------


def notify_invitation(*, invitation, url: str) -> None:
    """The invitation link to the invited address, unless that address is a partner who opted out."""
    partner = Partner.objects.filter(user__email__iexact=invitation.email).first()
    if opted_out(partner, NotificationKind.INVITATION):
        return
    merchant = invitation.merchant
    _send_on_commit("invitation", [invitation.email], {"merchant": merchant, "campaign": invitation.campaign, "url": url})


def notify_partner_joined(*, merchant, campaign: Campaign, partner: Partner) -> None:
    """To the merchant's admins: a partner is now bound to one of their campaigns."""
    url = site_url(reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}))
    _send_on_commit("partner_joined", _admin_emails(merchant), {"merchant": merchant, "campaign": campaign,
                                                               "partner": partner, "url": url})


def notify_application_received(*, merchant, application) -> None:
    campaign = application.campaign
    url = site_url(reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}))
    _send_on_commit("application_received", _admin_emails(merchant), {
        "merchant": merchant, "campaign": campaign, "partner": application.partner, "application": application,
        "url": url,
    })


def notify_application_decided(*, merchant, application) -> None:
    """To the partner: approved (with their new campaign) or declined. Off with the invitations."""
    partner = application.partner
    if opted_out(partner, NotificationKind.INVITATION):
        return
    url = site_url(reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug}))
    _send_on_commit("application_decided", [_partner_email(partner)], {
        "merchant": merchant, "application": application, "approved": application.status == "approved", "url": url,
    })


# --- money: wired by the commission lifecycle and payouts -----------------------------------------


def notify_commission_approved(*, merchant_id: int, campaign_order_id: int) -> None:
    """To the partner: the commission of this referred order (a `CampaignOrder` id) is approved.
    For the commission lifecycle to call when it approves one (after the window, or early)."""
    record = (
        CampaignOrder.objects.for_merchant(merchant_id).select_related("campaign__partner__user", "order", "merchant")
        .filter(pk=campaign_order_id).first()
    )
    if record is None or record.campaign.partner is None:
        return
    partner = record.campaign.partner
    if opted_out(partner, NotificationKind.COMMISSION_APPROVED):
        return
    merchant = record.merchant
    url = site_url(reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": record.campaign.code}))
    _send_on_commit("commission_approved", [_partner_email(partner)], {
        "merchant": merchant, "campaign": record.campaign, "record": record, "order": record.order, "url": url,
    })


def notify_payout_paid(*, merchant_id: int, partner_id: int, amount: Decimal, currency: str, reference: str = "",
                       order_count: int | None = None) -> None:
    """To the partner: a payout to them was marked paid. Plain values, so the payouts code calls it
    with whatever its payout row holds (e.g. `notify_payout_paid(merchant_id=p.merchant_id,
    partner_id=p.partner_id, amount=p.amount, currency=p.currency, reference=p.reference)`)."""
    partner = Partner.objects.select_related("user").filter(pk=partner_id).first()
    if partner is None or opted_out(partner, NotificationKind.PAYOUT_PAID):
        return
    merchant = Merchant.objects.get(pk=merchant_id)
    url = site_url(reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug}))
    _send_on_commit("payout_paid", [_partner_email(partner)], {
        "merchant": merchant, "amount": amount, "currency": currency, "reference": reference,
        "order_count": order_count, "url": url,
    })


# --- the daily digest of new referred orders ------------------------------------------------------


def digest_partner_ids() -> list[int]:
    """Partners who work with at least one merchant and take the digest."""
    with scopes_disabled():  # partners are global; only their ids leave this read
        ids = set(PartnerMembership.objects.values_list("partner_id", flat=True))
    opted = set(PartnerEmailOptOut.objects.filter(kind=NotificationKind.REFERRED_ORDERS).values_list("partner_id", flat=True))
    return sorted(ids - opted)


def _new_records(partner: Partner, since_id: int | None, since_time):
    """(merchant, campaign rows, order rows) per merchant with referred orders new since the last digest."""
    with scopes_disabled():
        merchant_ids = list(PartnerMembership.objects.filter(partner=partner).values_list("merchant_id", flat=True))
    sections = []
    for merchant in Merchant.objects.filter(pk__in=merchant_ids).order_by("name"):
        rows = CampaignOrder.objects.for_merchant(merchant).filter(campaign__partner=partner)
        rows = rows.filter(pk__gt=since_id) if since_id is not None else rows.filter(placed_at__gte=since_time)
        if not rows.exists():
            continue
        campaigns = list(
            rows.values("campaign_id", "campaign__name", "campaign__currency")
            .annotate(count=Count("pk"), commission=Sum("commission"), total=Sum("order_total"))
            .order_by("campaign__name")
        )
        orders = list(rows.select_related("order", "campaign").order_by("-pk")[:DIGEST_MAX_ORDERS])
        sections.append({"merchant": merchant, "campaigns": campaigns, "orders": orders,
                         "last_id": rows.aggregate(m=Max("pk"))["m"], "count": sum(c["count"] for c in campaigns)})
    return sections


@transaction.atomic
def partner_digest_send(*, partner_id: int, day: date) -> PartnerDigest | None:
    """Mail the partner the referred orders recorded since their previous digest, once per day.

    Idempotent: the partner row is locked and a digest for (partner, day) is written in the same
    transaction as the mail is sent, so a rerun of the day's task sends nothing; a failed send rolls
    the row back and the retry sends it. The first digest covers the last day only."""
    partner = Partner.objects.select_for_update().select_related("user").filter(pk=partner_id).first()
    if partner is None or opted_out(partner, NotificationKind.REFERRED_ORDERS):
        return None
    digests = PartnerDigest.objects.filter(partner=partner)
    if digests.filter(day=day).exists():
        return None
    since_id = digests.aggregate(m=Max("last_record_id"))["m"]
    sections = _new_records(partner, since_id, timezone.now() - timedelta(days=1))
    if not sections:
        return None
    count = sum(section["count"] for section in sections)
    digest = PartnerDigest.objects.create(
        partner=partner, day=day, order_count=count, sent_at=timezone.now(),
        last_record_id=max(section["last_id"] for section in sections),
    )
    message = _message("digest", [_partner_email(partner)], {
        "partner": partner, "sections": sections, "count": count, "day": day,
        "url": site_url(reverse("partners:home")),
        "settings_url": site_url(reverse("partners:notifications")),
    })
    message.send()  # inside the transaction: a failure rolls the digest row back for the retry
    return digest
