"""Merchant API for partners' money: commissions (one per referred order, with its lifecycle and the
approve / reject actions), payouts (create, mark paid), adjustments, commission tiers, a campaign's
payout terms and the campaigns' clicks per day. Every resource follows the API conventions of base.py
(public ids, `updated_at` / `updated_after`, strict filters, ETags); each write calls one service of
partners/payouts.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import DateTimeField, F
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from commerce.models import Order
from omo.tenancy.scoping import one_to_one_prefetch
from partners import payout_selectors, payouts
from partners.models import (
    Campaign,
    CampaignDay,
    CampaignOrder,
    Commission,
    CommissionAdjustment,
    CommissionTier,
    Partner,
    Payout,
    PayoutLine,
)

from .base import ApiModelSerializer, PublicIdField, PublicIdFilter, PublicIdRelatedField
from .errors import Conflict, api_validation_error
from .money import MoneyField
from .filters import SyncFilterSet, UtcDateTimeFilter
from .ordering import StrictOrderingFilter
from .views import DjangoFilterBackend, ReadOnly

# A transition refused because of the commission's state: 409 (the request itself was fine).
STATE_CODES = {"not_pending", "in_payout"}


def _service(call, **kwargs):
    """Run a service: a refused state transition is a 409, any other ValidationError a 400."""
    try:
        return call(**kwargs)
    except DjangoValidationError as exc:
        codes = {error.code for error in getattr(exc, "error_list", [])} if not hasattr(exc, "error_dict") else set()
        if codes & STATE_CODES:
            raise Conflict(detail=exc.messages[0], code=next(iter(codes & STATE_CODES))) from exc
        raise api_validation_error(exc) from exc


class AliasOrderingFilter(StrictOrderingFilter):
    """`ordering` by the public field names of `ordering_fields`; `view.ordering_aliases` maps one
    to the query's own expression (e.g. `updated_at` of a commission is its last change)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        aliases = getattr(view, "ordering_aliases", {})
        if not ordering:
            return ordering
        return [("-" if field.startswith("-") else "") + aliases.get(field.lstrip("-"), field.lstrip("-"))
                for field in ordering]


FILTER_ORDER = [DjangoFilterBackend, AliasOrderingFilter]


# --- commissions ------------------------------------------------------------------------------


