from django import forms
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from omo.tenancy.models import Merchant

from .models import ImportJob


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file contains"), choices=ImportJob.Kind.choices)
    file = forms.FileField(label=_("CSV or XLSX file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))


class MerchantImportForm(ImportForm):
    """The admin's import form: a platform operator picks the merchant the file belongs to."""

    merchant = forms.ModelChoiceField(label=_("Merchant"), queryset=Merchant.objects.all())


class MerchantConfirmImportForm(ConfirmImportForm):
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.all(), widget=forms.HiddenInput())
