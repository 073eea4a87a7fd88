"""Query-string filters of the merchant REST API (django-filter).

Every filter is declared explicitly: django-filter's automatic ones query the default manager at
import time, which the tenant models refuse without a merchant scope. Ids are public ids
(`PublicIdFilter`); every filterset has `updated_after` / `updated_before` (SyncFilterSet).
A parameter not declared here (or by search, ordering or pagination) is a 400 (base.MerchantViewSet)."""

from datetime import UTC

import django_filters as filters

from attribution.models import Attribution
from commerce.models import Order, Product, Variation
from loyalty.models import Offer, PointsAccount, PointsLedgerEntry
from members.models import Member
from omo.tenancy.models import ApiKey, Staff, Store
from partners.models import Campaign, Invitation, Partner, PartnerMembership
from recommendations.models import LinkClick, RecommendationLink
from reports.models import ExportJob

from .base import IdFilter, PublicIdFilter  # noqa: F401  (IdFilter: for filtersets written before public ids)


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """ISO 8601 with any offset Python accepts; sent to the database in UTC (PostgreSQL refuses
    offsets beyond ±15:59, e.g. "+16:00", which would otherwise be a server error)."""

    def filter(self, qs, value):
        return super().filter(qs, value.astimezone(UTC) if value else value)


class SyncFilterSet(filters.FilterSet):
    """`updated_after` (inclusive) and `updated_before` (exclusive) on the resource's change time:
    store the time of your last sync and ask for what changed since."""

    updated_field = "updated_at"
    updated_after = UtcDateTimeFilter(method="filter_updated_after", help_text="changed at or after (ISO 8601)")
    updated_before = UtcDateTimeFilter(method="filter_updated_before", help_text="changed before (ISO 8601)")

    def filter_updated_after(self, queryset, name, value):
        return queryset.filter(**{f"{self.updated_field}__gte": value.astimezone(UTC)}) if value else queryset

    def filter_updated_before(self, queryset, name, value):
        return queryset.filter(**{f"{self.updated_field}__lt": value.astimezone(UTC)}) if value else queryset


class StoreFilter(SyncFilterSet):
    class Meta:
        model = Store
        fields = []


class StaffFilter(SyncFilterSet):
    store = PublicIdFilter(field_name="store_id", model=Store)
    role = filters.ChoiceFilter(choices=Staff.Role.choices)

    class Meta:
        model = Staff
        fields = []


class ProductFilter(SyncFilterSet):
    kind = filters.ChoiceFilter(choices=Product.Kind.choices)
    published = filters.BooleanFilter()
    category = filters.CharFilter()
    sku = filters.CharFilter(field_name="variations__sku", distinct=True, help_text="has a variation with this SKU")

    class Meta:
        model = Product
        fields = []


class VariationFilter(SyncFilterSet):
    product = PublicIdFilter(field_name="product_id", model=Product)
    sku = filters.CharFilter()
    barcode = filters.CharFilter()

    class Meta:
        model = Variation
        fields = []


class MemberFilter(SyncFilterSet):
    registered_by = PublicIdFilter(field_name="registered_by_id", model=Staff)
    registered_store = PublicIdFilter(field_name="registered_store_id", model=Store)
    phone = filters.CharFilter()
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Member
        fields = []


class OrderFilter(SyncFilterSet):
    member = PublicIdFilter(field_name="member_id", model=Member)
    source_store = PublicIdFilter(field_name="source_store_id", model=Store)
    closing_staff = PublicIdFilter(field_name="closing_staff_id", model=Staff)
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


class AttributionFilter(SyncFilterSet):
    updated_field = "decided_at"  # a decision is replaced, never edited: its time is its change time
    order = PublicIdFilter(field_name="order_id", model=Order)
    staff = PublicIdFilter(field_name="staff_id", model=Staff)
    store = PublicIdFilter(field_name="store_id", model=Store)
    order_after = UtcDateTimeFilter(field_name="order_at", lookup_expr="gte")
    order_before = UtcDateTimeFilter(field_name="order_at", lookup_expr="lt")
    reason = filters.ChoiceFilter(choices=Attribution.REASON_CHOICES)

    class Meta:
        model = Attribution
        fields = []


class LinkFilter(SyncFilterSet):
    staff = PublicIdFilter(field_name="staff_id", model=Staff)
    store = PublicIdFilter(field_name="store_id", model=Store)
    member = PublicIdFilter(field_name="member_id", model=Member)

    class Meta:
        model = RecommendationLink
        fields = []


class LinkClickFilter(SyncFilterSet):
    updated_field = "clicked_at"  # a click never changes
    link = PublicIdFilter(field_name="link_id", model=RecommendationLink)
    member = PublicIdFilter(field_name="member_id", model=Member)
    clicked_after = UtcDateTimeFilter(field_name="clicked_at", lookup_expr="gte")
    clicked_before = UtcDateTimeFilter(field_name="clicked_at", lookup_expr="lt")

    class Meta:
        model = LinkClick
        fields = []


class CampaignFilter(SyncFilterSet):
    partner = PublicIdFilter(field_name="partner_id", model=Partner)
    code = filters.CharFilter()

    class Meta:
        model = Campaign
        fields = []


class InvitationFilter(SyncFilterSet):
    campaign = PublicIdFilter(field_name="campaign_id", model=Campaign)

    class Meta:
        model = Invitation
        fields = []


class PartnerFilter(SyncFilterSet):
    partner = PublicIdFilter(field_name="partner_id", model=Partner)

    class Meta:
        model = PartnerMembership
        fields = []


class PointsAccountFilter(SyncFilterSet):
    member = PublicIdFilter(field_name="member_id", model=Member)
    staff = PublicIdFilter(field_name="staff_id", model=Staff)
    store = PublicIdFilter(field_name="store_id", model=Store)

    class Meta:
        model = PointsAccount
        fields = []


class PointsLedgerFilter(SyncFilterSet):
    updated_field = "created_at"  # append-only: an entry never changes after it is written
    account = PublicIdFilter(field_name="account_id", model=PointsAccount)
    member = PublicIdFilter(field_name="account__member_id", model=Member)
    staff = PublicIdFilter(field_name="account__staff_id", model=Staff)
    order = PublicIdFilter(field_name="order_id", model=Order)
    kind = filters.ChoiceFilter(choices=PointsLedgerEntry.Kind.choices)
    source = filters.ChoiceFilter(choices=PointsLedgerEntry.Source.choices)
    label = filters.ChoiceFilter(choices=PointsLedgerEntry.Label.choices)

    class Meta:
        model = PointsLedgerEntry
        fields = []


class OfferFilter(SyncFilterSet):
    event = filters.ChoiceFilter(choices=Offer.Event.choices)

    class Meta:
        model = Offer
        fields = []


class ExportJobFilter(SyncFilterSet):
    status = filters.ChoiceFilter(choices=ExportJob.Status.choices)

    class Meta:
        model = ExportJob
        fields = []


class ApiKeyFilter(SyncFilterSet):
    class Meta:
        model = ApiKey
        fields = []
