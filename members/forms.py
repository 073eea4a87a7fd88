from django import forms
from django.utils.translation import gettext_lazy as _


class MemberRegisterForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)

    phone.widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
    email.widget.attrs.update({"inputmode": "email", "autocomplete": "off"})
