"""A shopper's signup with a mobile number alone: allauth's signup form, phone only.

No email and no password: allauth verifies the number by an SMS code right after signup (the
signup phone stage, omo.accounts.adapter) and the shopper logs in later with a code sent to it
(ACCOUNT_LOGIN_BY_CODE_ENABLED) or adds a password in their account settings.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm, SignupForm

from .verification import verified_phone


class PhoneSignupForm(SignupForm):
    def _get_signup_fields(self, kwargs) -> dict:
        kwargs.pop("email_required", None)
        kwargs.pop("username_required", None)
        return {"phone": {"required": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The site-wide signup extension (members.forms.ShopperSignupForm) has its own optional
        # phone: here allauth's required one replaces it (same name), so only the number is asked.
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "autofocus": True})

    def clean_phone(self) -> str:
        # Not the email signup extension's check (ShopperSignupForm.clean_phone, a base class here):
        # whether the number is taken is _clean_phone's call below.
        return self.cleaned_data["phone"]

    def _clean_phone(self) -> None:
        """A number held by an account that does not own it (typed at an email signup, never
        verified) does not block its owner: it is taken off that account when the owner signs up
        here, and the code texted to it decides who has it. A number some account owns (verified,
        or a phone-only account) is taken: allauth answers as for a new one and texts that owner."""
        phone = self.cleaned_data.get("phone")
        holder = get_adapter().get_user_by_phone(phone) if phone else None
        self._release_from = holder if holder is not None and not owns_phone(holder) else None
        if self._release_from is None:
            super()._clean_phone()

    def save(self, request):
        holder = getattr(self, "_release_from", None)
        if holder is not None:
            get_adapter().set_phone(holder, "", False)
        return super().save(request)

    def custom_signup(self, request, user) -> None:
        # Not the email signup's extension (it files the number on a member record at once): here
        # the number is not verified yet; the member record is claimed or made once it is
        # (members.services.member_for_user, on the first page of the shop after the code).
        pass


class PhoneLoginCodeForm(RequestLoginCodeForm):
    """allauth's "send me a login code", with one guard for numbers: a code texted to a number
    logs in only an account that owns it, that is one whose number is verified or one made by the
    phone signup (no email, no password: the number is all it has). An account that merely typed
    the number at its email signup is not opened by it (its owner may be someone else: the
    number's owner would be logged into a stranger's account); the page answers as for an unknown
    number (enumeration prevention)."""

    def clean_phone(self) -> str:
        phone = super().clean_phone()
        user = getattr(self, "_user", None)
        if user is not None and not owns_phone(user):
            self._user = None
        return phone


def owns_phone(user) -> bool:
    """The account owns its number: verified by a code, or the account is the number alone
    (made by the phone signup: no email, no password)."""
    return bool(verified_phone(user)) or not (user.email or user.has_usable_password())
