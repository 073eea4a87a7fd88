import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.TypedChoiceField(label=_("By"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actors=(), tz=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz or dt.UTC
        self.fields["action"].choices = [("", _("All actions")), *AuditEvent.Action.choices]
        self.fields["actor"].choices = [("", _("Everyone")), *actors]

    def filters(self) -> dict:
        """Selector arguments; days are the merchant's local days, the end day included."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result = {"action": data.get("action") or "", "actor_id": data.get("actor")}
        if data.get("date_from"):
            result["date_from"] = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=self.tz)
        if data.get("date_to"):
            result["date_to"] = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)
        return result
