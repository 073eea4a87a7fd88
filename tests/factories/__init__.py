"""factory_boy factories; sub-factories share the merchant of the object being built."""

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from commerce.models import Order, Product, Variation
from members.models import Member
from omo.accounts.models import User
from omo.tenancy.models import Merchant, Staff, Store
from recommendations.models import LinkClick, RecommendationLink

_phones = itertools.count(912000001)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!x")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")
    currency = "TWD"
    timezone = "Asia/Taipei"
    country = "TW"


class TenantFactory(factory.django.DjangoModelFactory):
    """Creates through the explicit per-merchant manager (tenant data has no unscoped manager)."""

    class Meta:
        abstract = True

    merchant = factory.SubFactory(MerchantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.for_merchant(kwargs["merchant"]).create(*args, **kwargs)


class StoreFactory(TenantFactory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    code = factory.Sequence(lambda n: f"store-{n}")


class StaffFactory(TenantFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory, merchant=factory.SelfAttribute("..merchant"))
    role = Staff.Role.STAFF
    display_name = factory.Sequence(lambda n: f"Staff {n}")


class MemberFactory(TenantFactory):
    class Meta:
        model = Member

    name = factory.Faker("name")
    phone = factory.LazyFunction(lambda: f"+886{next(_phones)}")
    email = factory.Sequence(lambda n: f"member{n}@example.com")


class ProductFactory(TenantFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    category = "General"


class VariationFactory(TenantFactory):
    class Meta:
        model = Variation

    product = factory.SubFactory(ProductFactory, merchant=factory.SelfAttribute("..merchant"))
    name = ""
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    barcode = factory.Sequence(lambda n: f"471{n:010d}")
    price = Decimal("100.00")


class LinkFactory(TenantFactory):
    class Meta:
        model = RecommendationLink

    staff = factory.SubFactory(StaffFactory, merchant=factory.SelfAttribute("..merchant"))
    store = factory.SelfAttribute("staff.store")
    member = factory.SubFactory(MemberFactory, merchant=factory.SelfAttribute("..merchant"))


class ClickFactory(TenantFactory):
    class Meta:
        model = LinkClick

    link = factory.SubFactory(LinkFactory, merchant=factory.SelfAttribute("..merchant"))
    member = factory.SelfAttribute("link.member")
    clicked_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    device = "phone"


class OrderFactory(TenantFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    member = factory.SubFactory(MemberFactory, merchant=factory.SelfAttribute("..merchant"))
    channel = Order.Channel.WEB
    placed_at = factory.LazyFunction(timezone.now)
    currency = "TWD"
    item_subtotal = Decimal("100.00")
    total = Decimal("100.00")
