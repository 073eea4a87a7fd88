"""Member-events API: HMAC-signed JSON like the order API (same secret and headers), idempotent
by the sender's event id."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from commerce.apis import SIGNED_HEADERS, SignedApi
from omo.api.errors import api_validation_error

from .services import member_event_record
from .services.member_events import EVENTS


class MemberEventMemberSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.EmailField(required=False, allow_blank=True)


class MemberEventSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=100, help_text="the sender's unique id of this event")
    event = serializers.RegexField(
        r"^[A-Za-z0-9_:.-]+$", max_length=100,
        help_text=f"one of {', '.join(EVENTS)}, or custom:<name>",
    )
    occurred_at = serializers.DateTimeField(required=False, help_text="when it happened (default: now)")
    member = MemberEventMemberSerializer(help_text="the member, by phone or email")


class MemberEventResponseSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    outcome = serializers.ChoiceField(["recorded", "duplicate"])
    points = serializers.IntegerField(help_text="points awarded by this event (0 for a duplicate)")


class MemberEventApi(SignedApi):
    """POST a member event. Signed with the merchant's order API secret (see the order API)."""

    @extend_schema(
        request=MemberEventSerializer,
        responses={201: MemberEventResponseSerializer, 200: MemberEventResponseSerializer},
        parameters=SIGNED_HEADERS,
        examples=[
            OpenApiExample(
                "App installed",
                value={"event_id": "evt-1", "event": "app_install", "member": {"phone": "0912345678"}},
                request_only=True,
            ),
        ],
    )
    def post(self, request, merchant):
        serializer = MemberEventSerializer(data=self.signed_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = member_event_record(
                merchant=request.merchant,
                event_id=data["event_id"],
                event=data["event"],
                phone=data["member"].get("phone", ""),
                email=data["member"].get("email", ""),
                at=data.get("occurred_at"),
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from exc
        code = status.HTTP_201_CREATED if result.outcome == "recorded" else status.HTTP_200_OK
        return Response({"event_id": result.event_id, "outcome": result.outcome, "points": result.points}, status=code)
