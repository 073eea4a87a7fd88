"""Serializers of the merchant REST API: shape JSON only; writes go through the views' services."""

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attribution.models import Attribution
from commerce.models import Order, OrderLine, Product, Variation
from loyalty.models import PointsAccount, PointsLedgerEntry
from members.masking import mask_email, mask_phone
from members.models import Member
from omo.tenancy.models import API_SCOPE_GROUPS, API_SCOPE_READ, API_SCOPE_WRITE, ApiKey, Staff, Store
from omo.tenancy.validators import validate_product_image_url
from partners.models import Campaign, CampaignDay, PartnerMembership
from recommendations.models import RecommendationItem, RecommendationLink


class StoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "name", "code", "attributes", "removed_at", "created_at"]
        read_only_fields = ["id", "removed_at", "created_at"]

    def validate_attributes(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Attributes must be a JSON object."))
        if "\\u0000" in json.dumps(value):  # PostgreSQL's jsonb cannot store a NUL character
            raise serializers.ValidationError(_("Attributes must not contain NUL characters."))
        return value

    def validate_code(self, value):
        stores = Store.objects.for_merchant(self.context["merchant"]).filter(code=value)
        if self.instance is not None:
            stores = stores.exclude(pk=self.instance.pk)
        if stores.exists():
            raise serializers.ValidationError(_("Another store already has this code."))
        return value


class StaffSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    store = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Staff
        fields = ["id", "display_name", "email", "role", "store", "resigned_at", "created_at"]


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "name", "phone", "email", "birthday", "registered_by", "registered_store", "created_at"]
        read_only_fields = ["id", "birthday", "registered_by", "registered_store", "created_at"]
        extra_kwargs = {"phone": {"help_text": "Any local or E.164 form; stored as E.164. Masked in lists read "
                                                "by store managers (full on the member's own, audited, read)."}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("mask_contact"):
            data["phone"] = mask_phone(data.get("phone") or "")
            data["email"] = mask_email(data.get("email") or "")
        return data


class VariationSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product._base_manager.none())

    class Meta:
        model = Variation
        fields = ["id", "product", "name", "sku", "barcode", "price"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:  # another merchant's product id is "does not exist"
            self.fields["product"].queryset = Product.objects.for_merchant(merchant)

    def validate_sku(self, value):
        variations = Variation.objects.for_merchant(self.context["merchant"]).filter(sku=value)
        if self.instance is not None:
            variations = variations.exclude(pk=self.instance.pk)
        if variations.exists():
            raise serializers.ValidationError(_("Another variation already has this SKU."))
        return value


class ProductVariationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variation
        fields = ["id", "name", "sku", "barcode", "price"]


class ProductSerializer(serializers.ModelSerializer):
    variations = ProductVariationSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category", "kind", "published", "removed_at", "image_url", "description",
                  "variations", "created_at"]
        read_only_fields = ["id", "removed_at", "created_at"]
        extra_kwargs = {"image_url": {"help_text": "HTTPS, on one of the merchant's image hosts."}}

    def validate_image_url(self, value):
        merchant = self.context.get("merchant")
        if merchant is not None:
            validate_product_image_url(merchant, value)
        return value


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "variation", "product_name", "sku", "kind", "category", "quantity", "unit_price",
                  "line_subtotal", "returned_quantity", "returned_amount", "recommended"]


class OrderAttributionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attribution
        fields = ["reason", "store", "staff", "link", "click_at", "decided_at"]


class OrderSerializer(serializers.ModelSerializer):
    channel_group = serializers.CharField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    attribution = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id", "number", "member", "channel", "channel_group", "created_from", "source_store", "closing_staff",
            "recommendation_token", "campaign_code", "parent", "status", "payment_status", "payment_method", "delivery_status",
            "placed_at", "currency", "item_subtotal", "discounts", "store_credit", "points_redeemed", "shipping",
            "surcharge", "tax", "total", "paid_amount", "unpaid_amount", "returned_amount", "is_preorder",
            "preorder_paid", "preorder_outstanding", "edited_amount", "lines", "attribution", "created_at",
            "updated_at",
        ]

    def get_attribution(self, order) -> OrderAttributionSerializer(allow_null=True):
        attribution = getattr(order, "attribution", None)
        return OrderAttributionSerializer(attribution).data if attribution is not None else None


class AttributionSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    credited = serializers.BooleanField(read_only=True)

    class Meta:
        model = Attribution
        fields = ["id", "order", "order_number", "reason", "credited", "store", "staff", "link", "click",
                  "click_at", "order_at", "decided_at"]


class RecommendationItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variation.sku", read_only=True)

    class Meta:
        model = RecommendationItem
        fields = ["variation", "sku", "position"]


class RecommendationLinkSerializer(serializers.ModelSerializer):
    items = RecommendationItemSerializer(many=True, read_only=True)
    clicks = serializers.IntegerField(source="click_count", read_only=True)

    class Meta:
        model = RecommendationLink
        fields = ["id", "token", "store", "staff", "member", "items", "clicks", "created_at"]


class CampaignSerializer(serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(read_only=True)
    products = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Campaign
        ref_name = "CampaignRecord"  # partners.apis has its own "Campaign" component (create/invite)
        fields = ["id", "name", "code", "partner", "bound_at", "starts_at", "ends_at", "currency", "condition",
                  "commission_type", "rate", "products", "created_at"]


class CampaignDaySerializer(serializers.ModelSerializer):
    """One campaign's day: counted link clicks (no bots, one per visitor per 30 minutes) and the
    counted orders placed that day with their total and commission."""

    class Meta:
        model = CampaignDay
        fields = ["campaign", "day", "clicks", "order_count", "order_total", "commission"]


class PartnerSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    display_name = serializers.CharField(source="partner.display_name", read_only=True)
    email = serializers.EmailField(source="partner.user.email", read_only=True)

    class Meta:
        model = PartnerMembership
        fields = ["id", "partner", "display_name", "email", "joined_at"]


class PointsAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsAccount
        fields = ["id", "member", "staff", "store", "balance", "created_at"]


class PointsLedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsLedgerEntry
        fields = ["id", "account", "kind", "points", "balance_after", "label", "source", "offer", "order", "store",
                  "cash_amount", "description", "created_at"]


# A key created without scopes may read every group and write none (least privilege by default).
API_KEY_DEFAULT_SCOPES = {group: API_SCOPE_READ for group in API_SCOPE_GROUPS}


class ApiKeySerializer(serializers.ModelSerializer):
    scopes = serializers.DictField(
        child=serializers.ChoiceField(choices=[API_SCOPE_READ, API_SCOPE_WRITE]),
        required=False,
        help_text="Resource group -> \"read\" or \"write\" (write includes read); groups: "
        + ", ".join(API_SCOPE_GROUPS) + ". A group left out is refused (403). Default: read on every group.",
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="After this time the key is refused (401). Default: no expiry."
    )

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "expires_at", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def validate_scopes(self, value):
        unknown = sorted(set(value) - set(API_SCOPE_GROUPS))
        if unknown:
            raise serializers.ValidationError(_("Unknown resource groups: %(groups)s.") % {"groups": ", ".join(unknown)})
        return value

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry must be in the future."))
        return value


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself: shown this once, store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
