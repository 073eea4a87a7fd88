"""allauth account adapter: shoppers log in with their email or their mobile number.

The phone lives on the global `User` (E.164, unique when set), not on a merchant's member
record: one login for every merchant. What a shopper types ("0912 345 678") is read in the
country of the merchant whose page they came from (the `next` URL), else in
`settings.PHONE_DEFAULT_REGION`. Verification codes go out through `omo.integrations.sms`.
"""

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from allauth.core import context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _

from omo.contact import normalize_phone
from omo.integrations.sms import send_sms
from omo.net import client_ip
from omo.tenancy.models import Merchant

from .models import User

_MERCHANT_PATH = re.compile(r"^/m/([-\w]+)/")


def phone_region(request=None) -> str:
    """The merchant's country when the request comes from a merchant page (`next`), else the default."""
    request = request if request is not None else context.request
    default = getattr(settings, "PHONE_DEFAULT_REGION", "TW")
    if request is None:
        return default
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    match = _MERCHANT_PATH.match(next_url)
    if not match:
        return default
    merchant = Merchant.objects.filter(slug=match.group(1)).only("country").first()
    return (merchant.country if merchant and merchant.country else default)


class LocalPhoneField(PhoneField):
    """A phone field that accepts local numbers and stores E.164."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [])
        kwargs.setdefault("label", _("Mobile number"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"placeholder": _("Mobile number"), "inputmode": "tel"})

    def clean(self, value):
        value = super(PhoneField, self).clean(value)
        if value:
            value = normalize_phone(value.strip(), phone_region())
        return value


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's rate limits (failed logins, signups, codes) key on the client behind the proxies.
        return client_ip(request)

    def phone_form_field(self, **kwargs):
        return LocalPhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone, phone_region())

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user):
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        if user.phone == phone:
            user.phone_verified = True
            user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str):
        try:
            phone = normalize_phone((phone or "").strip(), phone_region())
        except ValidationError:
            return None
        return User.objects.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        body = gettext("Your OMO verification code is %(code)s.") % {"code": code}
        send_sms(to=phone, body=body)