class CommissionSerializer(ApiModelSerializer):
    """The commission of one referred order: its figures, and its lifecycle (pending -> approved ->
    paid, or rejected with a reason)."""

    order_number = serializers.CharField(source="order.number", read_only=True)
    status = serializers.ChoiceField(source="lifecycle.status", choices=Commission.Status.choices, read_only=True,
                                     allow_null=True)
    amount = MoneyField(source="lifecycle.amount", read_only=True, allow_null=True,
                                      help_text="what is owed: the commission while the order counts, "
                                                "frozen once in a payout")
    sales = MoneyField(source="lifecycle.sales", read_only=True, allow_null=True,
                                     help_text="settled sales (the base of the commission tiers)")
    completed_at = serializers.DateTimeField(source="lifecycle.completed_at", read_only=True, allow_null=True)
    due_at = serializers.DateTimeField(source="lifecycle.due_at", read_only=True, allow_null=True,
                                       help_text="approved automatically at (end of the return window)")
    decided_at = serializers.DateTimeField(source="lifecycle.decided_at", read_only=True, allow_null=True)
    reject_reason = serializers.CharField(source="lifecycle.reject_reason", read_only=True, allow_null=True)
    payout = PublicIdRelatedField(model=Payout, source="lifecycle.payout_line.payout_id", read_only=True,
                                  allow_null=True)
    paid_at = serializers.DateTimeField(source="lifecycle.paid_at", read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(source="last_change", read_only=True,
                                           help_text="last change of the figures or of the lifecycle")

    class Meta:
        model = CampaignOrder
        fields = ["id", "order", "order_number", "campaign", "placed_at", "order_total", "settlement", "commission",
                  "counted", "computed_at", "status", "amount", "sales", "completed_at", "due_at", "decided_at",
                  "reject_reason", "payout", "paid_at", "updated_at"]
        read_only_fields = fields


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CommissionFilter(SyncFilterSet):
    updated_field = "last_change"
    campaign = PublicIdFilter(field_name="campaign_id", model=Campaign)
    order = PublicIdFilter(field_name="order_id", model=Order)
    counted = filters.BooleanFilter()
    status = filters.ChoiceFilter(field_name="lifecycle__status", choices=Commission.Status.choices)
    payout = PublicIdFilter(field_name="lifecycle__payout_line__payout_id", model=Payout)
    due_before = UtcDateTimeFilter(field_name="lifecycle__due_at", lookup_expr="lt",
                                   help_text="approved automatically before this time (ISO 8601)")

    class Meta:
        model = CampaignOrder
        fields = []


class CommissionViewSet(ReadOnly):
    """The commission of each order a campaign referred: the order's figures and the commission's
    state. POST {id}/approve/ approves a pending one early; POST {id}/reject/ rejects one not yet in
    a payout (with the reason the partner sees). A commission in another state: 409."""

    scope_group = "partners"
    model = CampaignOrder
    serializer_class = CommissionSerializer
    filterset_class = CommissionFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["placed_at", "due_at", "amount", "updated_at"]
    ordering_aliases = {"updated_at": "last_change", "due_at": "lifecycle__due_at", "amount": "lifecycle__amount"}

    def scope(self, queryset):
        return queryset.select_related("order").prefetch_related(
            one_to_one_prefetch(CampaignOrder, "lifecycle", merchant=self.request.merchant, select_related=("payout_line",))
        ).annotate(
            last_change=Greatest("updated_at", Coalesce("lifecycle__updated_at", "updated_at"),
                                 output_field=DateTimeField()))

    def _lifecycle(self):
        record = self.get_object()
        item = Commission.objects.for_merchant(self.request.merchant).filter(campaign_order=record).first()
        if item is None:
            raise Conflict(detail=gettext_lazy("This order has no commission yet."), code="not_pending")
        return record, item

    def _answer(self, record):
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(request=None, responses=CommissionSerializer, parameters=[])
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, *args, **kwargs):
        record, item = self._lifecycle()
        _service(payouts.commission_approve, merchant=request.merchant, commission=item, actor=request.user)
        return self._answer(record)

    @extend_schema(request=RejectSerializer, responses=CommissionSerializer, parameters=[])
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, *args, **kwargs):
        record, item = self._lifecycle()  # another merchant's id: 404 before any validation
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _service(payouts.commission_reject, merchant=request.merchant, commission=item,
                 reason=body.validated_data["reason"], actor=request.user)
        return self._answer(record)


# --- payouts ------------------------------------------------------------------------------------


class PayoutLineSerializer(ApiModelSerializer):
    partner = PublicIdRelatedField(model=Partner, read_only=True)

    class Meta:
        model = PayoutLine
        fields = ["id", "partner", "commission_total", "adjustment_total", "amount"]
        read_only_fields = fields


