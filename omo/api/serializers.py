"""Serializers of the merchant REST API: shape JSON only; writes go through the views' services.

Every `id` and relation is a public id (base.ApiModelSerializer); every resource shows `updated_at`."""

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attribution.models import Attribution
from commerce.models import Order, OrderLine, Product, Variation
from commerce.services import MONEY_MAX
from loyalty.models import Offer, PointsAccount, PointsLedgerEntry
from members.masking import mask_email, mask_phone
from members.models import Member
from omo.tenancy.models import API_SCOPE_GROUPS, API_SCOPE_READ, API_SCOPE_WRITE, ApiKey, Staff, Store
from omo.tenancy.validators import validate_product_image_url
from partners.models import Campaign, CampaignStats, Invitation, Partner, PartnerMembership
from recommendations.models import LinkClick, RecommendationItem, RecommendationLink
from reports.models import ExportJob

from .money import MoneyField, RateField
from .base import ApiModelSerializer, PublicIdField, PublicIdRelatedField


class StoreSerializer(ApiModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "name", "code", "attributes", "removed_at", "created_at", "updated_at"]
        read_only_fields = ["id", "removed_at", "created_at", "updated_at"]

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
            raise serializers.ValidationError(_("Another store already has this code."), code="unique")
        return value


class StaffSerializer(ApiModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    store = PublicIdRelatedField(model=Store, read_only=True)

    class Meta:
        model = Staff
        fields = ["id", "display_name", "email", "role", "store", "resigned_at", "created_at", "updated_at"]


class StaffInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    display_name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(Staff.Role.choices)
    store = PublicIdRelatedField(queryset=Store._base_manager.none(), required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["store"].queryset = Store.objects.for_merchant(merchant)


class MemberSerializer(ApiModelSerializer):
    registered_by = PublicIdRelatedField(model=Staff, read_only=True)
    registered_store = PublicIdRelatedField(model=Store, read_only=True)
    erased = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "name", "phone", "email", "birthday", "registered_by", "registered_store", "erased",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "registered_by", "registered_store", "created_at", "updated_at"]
        extra_kwargs = {"phone": {"help_text": "Any local or E.164 form; stored as E.164. Masked in lists read "
                                                "by store managers (full on the member's own, audited, read)."}}

    def get_erased(self, member) -> bool:
        return member.is_erased

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.is_erased:
            data["email"] = ""
        if self.context.get("mask_contact"):
            data["phone"] = mask_phone(data.get("phone") or "")
            data["email"] = mask_email(data.get("email") or "")
        return data


class MemberUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)


class VariationSerializer(ApiModelSerializer):
    product = PublicIdRelatedField(queryset=Product._base_manager.none())
    price = MoneyField(min_value=0, max_value=MONEY_MAX)

    class Meta:
        model = Variation
        fields = ["id", "product", "name", "sku", "barcode", "price", "updated_at"]
        read_only_fields = ["id", "updated_at"]

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
            raise serializers.ValidationError(_("Another variation already has this SKU."), code="unique")
        return value


class ProductVariationSerializer(ApiModelSerializer):
    class Meta:
        model = Variation
        fields = ["id", "name", "sku", "barcode", "price"]


class ProductSerializer(ApiModelSerializer):
    variations = ProductVariationSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category", "kind", "published", "removed_at", "image_url", "description",
                  "variations", "created_at", "updated_at"]
        read_only_fields = ["id", "removed_at", "created_at", "updated_at"]
        extra_kwargs = {"image_url": {"help_text": "HTTPS, on one of the merchant's image hosts."}}

    def validate_image_url(self, value):
        merchant = self.context.get("merchant")
        if merchant is not None:
            validate_product_image_url(merchant, value)
        return value


class OrderLineSerializer(ApiModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "variation", "product_name", "sku", "kind", "category", "quantity", "unit_price",
                  "line_subtotal", "returned_quantity", "returned_amount", "recommended"]


class OrderAttributionSerializer(ApiModelSerializer):
    reason_text = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = Attribution
        fields = ["id", "reason", "reason_text", "store", "staff", "link", "click_at", "decided_at"]


