"""Demo data so every page has something to show. Deterministic and idempotent: each object
is found by its natural key (slug, code, email, SKU, order number) before it is created."""

import random
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from attribution.rollups import rollups_rebuild
from commerce import services as order_services
from commerce.models import Order, Product, Variation
from loyalty.models import Offer, PointsBudget, Tier
from members.models import Member
from omo.accounts.models import User
from omo.tenancy.models import Merchant, Staff, Store
from omo.tenancy.scoping import merchant_scope
from partners import services as partner_services
from partners.models import Campaign
from recommendations.models import LinkClick, RecommendationItem, RecommendationLink

from .expiry import seed_expiry
from .referrals import seed_referrals

MERCHANTS = [
    {
        "slug": "demo",
        "name": "Demo Retail 示範零售",
        "currency": "TWD",
        "timezone": "Asia/Taipei",
        "country": "TW",
        "stores": [
            ("taipei-101", "Taipei 101 台北101店", {"format": "Department"}),
            ("xinyi", "Xinyi Hypermarket 信義量販店", {"format": "Hypermarket"}),
            ("banqiao", "Banqiao 板橋店", {"format": "Supermarket"}),
        ],
    },
    {
        "slug": "north",
        "name": "Северный маркет",
        "currency": "RUB",
        "timezone": "Europe/Moscow",
        "country": "RU",
        "stores": [
            ("tverskaya", "Тверская", {"format": "Hypermarket"}),
            ("arbat", "Арбат", {"format": "Supermarket"}),
            ("nevsky", "Невский", {"format": "Supermarket"}),
        ],
    },
]
STAFF = [  # (email local part, name, role, store index or None)
    ("admin", "Grace Admin", Staff.Role.ADMIN, None),
    ("manager", "Mia Manager", Staff.Role.MANAGER, 0),
    ("amy", "Amy 王", Staff.Role.STAFF, 0),
    ("ben", "Ben 陳", Staff.Role.STAFF, 1),
    ("cleo", "Cleo 林", Staff.Role.STAFF, 2),
    ("dan", "Dan Ivanov", Staff.Role.STAFF, 1),
]
CATEGORIES = ["Skincare", "Makeup", "Snacks", "Beverages", "Home", "Apparel", "Electronics", "Toys"]
NAMES = ["Hydra Serum", "Matte Lipstick", "Oolong Tea", "Pineapple Cake", "Linen Towel", "Cotton Tee",
         "Earbuds", "Wooden Puzzle", "Sunscreen", "Green Tea Latte", "Rice Cracker", "Desk Lamp"]
CHANNELS = [Order.Channel.POS] * 4 + [Order.Channel.KIOSK, Order.Channel.OMO] + [Order.Channel.WEB] * 4 + [
    Order.Channel.SOCIAL, Order.Channel.MESSAGE_CENTER, Order.Channel.API, Order.Channel.IMPORT]


def _user(email, name, password, **extra):
    """A demo login whose email counts as verified (verification is mandatory; the demo's
    addresses receive no mail)."""
    user, created = User.objects.get_or_create(email=email, defaults={"name": name, **extra})
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed(password: str, *, orders: int = 500, members: int = 50, products: int = 200) -> list[str]:
    """Create the demo data if missing; return the login lines to print."""
    logins = []
    _user("root@omo.example", "Platform operator", password, is_staff=True, is_superuser=True)
    logins.append(f"Django admin: root@omo.example / {password}  -> /admin/")
    for index, spec in enumerate(MERCHANTS):
        merchant, _ = Merchant.objects.get_or_create(
            slug=spec["slug"],
            defaults={k: spec[k] for k in ("name", "currency", "timezone", "country")},
        )
        with merchant_scope(merchant):
            lines = _seed_merchant(merchant, spec, password, random.Random(index), orders, members, products)
        logins.extend(lines)
    return logins


