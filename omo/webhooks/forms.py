from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where we POST the events (https recommended)."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