class OrderSerializer(ApiModelSerializer):
    channel_group = serializers.CharField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    attribution = serializers.SerializerMethodField()
    parent = PublicIdRelatedField(model=Order, read_only=True)

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


class AttributionSerializer(ApiModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    credited = serializers.BooleanField(read_only=True)
    reason_text = serializers.CharField(source="get_reason_display", read_only=True,
                                        help_text="the reason as a sentence, in the request's language")
    updated_at = serializers.DateTimeField(source="decided_at", read_only=True)

    class Meta:
        model = Attribution
        fields = ["id", "order", "order_number", "reason", "reason_text", "credited", "store", "staff", "link",
                  "click", "click_at", "order_at", "decided_at", "updated_at"]


class RecommendationItemSerializer(ApiModelSerializer):
    sku = serializers.CharField(source="variation.sku", read_only=True)

    class Meta:
        model = RecommendationItem
        fields = ["variation", "sku", "position"]


class RecommendationLinkSerializer(ApiModelSerializer):
    items = RecommendationItemSerializer(many=True, read_only=True)
    clicks = serializers.IntegerField(source="click_count", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationLink
        fields = ["id", "token", "url", "store", "staff", "member", "items", "clicks", "created_at", "updated_at"]

    def get_url(self, link) -> str:
        request = self.context.get("request")
        path = f"/l/{link.token}/"
        return request.build_absolute_uri(path) if request is not None else path


class LinkCreateSerializer(serializers.Serializer):
    staff = PublicIdRelatedField(queryset=Staff._base_manager.none(), required=False,
                                 help_text="who shares it (default: the signed-in staff member; required with an API key)")
    member = PublicIdRelatedField(queryset=Member._base_manager.none())
    variations = serializers.ListField(child=PublicIdRelatedField(queryset=Variation._base_manager.none()),
                                       min_length=1, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["staff"].queryset = Staff.objects.for_merchant(merchant)
            self.fields["member"].queryset = Member.objects.for_merchant(merchant)
            self.fields["variations"].child.queryset = Variation.objects.for_merchant(merchant)


class LinkClickSerializer(ApiModelSerializer):
    updated_at = serializers.DateTimeField(source="clicked_at", read_only=True)

    class Meta:
        model = LinkClick
        fields = ["id", "link", "member", "clicked_at", "device", "updated_at"]


class CampaignSerializer(ApiModelSerializer):
    partner = PublicIdRelatedField(model=Partner, read_only=True,
                                   help_text="set only by the partner accepting an invitation")
    products = PublicIdRelatedField(many=True, queryset=Product._base_manager.none(), required=False)
    rate = RateField(min_value=0, max_value=MONEY_MAX)

    class Meta:
        model = Campaign
        ref_name = "CampaignRecord"
        fields = ["id", "name", "code", "partner", "bound_at", "starts_at", "ends_at", "currency", "condition",
                  "commission_type", "rate", "products", "created_at", "updated_at"]
        read_only_fields = ["id", "code", "partner", "bound_at", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["products"].child_relation.queryset = Product.objects.for_merchant(merchant)


class InvitationSerializer(ApiModelSerializer):
    campaign = PublicIdRelatedField(model=Campaign, read_only=True)
    invite_url = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "campaign", "email", "invite_url", "expires_at", "accepted_at", "revoked_at", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_invite_url(self, invitation) -> str:
        request = self.context.get("request")
        path = f"/partners/invite/{invitation.token}/"
        return request.build_absolute_uri(path) if request is not None else path


class InvitationCreateSerializer(serializers.Serializer):
    campaign = PublicIdRelatedField(queryset=Campaign._base_manager.none())
    email = serializers.EmailField(required=False, allow_blank=True, help_text="mailed the link when given")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["campaign"].queryset = Campaign.objects.for_merchant(merchant)


class CampaignStatsSerializer(ApiModelSerializer):
    campaign = serializers.SerializerMethodField()

    class Meta:
        model = CampaignStats
        fields = ["campaign", "order_count", "order_total", "settlement_total", "commission_total", "updated_at"]

    def get_campaign(self, stats) -> str:
        return PublicIdField(model=Campaign).to_representation(stats.campaign_id)


class PartnerSerializer(ApiModelSerializer):
    partner = PublicIdRelatedField(model=Partner, read_only=True)
    display_name = serializers.CharField(source="partner.display_name", read_only=True)
    email = serializers.EmailField(source="partner.user.email", read_only=True)

    class Meta:
        model = PartnerMembership
        fields = ["id", "partner", "display_name", "email", "joined_at", "updated_at"]


class PointsAccountSerializer(ApiModelSerializer):
    class Meta:
        model = PointsAccount
        fields = ["id", "member", "staff", "store", "balance", "created_at", "updated_at"]


class PointsLedgerEntrySerializer(ApiModelSerializer):
    updated_at = serializers.DateTimeField(source="created_at", read_only=True,
                                           help_text="an entry never changes: its creation time")

    class Meta:
        model = PointsLedgerEntry
        fields = ["id", "account", "kind", "points", "balance_after", "label", "source", "offer", "order", "store",
                  "cash_amount", "description", "created_at", "updated_at"]


class PointsAdjustmentSerializer(serializers.Serializer):
    member = PublicIdRelatedField(queryset=Member._base_manager.none(), required=False)
    staff = PublicIdRelatedField(queryset=Staff._base_manager.none(), required=False)
    points = serializers.IntegerField(min_value=-10**9, max_value=10**9, help_text="positive adds, negative takes")
    reason = serializers.CharField(max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["member"].queryset = Member.objects.for_merchant(merchant)
            self.fields["staff"].queryset = Staff.objects.for_merchant(merchant)

    def validate(self, attrs):
        if bool(attrs.get("member")) == bool(attrs.get("staff")):
            raise serializers.ValidationError(_("Give either a member or a staff member."), code="invalid")
        return attrs


class OfferSerializer(ApiModelSerializer):
    stores = PublicIdRelatedField(model=Store, many=True, read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "name", "active", "event", "action", "value", "per_amount", "campaign", "stacking_group",
                  "position", "channels", "stores", "payment_methods", "product_categories", "recommended_only",
                  "starts_on", "ends_on", "created_at", "updated_at"]
        read_only_fields = fields


class ExportJobSerializer(ApiModelSerializer):
    requested_by = PublicIdRelatedField(model=Staff, read_only=True)
    progress = serializers.SerializerMethodField(help_text="0 to 100")
    download_url = serializers.SerializerMethodField(help_text="set once the file is ready")

    class Meta:
        model = ExportJob
        fields = ["id", "status", "filters", "total_rows", "rows_written", "progress", "download_url", "requested_by",
                  "error", "created_at", "finished_at", "updated_at"]
        read_only_fields = fields

    def get_progress(self, job) -> int:
        if job.status == ExportJob.Status.DONE:
            return 100
        return int(job.rows_written * 100 / job.total_rows) if job.total_rows else 0

    def get_download_url(self, job) -> str | None:
        request = self.context.get("request")
        if job.status != ExportJob.Status.DONE or not job.file or request is None:
            return None
        merchant = self.context["merchant"]
        from_id = PublicIdField(model=ExportJob).to_representation(job.pk)
        return request.build_absolute_uri(f"/m/{merchant.slug}/api/v1/exports/{from_id}/download/")


class ExportCreateSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    store = PublicIdRelatedField(queryset=Store._base_manager.none(), required=False)
    channel = serializers.ChoiceField(Order.Channel.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        merchant = self.context.get("merchant")
        if merchant is not None:
            self.fields["store"].queryset = Store.objects.for_merchant(merchant)


# A key created without scopes may read every group and write none (least privilege by default).
API_KEY_DEFAULT_SCOPES = {group: API_SCOPE_READ for group in API_SCOPE_GROUPS}


class ApiKeySerializer(ApiModelSerializer):
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
        fields = ["id", "name", "prefix", "scopes", "expires_at", "created_at", "last_used_at", "revoked_at",
                  "updated_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "updated_at"]

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


