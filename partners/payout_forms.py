from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from omo.moneyfield import MoneyFormField

TIER_ROWS = 3


class PayoutDetailsForm(forms.Form):
    account_holder = forms.CharField(label=_("Account holder"), max_length=150)
    bank_name = forms.CharField(label=_("Bank name"), max_length=150)
    bank_code = forms.CharField(label=_("Bank / branch code"), max_length=40, required=False)
    account_number = forms.CharField(label=_("Account number or IBAN"), max_length=64)
    note = forms.CharField(label=_("Note for the transfer"), max_length=200, required=False)


class PayoutCreateForm(forms.Form):
    period_start = forms.DateField(label=_("Orders placed from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.ChoiceField(label=_("Currency"))

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the partner sees it)"), max_length=300)


class PayoutTermsForm(forms.Form):
    return_window_days = forms.IntegerField(
        label=_("Return window (days after the order completed)"), min_value=0, max_value=365
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, TIER_ROWS + 1):
            self.fields[f"tier_{i}_from"] = MoneyFormField(
                label=_("Tier %(n)s: from settled sales in the month of") % {"n": i}, required=False,
                min_value=Decimal("0.01"), currency=currency,
            )
            self.fields[f"tier_{i}_rate"] = forms.DecimalField(
                label=_("Tier %(n)s: rate (%%)") % {"n": i}, required=False, min_value=0, max_value=100,
                max_digits=5, decimal_places=2,
            )

    def clean(self):
        data = super().clean()
        tiers = []
        for i in range(1, TIER_ROWS + 1):
            start, rate = data.get(f"tier_{i}_from"), data.get(f"tier_{i}_rate")
            if (start is None) != (rate is None):
                self.add_error(f"tier_{i}_rate", _("Give both the threshold and the rate, or neither."))
            elif start is not None:
                tiers.append((start, rate))
        data["tiers"] = tiers
        return data

    @classmethod
    def initial_for(cls, days, tiers):
        initial = {"return_window_days": days}
        for i, tier in enumerate(tiers[:TIER_ROWS], start=1):
            initial[f"tier_{i}_from"] = tier.from_sales
            initial[f"tier_{i}_rate"] = tier.rate
        return initial
