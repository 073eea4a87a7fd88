"""OpenAPI for the whole API (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = ApiAutoSchema):

- one tag per resource (the path segment after /api/v1/, or the signed endpoint's name);
- the shared error responses (400/401/403/404/409/429, plus 412 on writes to an object and 422 on
  POST) on every operation, all one `Error` component;
- `Idempotency-Key` documented on every POST, `If-Match` on PUT/PATCH/DELETE;
- the HMAC signature of the signed endpoints (order and member events) as a security scheme;
- an example per operation, built from its serializers when the view gives none.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.relations import ManyRelatedField

from . import publicid
from .base import PublicIdField, PublicIdRelatedField
from .money import MoneyField

HMAC_SCHEME = "OrderApiHmac"
SECURITY_SCHEMES = {
    HMAC_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "X-OMO-Signature",
        "description": (
            "Signed endpoints (order events, member events): `X-OMO-Timestamp` is the Unix time in seconds and "
            "`X-OMO-Signature` is `sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` with the merchant's order "
            "API secret. Requests more than 5 minutes from the server's clock are refused (401)."
        ),
    },
}


class ErrorInfoSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        ["invalid_request_error", "authentication_error", "permission_error", "not_found_error", "conflict_error",
         "precondition_failed_error", "idempotency_error", "rate_limit_error", "api_error"])
    code = serializers.CharField(help_text="stable English identifier, e.g. required, unknown_parameter, unique")
    message = serializers.CharField(help_text="a sentence in the request's language")
    param = serializers.CharField(allow_null=True, help_text="the field or query parameter at fault, if any")


@extend_schema_serializer(examples=[OpenApiExample("Unknown filter", value={
    "error": {"type": "invalid_request_error", "code": "unknown_parameter", "message": "Unknown query parameter.",
              "param": "colour"},
    "details": {"colour": ["Unknown query parameter."]},
})])
class ErrorSerializer(serializers.Serializer):
    error = ErrorInfoSerializer()
    details = serializers.JSONField(allow_null=True, help_text="{field: [messages]} for validation errors, else null")


ERROR_CODES = ("400", "401", "403", "404", "409", "429")


class PeriodSerializer(serializers.Serializer):
    range = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    timezone = serializers.CharField()


class PerformanceTotalsSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    sales = MoneyField()
    average = MoneyField()
    new_members = serializers.IntegerField()


class PerformanceBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="Local hour (\"0\"-\"23\") for a one-day range, else the local date.")
    orders = serializers.IntegerField()
    sales = MoneyField()


class PerformanceSerializer(serializers.Serializer):
    period = PeriodSerializer()
    totals = PerformanceTotalsSerializer()
    series = PerformanceBucketSerializer(many=True)


class RankedFiguresSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="public id of the staff member or store")
    name = serializers.CharField()
    store = serializers.CharField()
    rank = serializers.IntegerField()
    orders = serializers.IntegerField()
    sales = MoneyField()
    average = MoneyField()
    new_members = serializers.IntegerField()


class PagedFiguresSerializer(serializers.Serializer):
    """One page of the ranking (page, page_size), with the period it covers."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RankedFiguresSerializer(many=True)
    period = PeriodSerializer()


