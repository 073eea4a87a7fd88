"""Viewsets of the merchant REST API. Every queryset starts from `for_merchant(request.merchant)`;
writes call the apps' services. The conventions (public ids, strict filters, ETags, ...) live in
base.py; a new resource subclasses `MerchantViewSet` (or `ReadOnly`) and uses `ApiModelSerializer`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers as drf_serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from attribution.models import Attribution
from commerce.models import Order, Product, Variation
from loyalty.models import Offer, PointsAccount, PointsLedgerEntry
from loyalty.services import points_adjust
from members.models import Member
from members.services import member_erase, member_register, member_update
from omo.audit.services import Action, audit_request
from omo.money import money_text
from omo.tenancy.models import ApiKey, Staff, Store
from omo.tenancy.scoping import one_to_one_prefetch
from omo.tenancy.services import staff_invite, staff_resign
from partners import services as partner_services
from partners.models import Campaign, CampaignStats, Invitation, PartnerMembership
from recommendations.models import LinkClick, RecommendationLink
from recommendations.services import link_create
from reports import selectors as report_selectors
from reports import services as report_services
from reports.apis import FiguresSerializer, PerformanceQuerySerializer
from reports.forms import PerformanceFilterForm
from reports.models import ExportJob

from . import filters, publicid, serializers
from .base import (
    ADMIN,
    ALL_STAFF,
    MANAGERS,
    CursorPagination,
    MerchantViewSet,
    Pagination,
    SearchParamFilter,
    StrictOrderingFilter,
)
from .errors import api_validation_error
from .keys import api_key_create, api_key_revoke
from .schema import PagedFiguresSerializer, PerformanceSerializer

DjangoFilterBackend = MerchantViewSet.filter_backends[0]
FILTER_SEARCH_ORDER = [DjangoFilterBackend, SearchParamFilter, StrictOrderingFilter]


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


def _service(call, *args, **kwargs):
    """Run a service; its ValidationError becomes the API's 400 (or 409 for a taken value)."""
    try:
        return call(*args, **kwargs)
    except DjangoValidationError as exc:
        raise api_validation_error(exc) from exc


class StoreViewSet(SoftRemoveMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                   ReadOnly):
    """Stores. Read: every staff role; write: merchant admin. DELETE marks the store removed."""

    scope_group = "catalog"
    model = Store
    serializer_class = serializers.StoreSerializer
    read_roles = ALL_STAFF
    filterset_class = filters.StoreFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.save(merchant=self.request.merchant)


