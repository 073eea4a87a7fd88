"""Merchant API for referral campaigns (merchant admins, session auth): list, create, read, edit, invite.

A partner is bound only by accepting an invitation, and binding is permanent: inviting for a
campaign that already has a partner is refused with 400 and the same message as the pages.
The API has no way to set or change the partner directly.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.models import Product
from omo.errors import error_details
from omo.tenancy.access import current_staff

from . import selectors, services
from .models import Campaign


class IsMerchantAdmin(BasePermission):
    """Merchant admins of the URL's merchant; anyone else gets 404 (the resource does not exist for them)."""

    def has_permission(self, request, view):
        staff = current_staff(request) if request.user.is_authenticated else None
        if staff is None or staff.role != "admin":
            raise NotFound
        return True


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    currency = serializers.CharField(min_length=3, max_length=3)
    condition = serializers.ChoiceField(Campaign.Condition.choices)
    commission_type = serializers.ChoiceField(Campaign.CommissionType.choices)
    rate = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    products = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, write_only=True)
    partner = serializers.SerializerMethodField()
    bound_at = serializers.DateTimeField(read_only=True)
    link_lifetime_days = serializers.IntegerField(min_value=1, max_value=365, default=30,
                                                  help_text="days a link click credits the partner (signed cookie)")
    is_public = serializers.BooleanField(default=False, help_text="partners may apply on the merchant's join page")

    def get_partner(self, campaign) -> str | None:
        return campaign.partner.user.email if campaign.partner_id else None

    def to_representation(self, campaign):
        data = super().to_representation(campaign)
        data["products"] = campaign.product_ids()
        return data


class InvitationSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, help_text="mailed the link when given")
    invite_url = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, help_text="the link stops working then (merchant setting)")


def _products(merchant, product_ids) -> tuple:
    """The merchant's products with these ids; an id it does not have is a 400, never another's."""
    products = list(Product.objects.for_merchant(merchant).filter(pk__in=product_ids))
    if len(products) != len(set(product_ids)):
        raise serializers.ValidationError({"products": [_("Unknown product.")]})
    return tuple(products)


class CampaignListApi(APIView):
    permission_classes = [IsMerchantAdmin]

    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request, merchant):
        campaigns = selectors.campaign_list(merchant=request.merchant)
        return Response(CampaignSerializer(campaigns, many=True).data)

    @extend_schema(request=CampaignSerializer, responses={201: CampaignSerializer})
    def post(self, request, merchant):
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        products = _products(request.merchant, data.pop("products", []))
        try:
            campaign = services.campaign_create(
                merchant=request.merchant, data=services.CampaignInput(**data, products=products)
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(error_details(exc)) from exc
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    permission_classes = [IsMerchantAdmin]

    def _campaign(self, request, campaign_id):
        try:
            return selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        except Http404 as exc:
            raise NotFound from exc

    @extend_schema(responses=CampaignSerializer)
    def get(self, request, merchant, campaign_id):
        return Response(CampaignSerializer(self._campaign(request, campaign_id)).data)

    @extend_schema(request=CampaignSerializer, responses=CampaignSerializer)
    def patch(self, request, merchant, campaign_id):
        """Change name, period or commission rules (as the edit page); code, partner and currency stay."""
        campaign = self._campaign(request, campaign_id)
        serializer = CampaignSerializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        product_ids = changes.pop("products", None)
        data = {**services.campaign_values(campaign), **changes}
        products = _products(request.merchant, campaign.product_ids() if product_ids is None else product_ids)
        try:
            campaign = services.campaign_update(
                merchant=request.merchant, campaign=campaign, data=services.CampaignInput(**data, products=products)
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(error_details(exc)) from exc
        return Response(CampaignSerializer(campaign).data)


class CampaignInvitationApi(APIView):
    """Invite a partner (by email and/or the returned link). Refused (400) once a partner is bound."""

    permission_classes = [IsMerchantAdmin]

    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer})
    def post(self, request, merchant, campaign_id):
        try:
            campaign = selectors.campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        except Http404 as exc:
            raise NotFound from exc
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def invite_url(invitation):
            return request.build_absolute_uri(reverse("partners:invite", kwargs={"token": invitation.token}))

        try:
            invitation = services.invitation_create(
                merchant=request.merchant,
                campaign=campaign,
                email=serializer.validated_data.get("email", ""),
                invite_url_builder=invite_url,
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"partner": exc.messages}) from exc
        return Response(
            {"email": invitation.email, "invite_url": invite_url(invitation),
             "expires_at": serializers.DateTimeField().to_representation(invitation.expires_at)},
            status=status.HTTP_201_CREATED,
        )
