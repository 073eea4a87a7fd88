from django import forms
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import Staff, Store

from .models import Connection

SECRET_HELP = _(
    "Shopify and SHOPLINE sign webhooks with a key they give you: paste it here. "
    "Leave empty to have a secret generated (WooCommerce, signed order API) and paste it into your platform."
)


class ConnectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Platform"), choices=Connection.Kind.choices)
    secret = forms.CharField(label=_("Signing secret"), max_length=200, required=False, help_text=SECRET_HELP,
                             widget=forms.PasswordInput(render_value=False))


class RotateForm(forms.Form):
    secret = forms.CharField(label=_("New signing secret"), max_length=200, required=False, help_text=SECRET_HELP,
                             widget=forms.PasswordInput(render_value=False))


class MappingForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), required=False)
    staff = forms.ModelChoiceField(label=_("Staff member"), queryset=Staff.objects.none(), required=False)

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.for_merchant(merchant).filter(removed_at__isnull=True)
        self.fields["staff"].queryset = Staff.objects.for_merchant(merchant).filter(resigned_at__isnull=True)