class StaffViewSet(ReadOnly):
    """Staff members. Managers see their own store's staff. Admins invite (POST) and record a
    resignation (POST .../resign/)."""

    scope_group = "staff"
    model = Staff
    serializer_class = serializers.StaffSerializer
    read_roles = MANAGERS
    filterset_class = filters.StaffFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["display_name", "user__email"]
    ordering_fields = ["display_name", "created_at", "updated_at"]

    def scope(self, queryset):
        queryset = queryset.select_related("user")
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset

    @extend_schema(request=serializers.StaffInviteSerializer, responses={201: serializers.StaffSerializer})
    def create(self, request, *args, **kwargs):
        """Invite a person (by email) to a role; a former staff member is taken back on."""
        data = self._valid(serializers.StaffInviteSerializer)
        staff = _service(staff_invite, merchant=request.merchant, **data)
        audit_request(request, action=Action.STAFF_ROLE, target=staff, details={"invited": staff.role})
        return Response(self.get_serializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.StaffSerializer)
    @action(detail=True, methods=["post"])
    def resign(self, request, *args, **kwargs):
        """The staff member left: no sign-in, sharing or credit from now on (past credit stays)."""
        staff = _service(staff_resign, merchant=request.merchant, staff=self.get_object())
        audit_request(request, action=Action.STAFF_ROLE, target=staff, details={"resigned": True})
        return Response(self.get_serializer(staff).data)

    def get_permissions(self):
        if self.action in ("create", "resign"):
            self.write_roles = ADMIN
        return super().get_permissions()

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class MemberViewSet(mixins.CreateModelMixin, ReadOnly):
    """Members. Read: admin and managers; register (POST): any staff role (as on the tablet);
    PATCH (contact details) and erase: admins."""

    scope_group = "members"
    model = Member
    serializer_class = serializers.MemberSerializer
    read_roles = MANAGERS
    write_roles = ALL_STAFF
    filterset_class = filters.MemberFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["created_at", "name", "updated_at"]

    def get_permissions(self):
        if self.action in ("partial_update", "erase"):
            self.write_roles = ADMIN
        return super().get_permissions()

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
        member = _service(member_register, merchant=request.merchant, phone=data.get("phone", ""),
                          email=data.get("email", ""), name=data.get("name", ""), staff=self.staff)
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MemberUpdateSerializer, responses=serializers.MemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change name, phone, email or birthday (the same uniqueness rules as registration)."""
        member = self.get_object()
        serializer = serializers.MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _service(member_update, merchant=request.merchant, member=member, name=data.get("name"),
                          phone=data.get("phone"), email=data.get("email"), birthday=data.get("birthday"),
                          clear_birthday="birthday" in data and data["birthday"] is None)
        return Response(self.get_serializer(member).data)

    @extend_schema(request=None, responses=serializers.MemberSerializer)
    @action(detail=True, methods=["post"])
    def erase(self, request, *args, **kwargs):
        """Erase the person (name, phone, email, birthday, login link). Kept, anonymous: the member
        row with its orders (tax records), points ledger and attribution history, so totals and
        commissions stay right."""
        member = _service(member_erase, merchant=request.merchant, member=self.get_object())
        audit_request(request, action=Action.MEMBER_ERASE, target=member, details={"via": "api"})
        return Response(self.get_serializer(member).data)


class ProductViewSet(SoftRemoveMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                     ReadOnly):
    """Catalog products with their variations. Read: every staff role; write: merchant admin."""

    scope_group = "catalog"
    model = Product
    serializer_class = serializers.ProductSerializer
    read_roles = ALL_STAFF
    filterset_class = filters.ProductFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at"]

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
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["sku", "name", "barcode"]
    ordering_fields = ["sku", "price", "updated_at"]

    def perform_create(self, serializer):
        serializer.save(merchant=self.request.merchant)


class OrderViewSet(ReadOnly):
    """Orders with lines and attribution (read only: orders arrive through the signed order API).
    Cursor-paged, newest change first: follow `next` to page, `updated_after` to sync."""

    scope_group = "orders"
    model = Order
    serializer_class = serializers.OrderSerializer
    read_roles = MANAGERS
    filterset_class = filters.OrderFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["number"]
    ordering_fields = ["placed_at", "updated_at"]
    pagination_class = CursorPagination

    def scope(self, queryset):
        queryset = queryset.prefetch_related(
            one_to_one_prefetch(Order, "attribution", merchant=self.request.merchant), "lines"
        )
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(source_store_id=self.staff.store_id)
        return queryset


class DecisionCursor(CursorPagination):
    ordering = ("-decided_at", "-pk")


class AttributionViewSet(ReadOnly):
    """The attribution decision of each order: who is credited and why (`reason_text` says it)."""

    scope_group = "orders"
    model = Attribution
    serializer_class = serializers.AttributionSerializer
    read_roles = MANAGERS
    filterset_class = filters.AttributionFilter
    ordering_fields = ["order_at", "decided_at", "updated_at"]
    pagination_class = DecisionCursor

    def scope(self, queryset):
        queryset = queryset.select_related("order").annotate(updated_at=F("decided_at"))
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset


class RecommendationLinkViewSet(mixins.CreateModelMixin, ReadOnly):
    """Recommendation links with their items and click count; store staff see their own links.
    POST creates a link for a member (as the share button does: it may earn share points)."""

    scope_group = "orders"
    model = RecommendationLink
    serializer_class = serializers.RecommendationLinkSerializer
    read_roles = ALL_STAFF
    write_roles = ALL_STAFF
    filterset_class = filters.LinkFilter
    ordering_fields = ["created_at", "updated_at"]

    def scope(self, queryset):
        queryset = queryset.annotate(click_count=Count("clicks")).prefetch_related("items__variation")
        if self.staff is not None and self.staff.role == Staff.Role.STAFF:
            queryset = queryset.filter(staff=self.staff)
        elif self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(store_id=self.staff.store_id)
        return queryset

    @extend_schema(request=serializers.LinkCreateSerializer, responses={201: serializers.RecommendationLinkSerializer})
    def create(self, request, *args, **kwargs):
        serializer = serializers.LinkCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sharer = data.get("staff")
        if self.staff is not None and self.staff.role == Staff.Role.STAFF and sharer not in (None, self.staff):
            raise PermissionDenied
        sharer = sharer or self.staff
        if sharer is None:
            raise drf_serializers.ValidationError({"staff": [drf_serializers.ErrorDetail(
                drf_serializers.Field.default_error_messages["required"], code="required")]})
        link = _service(link_create, merchant=request.merchant, staff=sharer, member=data["member"],
                        variations=data["variations"])
        link = self.get_queryset().get(pk=link.pk)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


class ClickCursor(CursorPagination):
    ordering = ("-clicked_at", "-pk")


class LinkClickViewSet(ReadOnly):
    """Clicks on recommendation links (each opening by a signed-in shopper), newest first."""

    scope_group = "orders"
    model = LinkClick
    serializer_class = serializers.LinkClickSerializer
    read_roles = MANAGERS
    filterset_class = filters.LinkClickFilter
    ordering_fields = ["clicked_at", "updated_at"]
    pagination_class = ClickCursor

    def scope(self, queryset):
        queryset = queryset.annotate(updated_at=F("clicked_at"))
        if self.staff is not None and self.staff.role == Staff.Role.MANAGER:
            queryset = queryset.filter(link__store_id=self.staff.store_id)
        return queryset


class CampaignViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly):
    """Referral campaigns. The partner is bound only by accepting an invitation (never set here);
    a campaign's figures are at .../stats/ and its referred orders at commissions/?campaign=."""

    scope_group = "partners"
    model = Campaign
    serializer_class = serializers.CampaignSerializer
    filterset_class = filters.CampaignFilter
    filter_backends = FILTER_SEARCH_ORDER
    search_fields = ["name", "code"]
    ordering_fields = ["starts_at", "ends_at", "created_at", "updated_at"]

    def scope(self, queryset):
        return queryset.prefetch_related("products")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        products = tuple(data.pop("products", []))
        serializer.instance = _service(partner_services.campaign_create, merchant=self.request.merchant,
                                       data=partner_services.CampaignInput(**data, products=products))

    def perform_update(self, serializer):
        campaign = serializer.instance
        changes = dict(serializer.validated_data)
        products = changes.pop("products", None)
        if products is None:
            products = list(Product.objects.for_merchant(self.request.merchant).filter(pk__in=campaign.product_ids()))
        data = {**partner_services.campaign_values(campaign), **changes}
        serializer.instance = _service(partner_services.campaign_update, merchant=self.request.merchant,
                                       campaign=campaign,
                                       data=partner_services.CampaignInput(**data, products=tuple(products)))

    @extend_schema(responses=serializers.CampaignStatsSerializer, parameters=[])
    @action(detail=True, methods=["get"], filter_backends=[])
    def stats(self, request, *args, **kwargs):
        """Running totals over the campaign's counted orders (cancelled ones excluded)."""
        campaign = self.get_object()
        stats = CampaignStats.objects.for_merchant(request.merchant).filter(campaign=campaign).first()
        if stats is None:
            stats = CampaignStats(merchant=request.merchant, campaign=campaign, updated_at=campaign.created_at)
        return Response(serializers.CampaignStatsSerializer(stats).data)


