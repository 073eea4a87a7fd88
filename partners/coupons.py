"""The partner's personal coupon code per bound campaign (issue 15 item 7).

Typed at checkout or sent as the order API's `campaign_code`, the coupon credits its campaign as
the campaign's own code does (`selectors.campaign_for_code`). It is readable (a prefix from the
partner's name, then random unambiguous characters), unique per merchant and never equal to a
campaign code.
"""

import re
import secrets
import unicodedata

from django.db import IntegrityError, transaction

from .models import CODE_ALPHABET, Campaign, CampaignCoupon

PREFIX_MAX = 6
SUFFIX_LENGTH = 4


def _prefix(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    letters = re.sub(r"[^A-Z]", "", ascii_name.upper())
    return letters[:PREFIX_MAX] or "KOL"


def _taken(merchant_id: int, code: str) -> bool:
    return (
        Campaign.objects.for_merchant(merchant_id).filter(code=code).exists()
        or CampaignCoupon.objects.for_merchant(merchant_id).filter(code=code).exists()
    )


def campaign_coupon_ensure(*, merchant, campaign: Campaign) -> CampaignCoupon | None:
    """The bound campaign's coupon, created on first call; None for a campaign without a partner."""
    if campaign.partner_id is None:
        return None
    coupons = CampaignCoupon.objects.for_merchant(merchant)
    coupon = coupons.filter(campaign=campaign).first()
    if coupon is not None:
        return coupon
    prefix = _prefix(campaign.partner.display_name or campaign.partner.user.name or campaign.partner.user.email)
    for _attempt in range(10):
        code = prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(SUFFIX_LENGTH))
        if _taken(campaign.merchant_id, code):
            continue
        try:
            with transaction.atomic():
                return coupons.create(merchant_id=campaign.merchant_id, campaign=campaign, code=code)
        except IntegrityError:
            existing = coupons.filter(campaign=campaign).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free coupon code")  # 31**4 codes per prefix: not in practice
