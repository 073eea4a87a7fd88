"""Merchant-admin forms: offers and loyalty settings, edited without code."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from commerce.models import Order
from omo.tenancy.models import Store

from .models import LoyaltySettings, Offer, PointsBudget, Tier


def _split_words(text: str) -> list[str]:
    """"online, card" or one per line -> ["online", "card"] (order kept, duplicates dropped)."""
    words = [word.strip() for word in re.split(r"[,\n]", text or "") if word.strip()]
    return list(dict.fromkeys(words))


class WordListField(forms.CharField):
    widget = forms.TextInput

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return _split_words(super().to_python(value))


class AttributesField(forms.CharField):
    """Store attributes as "key = value" lines, e.g. "format = Hypermarket"."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key} = {val}" for key, val in value.items())
        return value

    def to_python(self, value):
        attributes = {}
        for line in (super().to_python(value) or "").splitlines():
            if not line.strip():
                continue
            key, sep, val = line.partition("=")
            if not sep or not key.strip() or not val.strip():
                raise ValidationError(_("Write one attribute per line as name = value, e.g. format = Hypermarket."))
            attributes[key.strip()] = val.strip()
        return attributes


class DateListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        days = []
        for word in _split_words(super().to_python(value)):
            try:
                days.append(date.fromisoformat(word).isoformat())
            except ValueError as exc:
                raise ValidationError(_("“%(value)s” is not a date like 2025-10-01.") % {"value": word}) from exc
        return sorted(set(days))


class OfferForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Sales channels"),
        choices=Order.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )
    payment_methods = WordListField(
        label=_("Payment methods"), required=False, help_text=_("Comma separated, e.g. online. Empty: any.")
    )
    product_categories = WordListField(
        label=_("Product categories"), required=False, help_text=_("Comma separated. Empty: any product.")
    )
    store_attributes = AttributesField(label=_("Store attributes"), required=False)
    # Declared here: the model field's default queryset would query stores outside a merchant scope.
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every store."),
    )
    min_tier = forms.ModelChoiceField(
        label=_("Minimum tier"), queryset=Tier.objects.none(), required=False,
        help_text=_("Only members in this tier or a higher one. Empty: every member."),
    )
    deduction_account = forms.ModelChoiceField(
        label=_("Deduction account"), queryset=PointsBudget.objects.none(), required=False,
        help_text=_("The budget this offer's points are charged to. Empty: no budget limit."),
    )

    class Meta:
        model = Offer
        fields = [
            "name", "active", "event", "action", "value", "per_amount", "campaign", "stacking_group", "position",
            "channels", "stores", "store_attributes", "payment_methods", "product_categories", "recommended_only",
            "starts_on", "ends_on", "holidays_only", "birthday_only", "birthday_month",
            "custom_event", "min_tier", "points_lifetime_days", "deduction_account",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.merchant = merchant
        self.fields["stores"].queryset = Store.objects.for_merchant(merchant).filter(removed_at__isnull=True)
        # Scoped to the merchant: the model fields' default querysets would list every merchant's rows.
        self.fields["min_tier"].queryset = Tier.objects.for_merchant(merchant)
        self.fields["deduction_account"].queryset = PointsBudget.objects.for_merchant(merchant)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and starts > ends:
            self.add_error("ends_on", _("The offer cannot end before it starts."))
        return cleaned

    def validate_unique(self):
        pass  # no unique fields; the default check would query outside the merchant scope


class LoyaltySettingsForm(forms.ModelForm):
    holidays = DateListField(
        label=_("Holidays calendar"), required=False, help_text=_("One date per line, e.g. 2025-10-01.")
    )

    class Meta:
        model = LoyaltySettings
        fields = [
            "stacking", "share_daily_cap", "referral_traffic_percent", "referral_new_member_minutes", "point_value",
            "cash_redemption_first_day", "cash_redemption_last_day",
            "points_expire_months", "expiry_notice_days",
            "holidays",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expiry_notice_days"].required = False  # empty: the default days

    def clean_expiry_notice_days(self):
        value = self.cleaned_data.get("expiry_notice_days")
        return LoyaltySettings._meta.get_field("expiry_notice_days").default if value is None else value

    def validate_unique(self):
        pass  # one row per merchant, fetched or created by the service


class CashRedemptionForm(forms.Form):
    points = forms.IntegerField(label=_("Points to exchange for cash"), min_value=1)


class PayrollMonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", label=_("Month (YYYY-MM)"))

    def year_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)