class InvitationViewSet(mixins.CreateModelMixin, ReadOnly):
    """Partner invitations of the campaigns. POST invites (by email and/or the returned link);
    refused (409) once the campaign has its partner."""

    scope_group = "partners"
    model = Invitation
    serializer_class = serializers.InvitationSerializer
    filterset_class = filters.InvitationFilter
    ordering_fields = ["created_at", "updated_at"]

    @extend_schema(request=serializers.InvitationCreateSerializer, responses={201: serializers.InvitationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = serializers.InvitationCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        campaign = serializer.validated_data["campaign"]

        def invite_url(invitation):
            return request.build_absolute_uri(reverse("partners:invite", kwargs={"token": invitation.token}))

        try:
            invitation = partner_services.invitation_create(
                merchant=request.merchant, campaign=campaign, email=serializer.validated_data.get("email", ""),
                invite_url_builder=invite_url,
            )
        except DjangoValidationError as exc:
            raise drf_serializers.ValidationError({"campaign": [
                drf_serializers.ErrorDetail(message, code="unique") for message in exc.messages]}) from exc
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)


class PartnerViewSet(ReadOnly):
    """Partners (KOLs) working with this merchant."""

    scope_group = "partners"
    model = PartnerMembership
    serializer_class = serializers.PartnerSerializer
    filterset_class = filters.PartnerFilter
    ordering_fields = ["joined_at", "updated_at"]

    def scope(self, queryset):
        return queryset.select_related("partner__user")


class PointsAccountViewSet(ReadOnly):
    scope_group = "members"
    model = PointsAccount
    serializer_class = serializers.PointsAccountSerializer
    filterset_class = filters.PointsAccountFilter
    ordering_fields = ["balance", "created_at", "updated_at"]


class LedgerCursor(CursorPagination):
    ordering = ("-created_at", "-pk")


class PointsLedgerViewSet(ReadOnly):
    """The append-only points ledger (every earn, redemption, reversal), cursor-paged."""

    scope_group = "members"
    model = PointsLedgerEntry
    serializer_class = serializers.PointsLedgerEntrySerializer
    filterset_class = filters.PointsLedgerFilter
    ordering_fields = ["created_at", "updated_at"]
    pagination_class = LedgerCursor

    def scope(self, queryset):
        return queryset.annotate(updated_at=F("created_at"))


class PointsAdjustmentViewSet(mixins.CreateModelMixin, MerchantViewSet):
    """A manual points correction (positive or negative) with its reason: one ledger entry."""

    scope_group = "members"
    model = PointsLedgerEntry
    serializer_class = serializers.PointsLedgerEntrySerializer
    filter_backends = []

    @extend_schema(request=serializers.PointsAdjustmentSerializer, responses={201: serializers.PointsLedgerEntrySerializer})
    def create(self, request, *args, **kwargs):
        serializer = serializers.PointsAdjustmentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = _service(points_adjust, merchant=request.merchant, points=data["points"], reason=data["reason"],
                         member=data.get("member"), staff=data.get("staff"))
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class OfferViewSet(ReadOnly):
    """The merchant's loyalty offers (points rules), as configured on the settings pages."""

    scope_group = "members"
    model = Offer
    serializer_class = serializers.OfferSerializer
    filterset_class = filters.OfferFilter
    ordering_fields = ["position", "created_at", "updated_at"]

    def scope(self, queryset):
        return queryset.prefetch_related("stores")


class ExportJobViewSet(mixins.CreateModelMixin, ReadOnly):
    """Order CSV exports run by a worker: status, progress and, when done, `download_url`.
    POST starts one (a signed-in merchant admin: the export records who asked)."""

    scope_group = "orders"
    model = ExportJob
    serializer_class = serializers.ExportJobSerializer
    filterset_class = filters.ExportJobFilter
    ordering_fields = ["created_at", "updated_at"]

    @extend_schema(request=serializers.ExportCreateSerializer, responses={201: serializers.ExportJobSerializer})
    def create(self, request, *args, **kwargs):
        if self.staff is None:
            raise PermissionDenied(translation.gettext("Exports are started by a signed-in merchant admin."))
        serializer = serializers.ExportCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plain = {key: (value.pk if isinstance(value, Store) else str(value)) for key, value in data.items()}
        _filters, plain = _service(report_services.export_filters_parse, merchant=request.merchant, data=plain)
        job = report_services.export_job_create(merchant=request.merchant, staff=self.staff, filters_plain=plain,
                                                language=translation.get_language())
        audit_request(request, action=Action.EXPORT_ORDERS, target=job, details={"filters": plain, "job": job.pk})
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY}, parameters=[])
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request, *args, **kwargs):
        """The CSV file of a finished export (404 until it is done)."""
        job = self.get_object()
        if job.status != ExportJob.Status.DONE or not job.file:
            raise NotFound
        filename = job.file.name.rsplit("/", 1)[-1]
        audit_request(request, action=Action.EXPORT_ORDERS, target=job, details={"download": filename})
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type="text/csv")


