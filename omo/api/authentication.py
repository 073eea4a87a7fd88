"""`Authorization: Api-Key omo_...`: authenticates only under the URL of the key's own merchant."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .keys import api_key_authenticate

KEYWORD = "Api-Key"


class ApiKeyClient:
    """The request's `user` when a merchant's integration calls with an API key (no person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, api_key):
        self.api_key = api_key

    def __str__(self):
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the header as `Authorization: Api-Key <key>`."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("Invalid or revoked API key.")) from exc
        merchant = getattr(request, "merchant", None)
        key = api_key_authenticate(merchant=merchant, raw=raw) if merchant is not None else None
        if key is None:
            # Same answer for an unknown, revoked or other merchant's key: nothing to learn from it.
            raise AuthenticationFailed(_("Invalid or revoked API key."))
        return ApiKeyClient(key), key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "omo.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a key of the merchant in the URL (created by a merchant admin).",
        }
