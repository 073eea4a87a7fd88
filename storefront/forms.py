from django import forms
from django.utils.translation import gettext_lazy as _

from .services import PaymentMethod


class CheckoutForm(forms.Form):
    referral_code = forms.CharField(label=_("Referral code (optional)"), max_length=40, required=False)
    points = forms.IntegerField(
        label=_("Points to use (optional)"), min_value=0, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    payment_method = forms.ChoiceField(
        label=_("How do you want to pay?"), choices=PaymentMethod.choices, initial=PaymentMethod.IN_STORE,
        required=False, widget=forms.RadioSelect,
    )

    def clean_payment_method(self):
        # Left unchosen (an older page, a script): pay in store, which takes nothing yet.
        return self.cleaned_data["payment_method"] or PaymentMethod.IN_STORE
