"""allauth account adapter: shoppers log in with their email or their mobile number.

The phone lives on the global `User` (E.164, unique when set), not on a merchant's member
record: one login for every merchant. What a shopper types ("0912 345 678") is read in the
country of the merchant whose page they came from (the `next` URL), else in
`settings.PHONE_DEFAULT_REGION`. Verification codes go out through `omo.integrations.sms`.
"""

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from allauth.account.stages import EmailVerificationStage, PhoneVerificationStage
from allauth.core import context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _

from omo.contact import normalize_phone
from omo.integrations.sms import send_sms
from omo.net import client_ip
from omo.tenancy.models import Merchant

from .models import User
from .verification import verified_phone

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


class SignupPhoneVerificationStage(PhoneVerificationStage):
    """The SMS code step of allauth, at signup only: a number given at signup is verified by a code
    before it may claim anything (members.services); a later password login with the number as
    its login name is not held up (the password proves the account)."""

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()


class PhoneOrEmailVerificationStage(EmailVerificationStage):
    """allauth's email step, skipped for a login with no email that has its number verified (a
    shopper who signed up with a mobile number alone): there is no address to confirm."""

    def handle(self):
        user = self.login.user
        if user is not None and not user.email and not self.login.email and verified_phone(user):
            return None, True
        return super().handle()


_STAGES = {
    "allauth.account.stages.PhoneVerificationStage": "omo.accounts.adapter.SignupPhoneVerificationStage",
    "allauth.account.stages.EmailVerificationStage": "omo.accounts.adapter.PhoneOrEmailVerificationStage",
}


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [_STAGES.get(path, path) for path in super().get_login_stages()]

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if not user.email:
            user.email = None  # a phone-only shopper: no email (unique when given)
        if commit:
            user.save()
        return user

    def get_client_ip(self, request) -> str:
        # allauth's rate limits (failed logins, signups, codes) key on the client behind the proxies.
        return client_ip(request)

    def phone_form_field(self, **kwargs):
        kwargs["label"] = _("Mobile number") if kwargs.get("required", True) else _("Mobile number (optional)")
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

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # A login code asked for a number with no account (enumeration prevention: the page
        # answers the same); the text says how to sign up instead.
        send_sms(to=phone, body=gettext("There is no account with this number yet. Sign up with it on the shop's page."))

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(to=phone, body=gettext("This number already has an account. Log in with a code sent to it."))
