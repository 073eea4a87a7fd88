"""Query-string filters of the merchant REST API (django-filter).

Every filter is declared explicitly: django-filter's automatic ones query the default manager at
import time, which the tenant models refuse without a merchant scope."""

from datetime import UTC

import django_filters as filters
from django import forms

from attribution.models import Attribution
from commerce.models import Order, Product, Variation
from loyalty.models import PointsLedgerEntry
from members.models import Member
from partners.models import CampaignDay
from recommendations.models import RecommendationLink

MAX_ID = 10**18


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(filters.Filter):
    """An object id: a plain integer, never looked up (another merchant's id simply matches nothing)."""

    field_class = IdField


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """ISO 8601 with any offset Python accepts; sent to the database in UTC (PostgreSQL refuses
    offsets beyond ±15:59, e.g. "+16:00", which would otherwise be a server error)."""

    def filter(self, qs, value):
        return super().filter(qs, value.astimezone(UTC) if value else value)


class ProductFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    kind = filters.ChoiceFilter(choices=Product.Kind.choices)
    published = filters.BooleanFilter()
    category = filters.CharFilter()

    class Meta:
        model = Product
        fields = []


class VariationFilter(filters.FilterSet):
    product = IdFilter(field_name="product_id")

    sku = filters.CharFilter()
    barcode = filters.CharFilter()

    class Meta:
        model = Variation
        fields = []


class MemberFilter(filters.FilterSet):
    registered_by = IdFilter(field_name="registered_by_id")
    registered_store = IdFilter(field_name="registered_store_id")

    phone = filters.CharFilter()
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Member
        fields = []


class OrderFilter(filters.FilterSet):
    member = IdFilter(field_name="member_id")
    source_store = IdFilter(field_name="source_store_id")
    closing_staff = IdFilter(field_name="closing_staff_id")
    placed_after = UtcDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = UtcDateTimeFilter(field_name="placed_at", lookup_expr="lt")

    number = filters.CharFilter()
    status = filters.ChoiceFilter(choices=Order.Status.choices)
    channel = filters.ChoiceFilter(choices=Order.Channel.choices)
    payment_status = filters.ChoiceFilter(choices=Order.PaymentStatus.choices)
    delivery_status = filters.ChoiceFilter(choices=Order.DeliveryStatus.choices)

    class Meta:
        model = Order
        fields = []


class AttributionFilter(filters.FilterSet):
    order = IdFilter(field_name="order_id")
    staff = IdFilter(field_name="staff_id")
    store = IdFilter(field_name="store_id")
    order_after = UtcDateTimeFilter(field_name="order_at", lookup_expr="gte")
    order_before = UtcDateTimeFilter(field_name="order_at", lookup_expr="lt")

    reason = filters.ChoiceFilter(choices=Attribution.REASON_CHOICES)

    class Meta:
        model = Attribution
        fields = []


class LinkFilter(filters.FilterSet):
    staff = IdFilter(field_name="staff_id")
    store = IdFilter(field_name="store_id")
    member = IdFilter(field_name="member_id")

    class Meta:
        model = RecommendationLink
        fields = []


class PointsLedgerFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id")
    member = IdFilter(field_name="account__member_id")
    staff = IdFilter(field_name="account__staff_id")
    order = IdFilter(field_name="order_id")
    after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    kind = filters.ChoiceFilter(choices=PointsLedgerEntry.Kind.choices)
    source = filters.ChoiceFilter(choices=PointsLedgerEntry.Source.choices)
    label = filters.ChoiceFilter(choices=PointsLedgerEntry.Label.choices)

    class Meta:
        model = PointsLedgerEntry
        fields = []


class CampaignDayFilter(filters.FilterSet):
    """Per-day clicks of the referral campaigns: by campaign and by day (the merchant's calendar)."""

    campaign = IdFilter(field_name="campaign_id")
    since = filters.DateFilter(field_name="day", lookup_expr="gte", label="From this day (inclusive)")
    until = filters.DateFilter(field_name="day", lookup_expr="lte", label="To this day (inclusive)")

    class Meta:
        model = CampaignDay
        fields = []
