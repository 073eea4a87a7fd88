from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import periods


class PerformanceFilterForm(forms.Form):
    """The time range picker of the performance overview (page and API share it)."""

    range = forms.ChoiceField(label=_("Time range"), choices=periods.CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    store = forms.IntegerField(label=_("Store"), required=False, min_value=1)

    def __init__(self, *args, merchant, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.now = now or timezone.now()

    def clean(self):
        data = super().clean()
        try:
            data["period"] = periods.period_resolve(
                key=data.get("range") or periods.LAST_7_DAYS,
                tz=self.merchant.tzinfo,
                now=self.now,
                first_day=data.get("start"),
                last_day=data.get("end"),
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return data

    def period_or_default(self):
        """The chosen period, or the last 7 days when the input is invalid (errors are shown)."""
        if self.is_valid():
            return self.cleaned_data["period"]
        return periods.period_resolve(key=periods.LAST_7_DAYS, tz=self.merchant.tzinfo, now=self.now)