def _seed_merchant(merchant, spec, password, rnd, n_orders, n_members, n_products):
    stores = []
    for code, name, attributes in spec["stores"]:
        store, _ = Store.objects.get_or_create(merchant=merchant, code=code, defaults={"name": name, "attributes": attributes})
        stores.append(store)
    staff = []
    logins = []
    for local, name, role, store_index in STAFF:
        email = f"{local}@{merchant.slug}.example"
        user = _user(email, name, password)
        member, _ = Staff.objects.get_or_create(
            merchant=merchant,
            user=user,
            defaults={"display_name": name, "role": role, "store": stores[store_index] if store_index is not None else None},
        )
        staff.append(member)
        logins.append(f"{merchant.name} {member.get_role_display()}: {email} / {password}")
    sellers = [s for s in staff if s.store_id]

    members = list(Member.objects.filter(email__endswith="@shopper.example").order_by("pk"))
    for i in range(len(members), n_members):
        members.append(
            Member.objects.create(
                merchant=merchant,
                name=f"Shopper {i + 1}",
                email=f"shopper{i + 1}@shopper.example",
                phone=_phone(merchant.country, i),
                registered_by=sellers[i % len(sellers)],
                registered_store=sellers[i % len(sellers)].store,
            )
        )
    shopper = _user(f"shopper1@{merchant.slug}.example", "Demo Shopper", password)
    if not Member.objects.filter(user=shopper).exists():
        first = members[0]
        first.user = shopper
        first.save(update_fields=["user"])
    logins.append(f"{merchant.name} shopper: {shopper.email} / {password}")

    variations = list(Variation.objects.select_related("product").order_by("pk"))
    if len(variations) < n_products:
        for i in range(Product.objects.count(), n_products):
            product = Product.objects.create(
                merchant=merchant,
                name=f"{NAMES[i % len(NAMES)]} #{i + 1}",
                category=CATEGORIES[i % len(CATEGORIES)],
                kind=Product.Kind.GIFT if i % 50 == 49 else Product.Kind.REGULAR,
                published=i % 25 != 24,
            )
            sizes = ["S", "M", "L"] if i % 4 == 0 else [""]
            for size in sizes:
                Variation.objects.create(
                    merchant=merchant,
                    product=product,
                    name=size,
                    sku=f"{merchant.slug.upper()}-{i + 1:04d}{size}",
                    barcode=f"47{index_code(merchant)}{i + 1:08d}{len(size)}",
                    price=Decimal(rnd.randrange(50, 3000)),
                )
        variations = list(Variation.objects.select_related("product").order_by("pk"))

    existing = set(Order.objects.values_list("number", flat=True))
    now = timezone.now()
    for i in range(n_orders):
        number = f"{merchant.slug.upper()}-{i + 1:05d}"
        placed_at = now - timedelta(days=rnd.uniform(0, 120))
        member = members[rnd.randrange(len(members))]
        channel = rnd.choice(CHANNELS)
        picks = rnd.sample(variations, rnd.randint(1, 3))
        if number in existing:
            continue
        seller = rnd.choice(sellers)
        link = None
        if channel == Order.Channel.WEB and rnd.random() < 0.5:
            link = RecommendationLink.objects.create(merchant=merchant, store=seller.store, staff=seller, member=member)
            RecommendationItem.objects.bulk_create(
                [RecommendationItem(merchant=merchant, link=link, variation=v, position=p) for p, v in enumerate(picks)]
            )
            LinkClick.objects.create(
                merchant=merchant, link=link, member=member, user=member.user,
                clicked_at=placed_at - timedelta(hours=rnd.uniform(0.1, 30)), device=rnd.choice(["phone", "desktop"]),
            )
        retail = channel in Order.RETAIL_CHANNELS
        subtotal = sum((v.price for v in picks), Decimal("0"))
        discount = (subtotal * Decimal("0.1")).quantize(Decimal("1")) if rnd.random() < 0.2 else Decimal("0")
        shipping = Decimal("0") if retail else Decimal("60")
        total = subtotal - discount + shipping
        status = rnd.choices(
            [Order.Status.COMPLETED, Order.Status.CONFIRMED, Order.Status.PROCESSING, Order.Status.CANCELLED],
            [6, 2, 1, 1],
        )[0]
        # Through the order service, like every order: the followers (attribution, partner
        # figures, points) credit it, in-process here or on the worker.
        order_services.order_create(
            merchant=merchant,
            number=number,
            member=member,
            channel=channel,
            created_from="Storefront" if link else ("POS" if retail else channel.label),
            source_store=(link.store if link else seller.store) if (link or retail) else None,
            closing_staff=seller if retail else None,
            recommendation_token=link.token if link else "",
            status=status,
            payment_status=Order.PaymentStatus.PAID if status != Order.Status.PROCESSING else Order.PaymentStatus.PENDING,
            payment_method=rnd.choice(["cash", "card", "line_pay"]),
            placed_at=placed_at,
            lines=[
                order_services.LineInput(variation=v, quantity=1, unit_price=v.price, recommended=link is not None)
                for v in picks
            ],
            discounts=discount,
            shipping=shipping,
            paid_amount=total if status != Order.Status.PROCESSING else Decimal("0"),
        )
    logins.extend(_seed_programs(merchant, password, sellers, rnd))
    seed_referrals(merchant, sellers, stores)
    seed_expiry(merchant)
    rollups_rebuild(merchant=merchant)  # members were back-dated past the rollups' receiver
    return logins


