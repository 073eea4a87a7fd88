"""The referral split of a sale (SPEC section 6): who earns its traffic and sales parts, at the
merchant's ratio (`loyalty.offers.referral_split`); for an online sale, the staff member the
order's attribution credits earns the sales part."""

from datetime import timedelta
from functools import cache

from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from commerce.models import Order
from omo.tenancy.models import Staff

from .. import offers as rules
from ..models import LoyaltySettings, Referral

# How long an online referred sale waits for its attribution before its split is settled
# without a credited staff member (the attribution sweeper normally decides within a minute).
CREDIT_WAIT = timedelta(hours=1)


@cache
def _credit_reader():
    """The declared reader of an order's credited staff (settings.LOYALTY_ORDER_CREDIT): attribution
    sits above loyalty, so loyalty names it in settings instead of importing it. None: no credit."""
    path = getattr(django_settings, "LOYALTY_ORDER_CREDIT", "")
    return import_string(path) if path else None


def _link_staff(order: Order) -> tuple[bool, Staff | None]:
    """(decided, staff member the order's attribution credits) for an online sale."""
    reader = _credit_reader()
    if reader is None:
        return True, None
    decided, staff_id = reader(merchant_id=order.merchant_id, order_id=order.pk)
    if not decided and timezone.now() - order.created_at < CREDIT_WAIT:
        return False, None
    staff = Staff.objects.for_merchant(order.merchant_id).filter(pk=staff_id).first() if staff_id else None
    return True, staff


class _WaitForCredit(Exception):
    """The online sale's attribution is not decided yet: who earns its sales part is unknown."""


def _referral_shares(
    order: Order, settings: LoyaltySettings, sale_points: int
) -> list[tuple[dict, rules.ReferralShare]]:
    """(account owner lookup, share) for the referred member's sale; raises _WaitForCredit when an
    online sale's sales part waits for the order's attribution."""
    if settings.referral_traffic_percent is None or sale_points <= 0:
        return []
    referral = Referral.objects.for_merchant(order.merchant_id).filter(member_id=order.member_id).first()
    if referral is None:
        return []
    if referral.referrer_store_id:
        referrer = {"store": referral.referrer_store}
    elif referral.referrer_staff_id:
        referrer = {"staff": referral.referrer_staff}
    else:
        referrer = {"member": referral.referrer_member}
    online = order.channel_group == Order.ChannelGroup.ONLINE
    link_staff = None
    if online:
        decided, link_staff = _link_staff(order)
        if not decided:
            raise _WaitForCredit
    closing = {"staff": order.closing_staff} if order.closing_staff_id else None
    shares = rules.referral_split(
        referrer_id="referrer",
        closing_staff_id="closing" if closing else None,
        link_staff_id="link" if link_staff else None,
        channel_is_online=online,
        sale_points=sale_points,
        traffic_percent=settings.referral_traffic_percent,
    )
    owners = {"referrer": referrer, "closing": closing, "link": {"staff": link_staff}}
    return [(owners[share.recipient_id], share) for share in shares]
