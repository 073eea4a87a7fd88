import secrets
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omo import jsonsafe

from .scoping import scoped_manager


def _new_api_secret():
    return secrets.token_urlsafe(32)


# API key scopes: resource groups of the REST API, each "read" or "write" (write includes read).
API_SCOPE_GROUPS = ("catalog", "members", "staff", "orders", "partners")
API_SCOPE_READ, API_SCOPE_WRITE = "read", "write"


def api_key_full_scopes():
    """Every group read-write: what every key could do before scopes existed."""
    return {group: API_SCOPE_WRITE for group in API_SCOPE_GROUPS}


class Merchant(models.Model):
    """The tenant: one retail brand using the platform."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("URL name"), max_length=60, unique=True)
    logo = models.ImageField(_("logo"), upload_to="merchant-logos/", blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    # Digits shown after the decimal point (TWD with 0 or 2); empty: the currency's minor unit (omo.formats).
    money_decimals = models.PositiveSmallIntegerField(
        _("decimal places shown for money"), null=True, blank=True, validators=[MaxValueValidator(3)],
        help_text=_("Empty: the currency's standard (JPY 0, TWD 2, KWD 3)."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Taipei")
    # The language of texts to members who have not chosen one (Member.language).
    language = models.CharField(
        _("language of texts to members"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    country = models.CharField(
        _("country"), max_length=2, default="TW", help_text=_("Region used to read local phone numbers.")
    )
    invitation_valid_days = models.PositiveSmallIntegerField(
        _("partner invitations valid for (days)"), default=14,
        help_text=_("An invitation link that has not been accepted by then stops working."),
    )
    image_hosts = models.JSONField(
        _("product image hosts"), default=list, blank=True,
        help_text=_("Host names product images may come from over HTTPS, e.g. [\"cdn.example.com\"]. "
                    "Empty: only images stored here."),
    )
    # HMAC key of the order API; shown once to the merchant admin, rotated by an admin action.
    order_api_secret = models.CharField(max_length=100, default=_new_api_secret, editable=False)
    # Staff, managers and admins are signed out after this long without a request (shared tablets).
    staff_idle_minutes = models.PositiveSmallIntegerField(
        _("staff idle timeout (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Staff, managers and admins are signed out after this many minutes without activity."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def image_url_allowed(self, url: str) -> bool:
        """An empty URL, or an HTTPS URL on one of the merchant's image hosts (exact host names)."""
        if not url:
            return True
        parts = urlsplit(url)
        hosts = {str(host).strip().lower() for host in (self.image_hosts or []) if str(host).strip()}
        return parts.scheme == "https" and (parts.hostname or "").lower() in hosts


class MerchantOwned(models.Model):
    """Base of every tenant-owned model: the merchant key and the fail-closed manager."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))

    objects = scoped_manager()

    class Meta:
        abstract = True



class MerchantOneToOneField(models.OneToOneField):
    """A one-to-one between two rows of one merchant, unique in the database only together with the
    merchant: the model declares `UniqueConstraint(fields=["merchant", <this field>])`, which a table
    distributed by merchant_id can enforce (Citus, docs/scaling.md); a unique index on the column
    alone it cannot. Both rows belong to the same merchant, so the pair is exactly as unique as the
    column. In Python it stays a one-to-one (`order.attribution` is one row); only a reverse
    `select_related` is refused (Django joins a reverse one-to-one only through a unique column),
    so readers `prefetch_related` it instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unique = False


class UpdatedAt(models.Model):
    """`updated_at`: the last change of the row, for API sync (`updated_after`) and ETags. Kept by
    every save(), also one with `update_fields`; a queryset `.update()` must set it itself."""

    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = {*update_fields, "updated_at"}
        super().save(*args, update_fields=update_fields, **kwargs)


class Store(UpdatedAt, MerchantOwned):
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40)
    # Free-form attributes used by offers and reports, e.g. {"format": "Hypermarket"}.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True, decoder=jsonsafe.BoundedDecoder)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="store_code_unique_per_merchant")]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.removed_at is None

    def existed_at(self, when):
        return self.removed_at is None or self.removed_at > when


class Staff(UpdatedAt, MerchantOwned):
    class Role(models.TextChoices):
        STAFF = "staff", _("Store staff")
        MANAGER = "manager", _("Store manager")
        ADMIN = "admin", _("Merchant admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_roles")
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("store")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField(_("display name"), max_length=150)
    resigned_at = models.DateTimeField(_("resigned at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["display_name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="staff_user_unique_per_merchant")]

    def __str__(self):
        return self.display_name

    @property
    def is_employed(self):
        return self.resigned_at is None or self.resigned_at > timezone.now()

    def employed_at(self, when):
        return self.resigned_at is None or self.resigned_at > when


class ApiKey(UpdatedAt, MerchantOwned):
    """A merchant's integration key. The key itself is shown once at creation; only its SHA-256
    hash is stored (with a short prefix to recognise it in lists). Revoked keys stay listed."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # {"catalog": "read", "orders": "write", ...}: a group not listed is refused (403).
    scopes = models.JSONField(_("scopes"), default=api_key_full_scopes)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key_hash"], name="api_key_hash_unique_per_merchant")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def allows(self, group: str, *, write: bool) -> bool:
        level = (self.scopes or {}).get(group)
        return level == API_SCOPE_WRITE or (level == API_SCOPE_READ and not write)
