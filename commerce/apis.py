"""External order API: HMAC-signed JSON, idempotent by the merchant's order id."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from omo.api.errors import api_validation_error
from omo.api.money import MoneyField
from omo.api.parsers import BoundedJSONParser

from . import signing
from .ingest import order_event_ingest
from .models import Order
from .services import MONEY_FIELDS, MONEY_MAX

# Every figure optional: an edit may send only what changed. Only the edit delta may be negative.
# Bounds: 0 (or -max for the delta) to 999,999,999,999.99; decimals: the merchant's currency's
# (KWD 3, TWD 2, JPY 0; more are refused, never rounded: omo.api.money).
MoneySerializer = type(
    "MoneySerializer",
    (serializers.Serializer,),
    {
        name: MoneyField(
            min_value=-MONEY_MAX if name == "edited_amount" else 0,
            max_value=MONEY_MAX,
            required=False,
        )
        for name in MONEY_FIELDS
    },
)


class MemberRefSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)


class LineSerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, allow_blank=True, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    unit_price = MoneyField(min_value=0, max_value=MONEY_MAX)
    returned_quantity = serializers.IntegerField(min_value=0, max_value=100000, required=False, default=0)
    returned_amount = MoneyField(min_value=0, max_value=MONEY_MAX, required=False)

    def validate(self, attrs):
        if attrs.get("returned_quantity", 0) > attrs["quantity"]:
            raise serializers.ValidationError(_("returned_quantity cannot exceed quantity."))
        if attrs["quantity"] * attrs["unit_price"] > MONEY_MAX:
            raise serializers.ValidationError(_("quantity × unit_price is too large."))
        return attrs


class OrderEventSerializer(serializers.Serializer):
    order_id = serializers.CharField(max_length=64)
    placed_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(required=False)
    channel = serializers.ChoiceField(Order.Channel.choices, required=False)
    created_from = serializers.CharField(required=False, allow_blank=True, max_length=40)
    status = serializers.ChoiceField(Order.Status.choices, required=False)
    payment_status = serializers.ChoiceField(Order.PaymentStatus.choices, required=False)
    delivery_status = serializers.ChoiceField(Order.DeliveryStatus.choices, required=False)
    payment_method = serializers.CharField(required=False, allow_blank=True, max_length=40)
    store = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="store code")
    closing_staff = serializers.IntegerField(required=False, min_value=1)
    recommendation_token = serializers.RegexField(
        r"^[A-Za-z0-9_-]*$", required=False, allow_blank=True, max_length=64,
        help_text="token of the recommendation link the shopper came through (the last part of /l/<token>/)",
    )
    campaign_code = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="referral campaign code or a partner's coupon code: credits the campaign's partner"
    )
    member = MemberRefSerializer(required=False)
    money = MoneySerializer(required=False)
    lines = LineSerializer(many=True, required=False, max_length=500)


class OrderEventResponseSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    outcome = serializers.CharField()


# The two signature headers every signed endpoint documents.
SIGNED_HEADERS = [
    OpenApiParameter(signing.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
    OpenApiParameter(signing.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
]


class SignedApi(APIView):
    """Base of the endpoints a merchant's own systems call: no session or API key, the JSON body
    signed with the merchant's order API secret (`commerce.signing`)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]

    def signed_body(self, request) -> dict:
        """The verified JSON object of the request (401 for a bad signature, 400 for a non-object)."""
        # The merchant's own order API secret, and the secrets of its generic store connections
        # (connectors; two while one is rotated), read through the declared reader.
        secrets = [request.merchant.order_api_secret]
        if getattr(settings, "ORDER_API_EXTRA_SECRETS", ""):
            secrets += import_string(settings.ORDER_API_EXTRA_SECRETS)(request.merchant)
        failure = None
        for secret in secrets:
            try:
                signing.verify(
                    secret,
                    timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
                    signature=request.headers.get(signing.SIGNATURE_HEADER),
                    body=request.body,
                    tolerance=settings.ORDER_API_TOLERANCE_SECONDS,
                )
                break
            except signing.SignatureError as exc:
                failure = failure or exc
        else:
            raise AuthenticationFailed(str(failure))
        if not isinstance(request.data, dict):
            raise ParseError(_("The body must be a JSON object."))
        return request.data

    def get_authenticate_header(self, request):
        return "HMAC-SHA256"


class OrderEventApi(SignedApi):
    """POST an order event (create, edit or cancel). Signed with the merchant's order API secret."""

    @extend_schema(
        request=OrderEventSerializer,
        responses={201: OrderEventResponseSerializer, 200: OrderEventResponseSerializer},
        parameters=SIGNED_HEADERS,
    )
    def post(self, request, merchant):
        serializer = OrderEventSerializer(data=self.signed_body(request), context={"merchant": request.merchant})
        serializer.is_valid(raise_exception=True)
        try:
            result = order_event_ingest(merchant=request.merchant, data=serializer.validated_data)
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response({"order_id": result.order.number, "outcome": result.outcome}, status=code)
