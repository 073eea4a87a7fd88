from django import forms
from django.utils.translation import gettext_lazy as _


class CheckoutForm(forms.Form):
    referral_code = forms.CharField(label=_("Referral code (optional)"), max_length=40, required=False)
    points = forms.IntegerField(
        label=_("Points to use (optional)"), min_value=0, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
