"""REST API of the performance overview: the page's figures, same scoping (session auth)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from omo.tenancy.access import current_staff

from . import selectors
from .forms import PerformanceFilterForm


class IsMerchantStaff(BasePermission):
    """Employed staff of the URL's merchant; anyone else gets 404 (as on the pages)."""

    def has_permission(self, request, view):
        staff = current_staff(request)
        if staff is None:
            raise NotFound
        request.staff = staff
        return True


class FiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    store = serializers.CharField()
    rank = serializers.IntegerField()
    orders = serializers.IntegerField(help_text="Credited orders, cancelled ones excluded.")
    sales = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Order amount of those orders.")
    average = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Average order value.")
    new_members = serializers.IntegerField(help_text="Members registered by staff.")


class PerformanceQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=["today", "7d", "30d", "custom"], required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    store = serializers.IntegerField(required=False)


class _PerformanceApi(APIView):
    permission_classes = [IsMerchantStaff]

    def performance(self, request):
        form = PerformanceFilterForm(request.query_params, merchant=request.merchant)
        if not form.is_valid():
            raise ApiValidationError(form.errors)
        scope = selectors.performance_scope(
            merchant=request.merchant, viewer=request.staff, store_id=form.cleaned_data.get("store")
        )
        return selectors.performance_get(merchant=request.merchant, scope=scope, period=form.cleaned_data["period"])

    @staticmethod
    def period_json(period):
        return {
            "range": period.key,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "timezone": str(period.tz),
        }


class PerformanceApi(_PerformanceApi):
    """Totals and the chart series of the range (local hours for one day, else local dates)."""

    @extend_schema(parameters=[PerformanceQuerySerializer])
    def get(self, request, merchant):
        result = self.performance(request)
        totals = FiguresSerializer(result.totals).data
        return Response(
            {
                "period": self.period_json(result.period),
                "totals": {key: totals[key] for key in ("orders", "sales", "average", "new_members")},
                "series": [
                    {"bucket": bucket if isinstance(bucket, int) else bucket.isoformat(), "orders": orders, "sales": f"{sales:.2f}"}
                    for bucket, orders, sales in result.series
                ],
            }
        )


class _RankingApi(_PerformanceApi):
    rows_attribute = ""

    @extend_schema(parameters=[PerformanceQuerySerializer], responses=FiguresSerializer(many=True))
    def get(self, request, merchant):
        result = self.performance(request)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(getattr(result, self.rows_attribute), request, view=self)
        response = paginator.get_paginated_response(FiguresSerializer(page, many=True).data)
        response.data["period"] = self.period_json(result.period)
        return response


class PerformanceStaffApi(_RankingApi):
    """Per staff member, ranked by sales: only yourself as staff, your store's staff as manager."""

    rows_attribute = "staff"


class PerformanceStoresApi(_RankingApi):
    """Per store, ranked by sales (empty for store staff, who see only their own figures)."""

    rows_attribute = "stores"
