"""The merchant admin's attribution settings form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules

# rules.MAX_WINDOW_HOURS (one year), spelt out so the sentence is translated whole.
WINDOW_ERROR = _("Enter a whole number of hours from 1 to 8760.")


class AttributionSettingsForm(forms.Form):
    window_hours = forms.IntegerField(
        label=_("Attribution window (hours)"),
        min_value=1,
        max_value=rules.MAX_WINDOW_HOURS,
        help_text=_("An online order is credited to a recommendation link when placed at most this many hours "
                    "after the shopper opened it."),
        error_messages={
            "required": _("Enter the attribution window in hours."),
            "invalid": WINDOW_ERROR,
            "min_value": WINDOW_ERROR,
            "max_value": WINDOW_ERROR,
        },
    )
    in_store_credit = forms.BooleanField(
        label=_("In-store credit"),
        required=False,
        help_text=_("Also credit in-store orders to the link the shopper opened before buying in a shop. "
                    "Off: an in-store order is the sale of the store and staff who rang it up."),
    )
