"""OpenAPI additions for endpoints of other apps, without touching their code (drf-spectacular
extensions): the performance totals endpoint returns a hand-built dict, described here."""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from reports.apis import PerformanceQuerySerializer


class PeriodSerializer(serializers.Serializer):
    range = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    timezone = serializers.CharField()


class PerformanceTotalsSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    sales = serializers.DecimalField(max_digits=16, decimal_places=2)
    average = serializers.DecimalField(max_digits=16, decimal_places=2)
    new_members = serializers.IntegerField()


class PerformanceBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="Local hour (0-23) for a one-day range, else the local date.")
    orders = serializers.IntegerField()
    sales = serializers.DecimalField(max_digits=16, decimal_places=2)


class PerformanceSerializer(serializers.Serializer):
    period = PeriodSerializer()
    totals = PerformanceTotalsSerializer()
    series = PerformanceBucketSerializer(many=True)


class PerformanceApiSchema(OpenApiViewExtension):
    target_class = "reports.apis.PerformanceApi"

    def view_replacement(self):
        class Described(self.target_class):
            serializer_class = PerformanceSerializer

            @extend_schema(parameters=[PerformanceQuerySerializer], responses=PerformanceSerializer)
            def get(self, request, merchant):
                return super().get(request, merchant)

        return Described
