"""Merchant API for the partner commission lifecycle: commissions (approve / reject), payouts (create,
mark paid), adjustments, commission tiers and a campaign's payout terms. Registered in omo/api/urls.py
on the same base viewset as every resource; each write calls one service of partners/payouts.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters import rest_framework as django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from omo.errors import error_details
from partners import payout_selectors, payouts
from partners.models import Campaign, Commission, CommissionAdjustment, CommissionTier, Payout, PayoutLine

from .filters import IdFilter
from .views import MerchantViewSet, ReadOnly


def _service(call, **kwargs):
    try:
        return call(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(error_details(exc)) from exc


# --- serializers ------------------------------------------------------------------------------


class CommissionSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="campaign_order.order.number", read_only=True)
    placed_at = serializers.DateTimeField(source="campaign_order.placed_at", read_only=True)
    payout = serializers.IntegerField(source="payout_line.payout_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Commission
        fields = ["id", "campaign", "order", "placed_at", "status", "amount", "sales", "completed_at", "due_at",
                  "decided_at", "reject_reason", "payout", "paid_at"]
        read_only_fields = fields


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PayoutLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutLine
        fields = ["id", "partner", "commission_total", "adjustment_total", "amount"]
        read_only_fields = fields


class PayoutSerializer(serializers.ModelSerializer):
    lines = PayoutLineSerializer(many=True, read_only=True)

    class Meta:
        model = Payout
        fields = ["id", "period_start", "period_end", "currency", "status", "total", "created_at", "paid_at", "lines"]
        read_only_fields = ["id", "status", "total", "created_at", "paid_at", "lines"]

    def to_representation(self, payout):
        data = super().to_representation(payout)
        data["lines"] = PayoutLineSerializer(
            payout_selectors.payout_lines(merchant=payout.merchant_id, payout=payout), many=True
        ).data
        return data


class AdjustmentSerializer(serializers.ModelSerializer):
    payout = serializers.IntegerField(source="payout_line.payout_id", read_only=True, allow_null=True, default=None)
    commission = serializers.IntegerField(source="commission_id")

    class Meta:
        model = CommissionAdjustment
        fields = ["id", "commission", "campaign", "amount", "reason", "created_at", "payout"]
        read_only_fields = ["id", "campaign", "created_at", "payout"]


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionTier
        fields = ["id", "campaign", "from_sales", "rate"]
        read_only_fields = fields


class TierInputSerializer(serializers.Serializer):
    from_sales = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class PayoutTermsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(read_only=True)
    return_window_days = serializers.IntegerField(min_value=0, max_value=payouts.MAX_RETURN_WINDOW_DAYS)
    tiers = TierInputSerializer(many=True)


# --- filters ------------------------------------------------------------------------------------


# Foreign keys as plain ids: a ModelChoiceFilter would build a queryset on the scoped managers.
class CommissionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Commission.Status.choices)
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = Commission
        fields = []


class AdjustmentFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    commission = IdFilter(field_name="commission_id")
    open = django_filters.BooleanFilter(field_name="payout_line", lookup_expr="isnull", label="not yet in a payout")

    class Meta:
        model = CommissionAdjustment
        fields = []


class PayoutFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Payout.Status.choices)
    currency = django_filters.CharFilter()

    class Meta:
        model = Payout
        fields = []


class TierFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = CommissionTier
        fields = []


# --- viewsets -------------------------------------------------------------------------------


class CommissionViewSet(ReadOnly):
    """Referred orders' commissions and their state; approve early or reject with a reason."""

    scope_group = "partners"
    model = Commission
    serializer_class = CommissionSerializer
    filterset_class = CommissionFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["due_at", "amount"]

    def scope(self, queryset):
        return queryset.select_related("campaign_order__order", "payout_line")

    @extend_schema(request=None, responses=CommissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        item = _service(payouts.commission_approve, merchant=request.merchant, commission=self.get_object(),
                        actor=request.user)
        return Response(CommissionSerializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=RejectSerializer, responses=CommissionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        item = self.get_object()  # another merchant's id: 404 before any validation
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = _service(payouts.commission_reject, merchant=request.merchant, commission=item,
                        reason=body.validated_data["reason"], actor=request.user)
        return Response(CommissionSerializer(self.get_queryset().get(pk=item.pk)).data)


class PayoutViewSet(mixins.CreateModelMixin, ReadOnly):
    """Payout batches per period and currency. POST creates one; POST {id}/paid/ marks it paid."""

    scope_group = "partners"
    model = Payout
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at"]

    def create(self, request, *args, **kwargs):
        body = PayoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        payout = _service(payouts.payout_create, merchant=request.merchant, period_start=data["period_start"],
                          period_end=data["period_end"], currency=data["currency"], actor=request.user)
        return Response(PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PayoutSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request, *args, **kwargs):
        payout = _service(payouts.payout_mark_paid, merchant=request.merchant, payout=self.get_object(),
                          actor=request.user)
        return Response(PayoutSerializer(payout).data)


class AdjustmentViewSet(mixins.CreateModelMixin, ReadOnly):
    """Adjustments to commissions already in a payout (made by returns/refunds after payment, or
    entered here), carried into the partner's next payout."""

    scope_group = "partners"
    model = CommissionAdjustment
    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at"]

    def scope(self, queryset):
        return queryset.select_related("payout_line")

    def create(self, request, *args, **kwargs):
        body = AdjustmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            item = payout_selectors.commission_get(merchant=request.merchant, commission_id=data["commission_id"])
        except Http404 as exc:
            raise ValidationError({"commission": ["Unknown commission."]}) from exc
        adjustment = _service(payouts.adjustment_create, merchant=request.merchant, commission=item,
                              amount=data["amount"], reason=data["reason"], actor=request.user)
        return Response(AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class CommissionTierViewSet(ReadOnly):
    """Commission tiers of the campaigns (set through campaign-payout-terms)."""

    scope_group = "partners"
    model = CommissionTier
    serializer_class = TierSerializer
    filterset_class = TierFilter
    filter_backends = [DjangoFilterBackend]


class CampaignPayoutTermsViewSet(MerchantViewSet):
    """A campaign's return window and tiers, by campaign id: GET, PUT (replaces the tiers)."""

    scope_group = "partners"
    model = Campaign
    serializer_class = PayoutTermsSerializer
    filter_backends = []

    def _terms(self, campaign):
        days, tiers = payout_selectors.payout_terms(merchant=self.request.merchant, campaign=campaign)
        return {"campaign": campaign.pk, "return_window_days": days,
                "tiers": [{"from_sales": t.from_sales, "rate": t.rate} for t in tiers]}

    def _campaign(self):
        try:
            return self.get_object()
        except Http404 as exc:
            raise NotFound from exc

    def retrieve(self, request, *args, **kwargs):
        return Response(PayoutTermsSerializer(self._terms(self._campaign())).data)

    def update(self, request, *args, **kwargs):
        campaign = self._campaign()
        body = PayoutTermsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        _service(payouts.campaign_payout_terms_set, merchant=request.merchant, campaign=campaign,
                 return_window_days=data["return_window_days"],
                 tiers=[payouts.TierInput(**tier) for tier in data["tiers"]], actor=request.user)
        return Response(PayoutTermsSerializer(self._terms(campaign)).data)