RANKING_PARAMETERS = [
    PerformanceQuerySerializer,
    OpenApiParameter("page", int, description="page number (1 first)"),
    OpenApiParameter("page_size", int, description="rows per page (at most 200)"),
]


class PerformanceViewSet(MerchantViewSet):
    """The performance overview's figures (same scoping as the page: admins and API keys see the
    merchant, managers their store, staff themselves)."""

    scope_group = "orders"
    model = Order
    read_roles = ALL_STAFF
    filter_backends = []
    pagination_class = None
    extra_query_params = ("range", "start", "end", "store", "page", "page_size")
    serializer_class = PerformanceSerializer

    def _result(self, request):
        params = request.query_params.copy()
        if params.get("store"):
            store_pk = publicid.decode(publicid.prefix_for(Store), params["store"])
            if store_pk is None:
                raise drf_serializers.ValidationError({"store": [drf_serializers.ErrorDetail(
                    translation.gettext("Not a valid id."), code="invalid")]})
            params["store"] = str(store_pk)
        form = PerformanceFilterForm(params, merchant=request.merchant)
        if not form.is_valid():
            raise drf_serializers.ValidationError(form.errors)
        store_id = form.cleaned_data.get("store")
        try:
            if self.staff is None:  # an API key: the merchant's view
                if store_id and not Store.objects.for_merchant(request.merchant).filter(pk=store_id).exists():
                    raise Http404
                scope = report_selectors.Scope(store_id=store_id or None)
            else:
                scope = report_selectors.performance_scope(merchant=request.merchant, viewer=self.staff,
                                                           store_id=store_id)
        except Http404 as exc:
            raise NotFound from exc
        return report_selectors.performance_get(merchant=request.merchant, scope=scope,
                                                period=form.cleaned_data["period"])

    @staticmethod
    def _period(period):
        return {"range": period.key, "first_day": period.first_day.isoformat(),
                "last_day": period.last_day.isoformat(), "start": period.start.isoformat(),
                "end": period.end.isoformat(), "timezone": str(period.tz)}

    @extend_schema(parameters=[PerformanceQuerySerializer], responses=PerformanceSerializer)
    def list(self, request, *args, **kwargs):
        """Totals and the chart series of the range (local hours for one day, else local dates)."""
        result = self._result(request)
        totals = FiguresSerializer(result.totals, context={"merchant": request.merchant}).data
        return Response({
            "period": self._period(result.period),
            "totals": {key: totals[key] for key in ("orders", "sales", "average", "new_members")},
            "series": [
                {"bucket": str(bucket) if isinstance(bucket, int) else bucket.isoformat(), "orders": orders,
                 "sales": money_text(sales, request.merchant.currency)}
                for bucket, orders, sales in result.series
            ],
        })

    def _ranking(self, request, attribute):
        result = self._result(request)
        rows = [{**FiguresSerializer(row, context={"merchant": request.merchant}).data,
                 "id": publicid.public_id_of(Staff if attribute == "staff" else Store, row.id) if row.id else None}
                for row in getattr(result, attribute)]
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        response = paginator.get_paginated_response(page)
        response.data["period"] = self._period(result.period)
        return response

    @extend_schema(parameters=RANKING_PARAMETERS, responses=PagedFiguresSerializer)
    @action(detail=False, methods=["get"], url_path="staff")
    def staff_ranking(self, request, *args, **kwargs):
        """Per staff member, ranked by sales: only yourself as staff, your store's staff as manager."""
        return self._ranking(request, "staff")

    @extend_schema(parameters=RANKING_PARAMETERS, responses=PagedFiguresSerializer)
    @action(detail=False, methods=["get"], url_path="stores")
    def store_ranking(self, request, *args, **kwargs):
        """Per store, ranked by sales (empty for store staff, who see only their own figures)."""
        return self._ranking(request, "stores")


class ApiKeyViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ReadOnly):
    """The merchant's API keys (merchant admins, signed in: a key cannot mint keys). POST answers the
    key once; DELETE revokes it."""

    model = ApiKey
    serializer_class = serializers.ApiKeySerializer
    authentication_classes = [SessionAuthentication]
    filterset_class = filters.ApiKeyFilter
    ordering_fields = ["created_at", "updated_at"]

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

