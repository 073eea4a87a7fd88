import re

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omo.contact import normalize_phone
from omo.tenancy.models import Merchant

from .services import member_phone_claim


class MemberRegisterForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language for texts"), required=False,
        choices=[("", _("The shop's language"))] + list(settings.LANGUAGES),
    )

    phone.widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
    email.widget.attrs.update({"inputmode": "email", "autocomplete": "off"})


class ShopperSignupForm(forms.Form):
    """Extra field on allauth's signup (ACCOUNT_SIGNUP_FORM_CLASS): an optional mobile number.

    The number goes on the login (`User.phone`, global, unique) so the shopper can log in with it
    instead of the email (omo.accounts.adapter).

    Signing up from a merchant's page (a recommendation link's `next`), the number is read in
    that merchant's country and stored on the shopper's member record there, so staff find the
    shopper by phone too. A number another member already holds is left alone (it is not verified,
    so it never links the account to someone else's member record).
    """

    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def _merchant(self):
        match = re.match(r"^/m/([-\w]+)/", self.data.get("next", "") or "")
        return Merchant.objects.filter(slug=match.group(1)).first() if match else None

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        merchant = self._merchant()
        phone = normalize_phone(raw, merchant.country if merchant else None)
        if get_user_model().objects.filter(phone=phone).exists():
            raise forms.ValidationError(
                _("An account with this mobile number already exists. Log in with it instead."), code="phone_taken"
            )
        return phone

    def signup(self, request, user):
        if self.cleaned_data.get("phone"):
            # The login's own number (global): the shopper can log in with it at any merchant.
            get_adapter(request).set_phone(user, self.cleaned_data["phone"], False)
        merchant = self._merchant()
        if merchant is not None and self.cleaned_data.get("phone"):
            member_phone_claim(merchant=merchant, user=user, phone=self.cleaned_data["phone"])