# Examples -------------------------------------------------------------------------------------------
def _sample(field, name=""):
    if isinstance(field, serializers.HiddenField):
        return empty
    if isinstance(field, PublicIdField):
        return publicid.public_id_of(field.model, 1)
    if isinstance(field, PublicIdRelatedField):
        return publicid.public_id_of(field.model, 1) if field.model is not None else "obj_0000000000a"
    if isinstance(field, ManyRelatedField):
        return [_sample(field.child_relation)]
    if isinstance(field, serializers.ListSerializer):
        return [_sample(field.child)]
    if isinstance(field, serializers.Serializer):
        return {key: value for key, sub in field.fields.items() if (value := _sample(sub, key)) is not empty}
    if isinstance(field, serializers.SerializerMethodField):
        return None
    if isinstance(field, serializers.ListField):
        return [_sample(field.child)] if field.child is not None else []
    if isinstance(field, serializers.DictField | serializers.JSONField | serializers.HStoreField):
        return {}
    if isinstance(field, serializers.BooleanField):
        return True
    if isinstance(field, serializers.DecimalField):
        return "10.00"
    if isinstance(field, serializers.IntegerField):
        return max(field.min_value or 1, 1) if (field.min_value or 0) >= 0 else 1
    if isinstance(field, serializers.FloatField):
        return 1.5
    if isinstance(field, serializers.DateTimeField):
        return "2026-03-01T09:30:00Z"
    if isinstance(field, serializers.DateField):
        return "2026-03-01"
    if isinstance(field, serializers.EmailField):
        return "ada@example.com"
    if isinstance(field, serializers.URLField):
        return "https://shop.example.com/p/1"
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices), "")
    if isinstance(field, serializers.CharField):
        return {"currency": "TWD", "phone": "+886912345678", "sku": "TEA-500", "name": "Green tea"}.get(name, "text")
    return None


def _example(serializer, *, writable: bool):
    serializer = force_instance(serializer)
    if serializer is None or not isinstance(serializer, serializers.BaseSerializer):
        return None
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    if not isinstance(serializer, serializers.Serializer):
        return None
    return {
        name: value
        for name, field in serializer.fields.items()
        if (not field.read_only if writable else not field.write_only)
        and (value := _sample(field, name)) is not empty
    }


class ApiAutoSchema(AutoSchema):
    def get_tags(self):
        parts = [part for part in self.path.strip("/").split("/") if part]
        if "v1" in parts and len(parts) > parts.index("v1") + 1:
            return [parts[parts.index("v1") + 1]]
        if "api" in parts and len(parts) > parts.index("api") + 1:
            return ["signed: " + parts[parts.index("api") + 1]]
        return super().get_tags()

    def get_auth(self):
        if callable(getattr(self.view, "signed_body", None)):  # commerce.apis.SignedApi (HMAC)
            return [{HMAC_SCHEME: []}]
        return super().get_auth()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="Any unique string (e.g. a UUID). A retry with the same key and body gets the first "
                            "response again for 24 h; the same key with another body is a 422."))
        if self.method in ("PUT", "PATCH", "DELETE") and "{id}" in self.path:
            parameters.append(OpenApiParameter(
                "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="The ETag you read: the change is refused (412) when the object changed since."))
        return parameters

    def get_examples(self):
        examples = list(super().get_examples())
        if examples:
            return examples
        if self.method in ("POST", "PUT", "PATCH"):
            try:
                request_value = _example(self.get_request_serializer(), writable=True)
            except Exception:  # noqa: BLE001 - an example is a nicety, never a reason to fail the schema
                request_value = None
            if request_value:
                examples.append(OpenApiExample("Request", value=request_value, request_only=True))
        try:
            responses = self.get_response_serializers()
        except Exception:  # noqa: BLE001
            responses = None
        response = responses.get(200) or responses.get(201) if isinstance(responses, dict) else responses
        response_value = _example(response, writable=False) if response is not None else None
        if response_value:
            examples.append(OpenApiExample("Response", value=response_value, response_only=True,
                                           status_codes=["200", "201"]))
        return examples

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = list(ERROR_CODES)
        if self.method == "POST":
            codes.append("422")
        if self.method in ("PUT", "PATCH", "DELETE") and "{id}" in self.path:
            codes.append("412")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses


ERROR_DESCRIPTIONS = {
    "400": "Invalid request: a field, a query parameter (also an unknown one) or the body is not valid.",
    "401": "No valid credentials (API key, session or signature).",
    "403": "The key's scopes or the person's role do not allow this.",
    "404": "No such object for this merchant.",
    "409": "Conflict: the value is taken (code `unique`) or the Idempotency-Key is in use.",
    "412": "If-Match does not match the object's current ETag.",
    "422": "The Idempotency-Key was used with another request.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
