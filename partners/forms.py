from allauth.account.forms import SignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from commerce.models import Product
from omo.moneyfield import MoneyFormField, money_places_check

from .models import Campaign, NotificationKind
from .services import campaign_values, partner_for_user
from .validators import MAX_LENGTH, MIN_LENGTH, PartnerPasswordValidator


class PartnerSignupForm(SignupForm):
    """allauth's signup (email + password twice) plus a display name and the partner password policy."""

    name = forms.CharField(label=_("Your name"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The site-wide signup extension asks shoppers for a phone for a member record; a partner has none.
        self.fields.pop("phone", None)
        self.fields["password1"].help_text = PartnerPasswordValidator().get_help_text()
        # Both password fields: the same limits, and the rule said before it is broken (above the field).
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.update(
                {"minlength": MIN_LENGTH, "maxlength": MAX_LENGTH, "aria-describedby": f"id_{name}_help"}
            )
        self.fields["password2"].help_text = _("Type the same password again.")
        self.order_fields(["name", "email", "password1", "password2"])

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password:
            try:
                PartnerPasswordValidator().validate(password)
            except ValidationError as exc:
                for message in exc.messages:
                    if message not in self.errors.get("password1", []):
                        self.add_error("password1", message)
        return cleaned

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])
        partner_for_user(user, create=True)
        return user


# What <input type="datetime-local"> accepts as its value.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    condition = forms.ChoiceField(label=_("Commission condition"), choices=Campaign.Condition.choices)
    commission_type = forms.ChoiceField(label=_("Commission type"), choices=Campaign.CommissionType.choices)
    rate = MoneyFormField(
        label=_("Commission"),
        min_value=0,
        help_text=_("Percent for a percentage; an amount per order (whole order) or per unit (specific products) for a fixed amount."),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products earning commission"),
        queryset=Product.objects.none(),
        required=False,
        help_text=_("Only for the “specific products” condition."),
    )
    link_lifetime_days = forms.IntegerField(
        label=_("Link lifetime (days)"), min_value=1, max_value=365, initial=30, required=False,
        help_text=_("A shopper's order credits the partner whose link they opened last, within this many days."),
    )
    is_public = forms.BooleanField(
        label=_("Open to applications"), required=False,
        help_text=_("Partners can apply on your partner join page; each approved partner gets their own campaign."),
    )

    def __init__(self, *args, merchant, campaign=None, **kwargs):
        if campaign is not None:  # editing: the campaign's values, its currency fixed
            kwargs.setdefault("initial", {**campaign_values(campaign), "products": campaign.product_ids()})
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.for_merchant(merchant).filter(removed_at__isnull=True)
        self.fields["currency"].initial = campaign.currency if campaign is not None else merchant.currency
        if campaign is not None:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = _("Fixed: the campaign's orders are in this currency.")

    def clean_link_lifetime_days(self):
        return self.cleaned_data["link_lifetime_days"] or 30

    def clean(self):
        data = super().clean()
        # A fixed commission is money: no more decimal places than the campaign's currency has.
        rate, currency = data.get("rate"), (data.get("currency") or "").upper()
        if rate is not None and currency and data.get("commission_type") == Campaign.CommissionType.FIXED:
            try:
                money_places_check(rate, currency)
            except ValidationError as exc:
                self.add_error("rate", exc)
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Partner's email"), required=False)


class ApplicationForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the merchant (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NotificationSettingsForm(forms.Form):
    """Ticked kinds are mailed; the partner unticks what they do not want."""

    kinds = forms.MultipleChoiceField(
        label=_("E-mail me about"), required=False, widget=forms.CheckboxSelectMultiple, choices=NotificationKind.choices
    )
