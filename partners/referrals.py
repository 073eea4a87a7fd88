"""The referral link as a shopper's browser meets it (issue 15 items 4, 5).

Opening a campaign's link counts a click (`clicks.click_record`) and leaves a signed cookie with
the campaign code and the time of the open, one cookie per merchant: a later open of another
partner's link overwrites it, so the last partner's link is the one that credits the order, and
only within that campaign's link lifetime (`Campaign.link_lifetime_days`, 30 days by default).
"""

from datetime import UTC, datetime

from django.core import signing
from django.utils import timezone

from omo.net import client_ip

from . import clicks, guards
from .models import Campaign

COOKIE_SALT = "partners.referral"


def cookie_name(merchant) -> str:
    return f"omo_ref_{merchant.pk}"


def link_open(request, response, *, merchant, campaign: Campaign, now: datetime | None = None) -> bool:
    """Count the open (True when it counted) and remember the campaign in the signed cookie."""
    now = now or timezone.now()
    user_agent = request.headers.get("User-Agent", "")
    visitor = clicks.visitor_id(merchant_id=merchant.pk, ip=client_ip(request), user_agent=user_agent)
    counted = clicks.click_record(merchant=merchant, campaign=campaign, visitor=visitor, user_agent=user_agent, now=now)
    response.set_signed_cookie(
        cookie_name(merchant), guards.cookie_value(campaign.code, now), salt=COOKIE_SALT,
        max_age=campaign.link_lifetime_days * 86400, httponly=True, samesite="Lax", secure=request.is_secure(),
    )
    return counted


def remembered_code(request, *, merchant, now: datetime | None = None) -> str:
    """The code of the last referral link this browser opened at the merchant, while that campaign's
    link lifetime lasts; "" otherwise (no cookie, tampered, expired)."""
    try:
        value = request.get_signed_cookie(cookie_name(merchant), default="", salt=COOKIE_SALT)
    except signing.BadSignature:
        return ""
    parsed = guards.cookie_parse(value)
    if parsed is None:
        return ""
    code, stamp = parsed
    campaign = Campaign.objects.for_merchant(merchant).filter(code=code).only("code", "link_lifetime_days").first()
    if campaign is None:
        return ""
    clicked_at = datetime.fromtimestamp(stamp, tz=UTC)
    if not guards.referral_valid(clicked_at=clicked_at, now=now or timezone.now(), lifetime_days=campaign.link_lifetime_days):
        return ""
    return campaign.code
