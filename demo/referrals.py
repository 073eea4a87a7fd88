"""Demo: the O2O referral split (SPEC section 6), so the points ledgers and the referral-split
performance have content: a store's QR code brought three new members, each of whom then bought
in a shop helped by a staff member; the store earns the traffic part, the staff member the sales
part, a fixed 25 % / 75 % of the points the sale earns."""

from decimal import Decimal

from commerce import services as order_services
from commerce.models import Order
from loyalty import services as loyalty_services
from members.models import Member

TRAFFIC_PERCENT = 25


def seed_referrals(merchant, sellers, stores) -> None:
    """Idempotent: the referred members are found by email before anything is created."""
    loyalty_services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=TRAFFIC_PERCENT)
    referrer = stores[0]
    for i, seller in enumerate(sellers[:3], start=1):
        email = f"referred{i}@shopper.example"
        if Member.objects.filter(email=email).exists():
            continue
        member = Member.objects.create(merchant=merchant, name=f"Referred shopper {i}", email=email)
        loyalty_services.referral_record(
            merchant=merchant, member=member, referrer_store=referrer, channel="qr", created_by_referral=True
        )
        amount = Decimal(800 * i)
        order_services.order_create(
            merchant=merchant,
            number=f"{merchant.slug.upper()}-REF-{i}",
            member=member,
            channel=Order.Channel.POS,
            created_from="POS",
            source_store=seller.store,
            closing_staff=seller,
            status=Order.Status.COMPLETED,
            payment_status=Order.PaymentStatus.PAID,
            payment_method="card",
            lines=[order_services.LineInput(variation=None, quantity=1, unit_price=amount, product_name="Gift set")],
            paid_amount=amount,
        )