# The source documents' offer examples, so the points pages and ledgers have content.
OFFERS = [
    {"name": "1 point per 10 spent", "event": "order_paid", "action": "points_per_amount", "value": 1, "per_amount": 10},
    # Storefront orders paid online carry payment method "online" (storefront.services.PaymentMethod).
    {"name": "100 points for paying online", "event": "order_paid", "action": "fixed_points", "value": 100,
     "payment_methods": ["online"], "campaign": True},
    {"name": "100 points for installing the app", "event": "app_installed", "action": "fixed_points", "value": 100},
    {"name": "10% off in Hypermarket stores", "event": "order_paid", "action": "discount_percentage", "value": 10,
     "store_attributes": {"format": "Hypermarket"}},
    {"name": "Double points on recommended products", "event": "order_paid", "action": "multiplier", "value": 2,
     "recommended_only": True, "campaign": True},
    {"name": "Birthday double points", "event": "order_paid", "action": "multiplier", "value": 2,
     "birthday_only": True, "campaign": True},
    {"name": "Points for sharing", "event": "share", "action": "fixed_points", "value": 20},
]


# Member tiers by 12-month spending: (name, threshold, points multiplier).
TIERS = [("Silver", "5000", "1.5"), ("Gold", "20000", "2")]


def _seed_programs(merchant, password, sellers, rnd) -> list[str]:
    """Loyalty offers and points, and a KOL partner with a campaign and referred orders."""
    for spec in OFFERS:
        Offer.objects.get_or_create(merchant=merchant, name=spec["name"], defaults=spec)
    for name, threshold, multiplier in TIERS:
        Tier.objects.get_or_create(merchant=merchant, name=name,
                                   defaults={"threshold": Decimal(threshold), "multiplier": Decimal(multiplier)})
    budget, _created = PointsBudget.objects.get_or_create(merchant=merchant, name="App launch",
                                                          defaults={"budget": 50000})
    Offer.objects.filter(merchant=merchant, event="app_installed", deduction_account__isnull=True).update(
        deduction_account=budget, points_lifetime_days=365
    )

    partner_user = _user(f"kol@{merchant.slug}.example", "Kim KOL", password)
    partner = partner_services.partner_for_user(partner_user, create=True)
    campaign = Campaign.objects.filter(name="Spring live").first()
    if campaign is None:
        now = timezone.now()
        campaign = partner_services.campaign_create(
            merchant=merchant,
            data=partner_services.CampaignInput(
                name="Spring live", starts_at=now - timedelta(days=150), ends_at=now + timedelta(days=30),
                currency=merchant.currency, condition=Campaign.Condition.WHOLE_ORDER,
                commission_type=Campaign.CommissionType.PERCENTAGE, rate=Decimal("8"),
            ),
        )
        partner_services.campaign_partner_bind(merchant=merchant, campaign=campaign, partner=partner)
    online = Order.objects.filter(channel=Order.Channel.SOCIAL).order_by("pk")[:40]
    for order in online:
        partner_services.order_referral_record(merchant=merchant, order=order, code=campaign.code)
    return [f"{merchant.name} KOL partner: {partner_user.email} / {password}  -> /partners/"]


def index_code(merchant) -> str:
    return "1" if merchant.slug == "demo" else "2"


def _phone(country: str, i: int) -> str:
    if country == "RU":
        return f"+7916{5550000 + i:07d}"
    return f"+886912{345000 + i:06d}"
