"""Serializers of the performance overview's figures, used by the API's performance resource
(omo.api.views.PerformanceViewSet, /m/<merchant>/api/v1/performance/)."""

from rest_framework import serializers

from omo.api.money import MoneyField


class FiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    store = serializers.CharField()
    rank = serializers.IntegerField()
    orders = serializers.IntegerField(help_text="Credited orders, cancelled ones excluded.")
    sales = MoneyField(help_text="Order amount of those orders.")
    average = MoneyField(help_text="Average order value.")
    new_members = serializers.IntegerField(help_text="Members registered by staff.")


class PerformanceQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=["today", "7d", "30d", "custom"], required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    store = serializers.CharField(required=False, help_text="public id of a store (store_...)")
