"""Builders shared by the partner tests."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from commerce.services import LineInput, order_create
from partners import services
from partners.models import Partner
from tests.factories import UserFactory


def make_campaign(merchant, *, condition="whole_order", commission_type="percentage", rate="10", products=(),
                  name="Spring KOL", starts_at=None, ends_at=None):
    now = timezone.now()
    return services.campaign_create(
        merchant=merchant,
        data=services.CampaignInput(
            name=name,
            starts_at=starts_at or now - timedelta(days=800),
            ends_at=ends_at or now + timedelta(days=30),
            currency=merchant.currency,
            condition=condition,
            commission_type=commission_type,
            rate=Decimal(rate),
            products=tuple(products),
        ),
    )


def make_partner(email=None, name="Kim KOL"):
    user = UserFactory(**({"email": email} if email else {}), name=name)
    return Partner.objects.create(user=user, display_name=name)


def bind(merchant, campaign, partner):
    return services.campaign_partner_bind(merchant=merchant, campaign=campaign, partner=partner)


def referred_order(merchant, campaign, *, number, lines, **kwargs):
    """An order placed with the campaign's code, its on-commit work run by the caller's fixture."""
    return order_create(merchant=merchant, number=number, channel="web", lines=lines, campaign_code=campaign.code,
                        **kwargs)


def line(variation, quantity, price, **kwargs):
    return LineInput(variation=variation, quantity=quantity, unit_price=Decimal(price), **kwargs)
