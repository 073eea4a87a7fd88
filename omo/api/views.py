"""Viewsets of the merchant REST API. Every queryset starts from `for_merchant(request.merchant)`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from attribution.models import Attribution
from commerce.models import Order, Product, Variation
from loyalty.models import PointsAccount, PointsLedgerEntry
from members.models import Member
from members.services import member_register
from omo.audit.services import Action, audit_request
from omo.errors import error_details
from omo.tenancy.models import ApiKey, Staff, Store
from partners.models import Campaign, CampaignDay, PartnerMembership
from recommendations.models import RecommendationLink

from . import filters, serializers
from .authentication import ApiKeyAuthentication
from .keys import api_key_create, api_key_revoke
from .permissions import MerchantRole

ALL_STAFF = ("admin", "manager", "staff")
MANAGERS = ("admin", "manager")
ADMIN = ("admin",)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MerchantViewSet(viewsets.GenericViewSet):
    """Base of every resource: tenant-scoped queryset, API key or session, role permissions."""

    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [MerchantRole]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    lookup_value_regex = r"[0-9]{1,18}"
    model = None
    read_roles = ADMIN
    write_roles = ADMIN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request merchant
            return self.model._base_manager.none()
        queryset = self.scope(self.model.objects.for_merchant(self.request.merchant))
        return queryset if queryset.ordered else queryset.order_by("-pk")  # stable pages

    def scope(self, queryset):
        """Narrow further, e.g. by the staff member's role."""
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "merchant": getattr(self.request, "merchant", None)}

    @property
    def staff(self):
        return getattr(self.request, "staff", None)


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    pass


class SoftRemoveMixin:
    """DELETE marks the row removed (`removed_at`): orders and links keep pointing at it."""

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        if instance.removed_at is None:
            instance.removed_at = timezone.now()
            instance.save(update_fields=["removed_at"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoreViewSet(SoftRemoveMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                   ReadOnly):
    """Stores. Read: every staff role; write: merchant admin. DELETE marks the store removed."""

    scope_group = "catalog"
    model = Store
    serializer_class = serializers.StoreSerializer
    read_roles = ALL_STAFF
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]

    def perform_create(self, serializer):
        serializer.save(merchant=self.request.merchant)


class StaffViewSet(ReadOnly):
    """Staff members. Managers see their own store's staff."""

    scope_group = "staff"
    model = Staff
    serializer_class = serializers.StaffSerializer
    read_roles = MANAGERS
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["display_name", "user__email"]
    ordering_fields = ["display_name", "created_at"]

    def scope(self, queryset):
        queryset = queryset.select_related("user")
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset


class MemberViewSet(mixins.CreateModelMixin, ReadOnly):
    """Members. Read: admin and managers; register (POST): any staff role (as on the tablet)."""

    scope_group = "members"
    model = Member
    serializer_class = serializers.MemberSerializer
    read_roles = MANAGERS
    write_roles = ALL_STAFF
    filterset_class = filters.MemberFilter
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["created_at", "name"]

    def get_serializer_context(self):
        # Lists read by a manager's session show phone and email masked (as on the tablet).
        masked = self.action == "list" and self.staff is not None and self.staff.role != Staff.Role.ADMIN
        return {**super().get_serializer_context(), "mask_contact": masked}

    def scope(self, queryset):
        # Data minimisation: a manager reads the members of their own store, not the merchant's.
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(registered_store_id=self.staff.store_id)
        return queryset

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        audit_request(request, action=Action.MEMBER_VIEW, target=member, details={"via": "api"})
        return Response(self.get_serializer(member).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            member = member_register(merchant=request.merchant, phone=data.get("phone", ""),
                                     email=data.get("email", ""), name=data.get("name", ""), staff=self.staff)
        except DjangoValidationError as exc:
            raise ValidationError(error_details(exc))
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)


class ProductViewSet(SoftRemoveMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                     ReadOnly):
    """Catalog products with their variations. Read: every staff role; write: merchant admin."""

    scope_group = "catalog"
    model = Product
    serializer_class = serializers.ProductSerializer
    read_roles = ALL_STAFF
    filterset_class = filters.ProductFilter
    ordering_fields = ["name", "created_at"]

    def scope(self, queryset):
        return queryset.prefetch_related("variations")

    def perform_create(self, serializer):
        serializer.save(merchant=self.request.merchant)


class VariationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly):
    scope_group = "catalog"
    model = Variation
    serializer_class = serializers.VariationSerializer
    read_roles = ALL_STAFF
    filterset_class = filters.VariationFilter
    ordering_fields = ["sku", "price"]

    def perform_create(self, serializer):
        serializer.save(merchant=self.request.merchant)