class PayoutSerializer(ApiModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = ["id", "period_start", "period_end", "currency", "status", "total", "created_at", "paid_at",
                  "lines", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(PayoutLineSerializer(many=True))
    def get_lines(self, payout) -> list:
        return PayoutLineSerializer(
            payout_selectors.payout_lines(merchant=payout.merchant_id, payout=payout), many=True,
            context=self.context).data


class PayoutCreateSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currency = serializers.CharField(min_length=3, max_length=3)


class PayoutFilter(SyncFilterSet):
    status = filters.ChoiceFilter(choices=Payout.Status.choices)
    currency = filters.CharFilter()

    class Meta:
        model = Payout
        fields = []


class PayoutViewSet(mixins.CreateModelMixin, ReadOnly):
    """Payout batches per period and currency. POST creates one from the approved commissions and
    open adjustments; POST {id}/paid/ marks it paid (its commissions become paid)."""

    scope_group = "partners"
    model = Payout
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["created_at", "updated_at"]

    @extend_schema(request=PayoutCreateSerializer, responses={201: PayoutSerializer})
    def create(self, request, *args, **kwargs):
        body = PayoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        payout = _service(payouts.payout_create, merchant=request.merchant, period_start=data["period_start"],
                          period_end=data["period_end"], currency=data["currency"].upper(), actor=request.user)
        return Response(self.get_serializer(payout).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PayoutSerializer, parameters=[])
    @action(detail=True, methods=["post"], filter_backends=[])
    def paid(self, request, *args, **kwargs):
        payout = _service(payouts.payout_mark_paid, merchant=request.merchant, payout=self.get_object(),
                          actor=request.user)
        return Response(self.get_serializer(payout).data)


# --- adjustments --------------------------------------------------------------------------------


class AdjustmentSerializer(ApiModelSerializer):
    commission = PublicIdRelatedField(model=CampaignOrder, source="commission.campaign_order_id", read_only=True,
                                      help_text="the commission (referred order) adjusted")
    campaign = PublicIdRelatedField(model=Campaign, read_only=True)
    payout = PublicIdRelatedField(model=Payout, source="payout_line.payout_id", read_only=True, allow_null=True,
                                  help_text="the payout that carried it (null while open)")

    class Meta:
        model = CommissionAdjustment
        fields = ["id", "commission", "campaign", "amount", "reason", "created_at", "payout", "updated_at"]
        read_only_fields = fields


class AdjustmentCreateSerializer(serializers.Serializer):
    commission = PublicIdRelatedField(queryset=CampaignOrder._base_manager.none())
    amount = MoneyField()
    reason = serializers.CharField(max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["commission"].queryset = CampaignOrder.objects.for_merchant(merchant)


class AdjustmentFilter(SyncFilterSet):
    campaign = PublicIdFilter(field_name="campaign_id", model=Campaign)
    commission = PublicIdFilter(field_name="commission__campaign_order_id", model=CampaignOrder)
    payout = PublicIdFilter(field_name="payout_line__payout_id", model=Payout)
    open = filters.BooleanFilter(field_name="payout_line", lookup_expr="isnull", help_text="not yet in a payout")

    class Meta:
        model = CommissionAdjustment
        fields = []


class AdjustmentViewSet(mixins.CreateModelMixin, ReadOnly):
    """Adjustments to commissions already in a payout (made by returns/refunds after payment, or
    entered here), carried into the partner's next payout."""

    scope_group = "partners"
    model = CommissionAdjustment
    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["created_at", "updated_at"]

    def scope(self, queryset):
        return queryset.select_related("commission", "payout_line")

    @extend_schema(request=AdjustmentCreateSerializer, responses={201: AdjustmentSerializer})
    def create(self, request, *args, **kwargs):
        body = AdjustmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item = Commission.objects.for_merchant(request.merchant).filter(campaign_order=data["commission"]).first()
        if item is None:
            raise Conflict(detail=gettext_lazy("This order has no commission yet."), code="not_pending")
        adjustment = _service(payouts.adjustment_create, merchant=request.merchant, commission=item,
                              amount=data["amount"], reason=data["reason"], actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=adjustment.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- tiers and payout terms -----------------------------------------------------------------------


class TierSerializer(ApiModelSerializer):
    campaign = PublicIdRelatedField(model=Campaign, read_only=True)

    class Meta:
        model = CommissionTier
        fields = ["id", "campaign", "from_sales", "rate", "updated_at"]
        read_only_fields = fields


class TierFilter(SyncFilterSet):
    campaign = PublicIdFilter(field_name="campaign_id", model=Campaign)

    class Meta:
        model = CommissionTier
        fields = []


class CommissionTierViewSet(ReadOnly):
    """Commission tiers of the campaigns (set through campaign-payout-terms, which replaces them:
    a tier's id changes when its campaign's tiers are set again)."""

    scope_group = "partners"
    model = CommissionTier
    serializer_class = TierSerializer
    filterset_class = TierFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["from_sales", "updated_at"]


class TierInputSerializer(serializers.Serializer):
    from_sales = MoneyField(min_value=0)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class PayoutTermsSerializer(serializers.Serializer):
    """A campaign's payout terms, addressed by the campaign's id."""

    id = PublicIdField(model=Campaign, help_text="the campaign's id")
    return_window_days = serializers.IntegerField(min_value=0, max_value=payouts.MAX_RETURN_WINDOW_DAYS)
    tiers = TierInputSerializer(many=True)
    updated_at = serializers.DateTimeField(source="terms_changed_at", read_only=True,
                                           help_text="last change of the terms (the campaign's creation if never set)")

    def to_representation(self, campaign):
        days, tiers = payout_selectors.payout_terms(merchant=campaign.merchant_id, campaign=campaign)
        return {
            "id": self.fields["id"].to_representation(campaign.pk),
            "return_window_days": days,
            "tiers": TierInputSerializer([{"from_sales": t.from_sales, "rate": t.rate} for t in tiers], many=True).data,
            "updated_at": self.fields["updated_at"].to_representation(campaign.terms_changed_at),
        }


class PayoutTermsFilter(SyncFilterSet):
    updated_field = "terms_changed_at"

    class Meta:
        model = Campaign
        fields = []


class CampaignPayoutTermsViewSet(mixins.UpdateModelMixin, ReadOnly):
    """Each campaign's return window and commission tiers, by campaign id: GET, PUT (replaces the
    tiers; its orders are recomputed). PATCH is not offered: the tiers are one list."""

    scope_group = "partners"
    model = Campaign
    serializer_class = PayoutTermsSerializer
    filterset_class = PayoutTermsFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["updated_at"]
    ordering_aliases = {"updated_at": "terms_changed_at"}
    http_method_names = ["get", "put", "head", "options"]

    def scope(self, queryset):
        return queryset.annotate(terms_changed_at=Coalesce("payout_terms__updated_at", F("created_at")))

    def update(self, request, *args, **kwargs):
        campaign = self.get_object()  # another merchant's id: 404 before any validation
        body = PayoutTermsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        _service(payouts.campaign_payout_terms_set, merchant=request.merchant, campaign=campaign,
                 return_window_days=data["return_window_days"],
                 tiers=[payouts.TierInput(**tier) for tier in data["tiers"]], actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=campaign.pk)).data)


# --- clicks per day -------------------------------------------------------------------------------


class CampaignDaySerializer(ApiModelSerializer):
    """One campaign's day: counted link clicks (no bots, one per visitor per 30 minutes) and the
    counted orders placed that day with their total and commission."""

    campaign = PublicIdRelatedField(model=Campaign, read_only=True)

    class Meta:
        model = CampaignDay
        fields = ["id", "campaign", "day", "clicks", "order_count", "order_total", "commission", "updated_at"]
        read_only_fields = fields


class CampaignDayFilter(SyncFilterSet):
    """Per-day clicks of the referral campaigns: by campaign and by day (the merchant's calendar)."""

    campaign = PublicIdFilter(field_name="campaign_id", model=Campaign)
    since = filters.DateFilter(field_name="day", lookup_expr="gte", help_text="from this day (inclusive)")
    until = filters.DateFilter(field_name="day", lookup_expr="lte", help_text="to this day (inclusive)")

    class Meta:
        model = CampaignDay
        fields = []


class CampaignClickViewSet(ReadOnly):
    """Clicks on the campaigns' referral links per day, with the day's orders and commission
    (filter by `campaign`, `since`, `until`). Read from the per-day counters, never the click rows."""

    scope_group = "partners"
    model = CampaignDay
    serializer_class = CampaignDaySerializer
    filterset_class = CampaignDayFilter
    filter_backends = FILTER_ORDER
    ordering_fields = ["day", "clicks", "updated_at"]

    def scope(self, queryset):
        return queryset.order_by("-day", "campaign_id")
