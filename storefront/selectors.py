"""Reads for the shopper's pages that come from other apps' data."""

from dataclasses import dataclass

from partners.models import Campaign


@dataclass(frozen=True)
class Referral:
    code: str
    referrer: str  # the partner's display name (never their email), else the campaign's name


def referral_get(*, merchant, code: str) -> Referral | None:
    """The running campaign behind a remembered referral code, with who referred the shopper."""
    if not code:
        return None
    campaign = Campaign.objects.for_merchant(merchant).filter(code=code.upper()).select_related("partner").first()
    if campaign is None or not campaign.is_active():
        return None
    name = campaign.partner.display_name if campaign.partner_id and campaign.partner.display_name else campaign.name
    return Referral(code=campaign.code, referrer=name)