class OrderViewSet(ReadOnly):
    """Orders with lines and attribution (read only: orders arrive through the signed order API)."""

    scope_group = "orders"
    model = Order
    serializer_class = serializers.OrderSerializer
    read_roles = MANAGERS
    filterset_class = filters.OrderFilter
    ordering_fields = ["placed_at", "total", "number"]

    def scope(self, queryset):
        queryset = queryset.select_related("attribution").prefetch_related("lines")
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(source_store_id=self.staff.store_id)
        return queryset


class AttributionViewSet(ReadOnly):
    """The attribution decision of each order: who is credited and why."""

    scope_group = "orders"
    model = Attribution
    serializer_class = serializers.AttributionSerializer
    read_roles = MANAGERS
    filterset_class = filters.AttributionFilter
    ordering_fields = ["order_at", "decided_at"]

    def scope(self, queryset):
        queryset = queryset.select_related("order")
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset


class RecommendationLinkViewSet(ReadOnly):
    """Recommendation links with their items and click count; store staff see their own links."""

    scope_group = "orders"
    model = RecommendationLink
    serializer_class = serializers.RecommendationLinkSerializer
    read_roles = ALL_STAFF
    filterset_class = filters.LinkFilter
    ordering_fields = ["created_at"]

    def scope(self, queryset):
        queryset = queryset.annotate(click_count=Count("clicks")).prefetch_related("items__variation")
        if self.staff is not None and self.staff.role == Staff.Role.STAFF:
            queryset = queryset.filter(staff=self.staff)
        elif self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset


class CampaignViewSet(ReadOnly):
    """Referral campaigns (partners app)."""

    scope_group = "partners"
    model = Campaign
    serializer_class = serializers.CampaignSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["starts_at", "ends_at", "created_at"]

    def scope(self, queryset):
        return queryset.prefetch_related("products")


class PartnerViewSet(ReadOnly):
    """Partners (KOLs) working with this merchant."""

    scope_group = "partners"
    model = PartnerMembership
    serializer_class = serializers.PartnerSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["joined_at"]

    def scope(self, queryset):
        return queryset.select_related("partner__user")


class CampaignClickViewSet(ReadOnly):
    """Clicks on the campaigns' referral links per day, with the day's orders and commission
    (filter by `campaign`, `since`, `until`). Read from the per-day counters, never the click rows."""

    scope_group = "partners"
    model = CampaignDay
    serializer_class = serializers.CampaignDaySerializer
    filterset_class = filters.CampaignDayFilter
    ordering_fields = ["day", "clicks"]

    def scope(self, queryset):
        return queryset.order_by("-day", "campaign_id")


class PointsAccountViewSet(ReadOnly):
    scope_group = "members"
    model = PointsAccount
    serializer_class = serializers.PointsAccountSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["balance", "created_at"]


class PointsLedgerViewSet(ReadOnly):
    """The append-only points ledger (every earn, redemption, reversal)."""

    scope_group = "members"
    model = PointsLedgerEntry
    serializer_class = serializers.PointsLedgerEntrySerializer
    filterset_class = filters.PointsLedgerFilter
    ordering_fields = ["created_at"]


class ApiKeyViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ReadOnly):
    """The merchant's API keys (merchant admins, signed in: a key cannot mint keys). POST answers the
    key once; DELETE revokes it."""

    model = ApiKey
    serializer_class = serializers.ApiKeySerializer
    authentication_classes = [SessionAuthentication]
    filter_backends = []

    @extend_schema(responses={201: serializers.ApiKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key, raw = api_key_create(merchant=request.merchant, name=data["name"], created_by=request.user,
                                  scopes=data.get("scopes") or serializers.API_KEY_DEFAULT_SCOPES,
                                  expires_at=data.get("expires_at"))
        audit_request(request, action=Action.API_KEY_CREATE, target=key,
                      details={"name": key.name, "prefix": key.prefix, "scopes": key.scopes,
                               "expires_at": key.expires_at.isoformat() if key.expires_at else None})
        key.key = raw
        return Response(serializers.ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        key = self.get_object()
        was_active = key.revoked_at is None
        api_key_revoke(merchant=request.merchant, key=key)
        if was_active:
            audit_request(request, action=Action.API_KEY_REVOKE, target=key, details={"name": key.name, "prefix": key.prefix})
        return Response(status=status.HTTP_204_NO_CONTENT)
