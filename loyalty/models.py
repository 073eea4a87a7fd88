"""Loyalty points: merchant settings, offers, accounts and the append-only ledger.

The ledger (`PointsLedgerEntry`) is the source of truth. `PointsAccount.balance`
is a cached sum kept in step inside the same transaction as each new entry,
under a row lock on the account (see `loyalty.services`); the database also
refuses a negative balance, so even a bug or a race cannot overdraw an account.
Entries are never edited or deleted: a cancelled order gets a new reversal
entry.

Decisions (which points an event earns) live in the pure `loyalty.offers`
module; `Offer.as_rule()` converts a row into its dataclass.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omo.moneyfield import MoneyField
from omo.tenancy.models import MerchantOneToOneField, MerchantOwned, Staff, Store, UpdatedAt

from . import offers as rules


class LoyaltySettings(MerchantOwned):
    """One row per merchant: how offers stack, caps and the referral split."""

    class StackingMode(models.TextChoices):
        SUM = rules.Stacking.SUM.value, _("Add up every matching offer")
        BEST_OF = rules.Stacking.BEST_OF.value, _("Only the best matching offer")

    stacking = models.CharField(
        _("stacking"), max_length=10, choices=StackingMode.choices, default=StackingMode.SUM
    )
    share_daily_cap = models.PositiveIntegerField(
        _("share points per day (cap)"),
        default=100,
        help_text=_("Most points a member or staff member can earn from sharing per day (merchant's time zone)."),
    )
    # One ratio for every product category (SPEC section 6); empty: referred sales are not split.
    referral_traffic_percent = models.PositiveSmallIntegerField(
        _("traffic share of a referred sale (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "A referred member's sale gives extra points, split at this ratio: this percentage of the points "
            "the sale earns goes to the store or person who brought the member (traffic points), the rest to "
            "whoever closed the sale (sales points). The same for every product category. Empty: no split."
        ),
    )
    referral_new_member_minutes = models.PositiveIntegerField(
        _("new members can be referred for (minutes)"),
        default=30,
        help_text=_(
            "Only a member new to you can be recorded as referred: one who registers through the referral code, "
            "or who registered at most this many minutes ago and has no orders yet."
        ),
    )
    # Days of the month on which staff may exchange points for cash (SPEC section 6: the system
    # controls the date). 1-31: any day. Days past a month's end mean its last day.
    cash_redemption_first_day = models.PositiveSmallIntegerField(
        _("staff cash requests from day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("First day of the month on which staff may exchange points for cash, e.g. 25."),
    )
    cash_redemption_last_day = models.PositiveSmallIntegerField(
        _("staff cash requests until day"),
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Last day of the month for cash requests, e.g. 28 (31: the month's last day)."),
    )
    point_value = models.DecimalField(
        _("value of one point"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.10"),
        help_text=_("Money one point is worth at checkout and in staff cash redemptions."),
    )
    # Expiry (issue 17 item 7): points expire this many months after they were earned, oldest first.
    points_expire_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Points expire this many months after they were earned, oldest first. Empty: never."),
    )
    expiry_notice_days = models.PositiveSmallIntegerField(
        _("expiry notice (days before)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Members who agreed to notices get a text or email this many days before points expire."),
    )
    # ISO dates ("2025-10-01"); offers filtered on "holidays only" apply on these local days.
    holidays = models.JSONField(_("holidays calendar"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loyalty settings")
        verbose_name_plural = _("loyalty settings")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="loyalty_settings_one_per_merchant")]

    def __str__(self):
        return str(_("Loyalty settings"))

    @property
    def referral_sales_percent(self) -> int | None:
        """The sales part's percentage: what the traffic part leaves (None: no split)."""
        if self.referral_traffic_percent is None:
            return None
        return 100 - self.referral_traffic_percent

    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(value) for value in self.holidays)

    def clean(self):
        try:
            self.holiday_dates()
        except (TypeError, ValueError) as exc:
            raise ValidationError({"holidays": _("Holidays must be dates like 2025-10-01.")}) from exc
        if (self.cash_redemption_first_day or 1) > (self.cash_redemption_last_day or 31):
            raise ValidationError(
                {"cash_redemption_last_day": _("The last day for cash requests cannot be before the first.")}
            )


class Tier(MerchantOwned):
    """A member tier (Open Loyalty, Antavo): reached by spending at least `threshold` in the last
    12 months; its `multiplier` multiplies the base points of the member's orders. The member's
    tier is computed from their orders when needed (`loyalty.selectors.member_tier`), never stored."""

    name = models.CharField(_("name"), max_length=60)
    threshold = MoneyField(
        _("12-month spending from"), validators=[MinValueValidator(0)],
        help_text=_("A member who spent at least this in the last 12 months is in this tier."),
    )
    multiplier = models.DecimalField(
        _("points multiplier"), max_digits=5, decimal_places=2, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("Multiplies the normal points of the member's orders: 2 = double points."),
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="loyalty_tier_name_unique"),
            models.UniqueConstraint(fields=["merchant", "threshold"], name="loyalty_tier_threshold_unique"),
        ]

    def __str__(self):
        return self.name


class PointsBudget(MerchantOwned):
    """A deduction account (Loymax): the budget an offer's points are charged to. Each award
    draws on it; an award beyond what is left is cut to what is left (nothing once it is spent)."""

    name = models.CharField(_("name"), max_length=100)
    budget = models.PositiveIntegerField(_("budget (points)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deduction account")
        verbose_name_plural = _("deduction accounts")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Offer(UpdatedAt, MerchantOwned):
    """A points rule the merchant configures without code: event + action + filters."""

    class Event(models.TextChoices):
        ORDER_PAID = rules.EventKind.ORDER_PAID.value, _("Order paid")
        REFERRAL_REGISTRATION = (
            rules.EventKind.MEMBER_REGISTERED_VIA_REFERRAL.value,
            _("Member registered through a referral"),
        )
        SHARE = rules.EventKind.SHARE.value, _("Share through the share button")
        APP_INSTALLED = rules.EventKind.APP_INSTALLED.value, _("App installed")
        BIRTHDAY = rules.EventKind.BIRTHDAY.value, _("Birthday")
        FOLLOW_OFFICIAL_ACCOUNT = rules.EventKind.FOLLOW_OFFICIAL_ACCOUNT.value, _("Official account followed")
        BIRTHDAY_SET = rules.EventKind.BIRTHDAY_SET.value, _("Birthday entered")
        PROFILE_COMPLETED = rules.EventKind.PROFILE_COMPLETED.value, _("Profile completed")
        CUSTOM = rules.EventKind.CUSTOM.value, _("Custom event")

    class Action(models.TextChoices):
        FIXED_POINTS = rules.ActionKind.FIXED_POINTS.value, _("Fixed points")
        POINTS_PER_AMOUNT = rules.ActionKind.POINTS_PER_AMOUNT.value, _("Points per amount spent")
        MULTIPLIER = rules.ActionKind.MULTIPLIER.value, _("Multiplier on base points")
        DISCOUNT_PERCENTAGE = rules.ActionKind.DISCOUNT_PERCENTAGE.value, _("Discount percentage")

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Points, points per amount, multiplier (2 = double points) or discount %."),
    )
    per_amount = MoneyField(
        _("per amount"),
        max_digits=13,
        null=True,
        blank=True,
        help_text=_("Only for points per amount: e.g. 1 point per 10.00."),
    )
    campaign = models.BooleanField(
        _("campaign points"), default=False, help_text=_("Label the points as campaign points, not normal points.")
    )
    stacking_group = models.CharField(
        _("stacking group"),
        max_length=60,
        blank=True,
        help_text=_("Offers in the same group never add up: only the best one applies."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Filters: empty means "any".
    channels = models.JSONField(_("sales channels"), default=list, blank=True)
    stores = models.ManyToManyField(
        Store, through="OfferStore", blank=True, related_name="+", verbose_name=_("stores")
    )
    store_attributes = models.JSONField(
        _("store attributes"), default=dict, blank=True, help_text=_('e.g. {"format": "Hypermarket"}')
    )
    payment_methods = models.JSONField(_("payment methods"), default=list, blank=True)
    product_categories = models.JSONField(_("product categories"), default=list, blank=True)
    recommended_only = models.BooleanField(_("only products from a recommendation link"), default=False)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    holidays_only = models.BooleanField(_("only on holidays"), default=False)
    birthday_only = models.BooleanField(_("only on the member's birthday"), default=False)
    birthday_month = models.BooleanField(_("only in the member's birthday month"), default=False)
    custom_event = models.CharField(
        _("custom event name"), max_length=60, blank=True,
        help_text=_('Only for custom events: the name after "custom:", e.g. survey_done. Empty: any custom event.'),
    )
    min_tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("minimum tier"),
        help_text=_("Only members in this tier or a higher one. Empty: every member."),
    )
    # Loymax: the points' lifetime and the account they are charged to.
    points_lifetime_days = models.PositiveIntegerField(
        _("points lifetime (days)"), null=True, blank=True,
        help_text=_("The points this offer awards expire this many days after they are earned. Empty: never."),
    )
    deduction_account = models.ForeignKey(
        PointsBudget, on_delete=models.PROTECT, null=True, blank=True, related_name="offers",
        verbose_name=_("deduction account"),
        help_text=_("The budget this offer's points are charged to. Empty: no budget limit."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    def as_rule(self, *, holidays: frozenset[date] = frozenset(), store_ids=None) -> rules.Offer:
        """The pure-engine offer. Raises ValueError on an inconsistent configuration."""
        if store_ids is None:
            store_ids = [store.pk for store in self.stores.all()]
        filters = rules.Filters(
            channels=set(self.channels or ()),
            store_ids=set(store_ids),
            store_attributes={str(k): str(v) for k, v in (self.store_attributes or {}).items()},
            payment_methods=set(self.payment_methods or ()),
            product_categories=set(self.product_categories or ()),
            recommended_only=self.recommended_only,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            holidays=holidays if self.holidays_only else frozenset(),
            birthday_only=self.birthday_only,
            birthday_month=self.birthday_month,
            custom_event=self.custom_event,
            min_tier_threshold=self.min_tier.threshold if self.min_tier_id else None,
        )
        return rules.Offer(
            id=self.pk,
            name=self.name,
            event=self.event,
            action=self.action,
            value=Decimal(self.value),
            per_amount=Decimal(self.per_amount) if self.per_amount is not None else None,
            filters=filters,
            campaign=self.campaign,
            stacking_group=self.stacking_group or None,
        )

    def clean(self):
        if self.custom_event and self.event != self.Event.CUSTOM:
            raise ValidationError({"custom_event": _("A custom event name only applies to custom events.")})
        if self.value is None:
            return  # the missing value is already a field error ("This field is required.")
        # The rule module refuses these too (in developer words); the person filling the form gets
        # a sentence on the field to change.
        errors = {}
        if self.value < 0:
            errors["value"] = _("The value cannot be negative.")
        elif self.action == self.Action.MULTIPLIER and self.value < 1:
            errors["value"] = _("A multiplier must be at least 1 (2 gives double points).")
        elif self.action == self.Action.DISCOUNT_PERCENTAGE and self.value > 100:
            errors["value"] = _("A discount cannot be more than 100%.")
        if self.action == self.Action.POINTS_PER_AMOUNT and (self.per_amount is None or self.per_amount <= 0):
            errors["per_amount"] = _("Points per amount spent needs the amount, e.g. 100 for 1 point per 100 spent.")
        elif self.action != self.Action.POINTS_PER_AMOUNT and self.per_amount is not None:
            errors["per_amount"] = _("Leave the amount empty: it only applies to points per amount spent.")
        if errors:
            raise ValidationError(errors)
        try:
            self.as_rule(store_ids=[])
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise ValidationError(
                _("These settings do not make a valid offer. Check the value, the amount and the dates.")
            ) from exc


class OfferStore(MerchantOwned):
    """A store an offer is limited to: the link table of `Offer.stores`, with the merchant so that
    it is distributed and joined with its offer (docs/scaling.md). Written by
    `offer.stores.set(..., through_defaults={"merchant_id": ...})` in loyalty.services.settings."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="store_links")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("offer store")
        verbose_name_plural = _("offer stores")
        constraints = [models.UniqueConstraint(fields=["merchant", "offer", "store"], name="offer_store_unique")]


class PointsAccount(UpdatedAt, MerchantOwned):
    """One points balance, owned by exactly one member, staff member or (referrer) store.

    Staff and shoppers share this model; only permissions differ (staff may
    also redeem for cash). A partner store that refers members earns its
    traffic points into a store-owned account.
    """

    member = MerchantOneToOneField(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="points_account"
    )
    staff = MerchantOneToOneField(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="points_account")
    store = MerchantOneToOneField(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="points_account")
    balance = models.IntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "store"], name="points_account_one_per_store"),
            models.UniqueConstraint(fields=["merchant", "staff"], name="points_account_one_per_staff"),
            models.UniqueConstraint(fields=["merchant", "member"], name="points_account_one_per_member"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(member__isnull=False, staff__isnull=True, store__isnull=True)
                    | Q(member__isnull=True, staff__isnull=False, store__isnull=True)
                    | Q(member__isnull=True, staff__isnull=True, store__isnull=False)
                ),
                name="points_account_one_owner",
            ),
        ]

    def __str__(self):
        return str(self.owner)

    @property
    def owner(self):
        return self.member or self.staff or self.store


class PointsLedgerEntry(MerchantOwned):
    """One movement of points. Append-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjusted")
        REVERSE = "reverse", _("Reversed")

    class Label(models.TextChoices):
        NORMAL = rules.PointsLabel.NORMAL.value, _("Normal points")
        CAMPAIGN = rules.PointsLabel.CAMPAIGN.value, _("Campaign points")

    class Source(models.TextChoices):
        ORDER_PAID = "order_paid", _("Order paid")
        REFERRAL_REGISTRATION = "member_registered_via_referral", _("Member registered through a referral")
        REFERRAL_TRAFFIC = "referral_traffic", _("Referral: traffic points")
        REFERRAL_SALES = "referral_sales", _("Referral: sales points")
        SHARE = "share", pgettext_lazy("offer event", "Share")
        APP_INSTALLED = "app_installed", _("App installed")
        BIRTHDAY = "birthday", _("Birthday")
        FOLLOW_OFFICIAL_ACCOUNT = "follow_official_account", _("Official account followed")
        BIRTHDAY_SET = "birthday_set", _("Birthday entered")
        PROFILE_COMPLETED = "profile_completed", _("Profile completed")
        CUSTOM_EVENT = "custom_event", _("Custom event")
        CHECKOUT = "checkout", _("Redeemed at checkout")
        CASH = "cash", _("Redeemed for cash")
        MANUAL = "manual", _("Manual adjustment")
        EXPIRY = "expiry", _("Points expired")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    label = models.CharField(_("label"), max_length=10, choices=Label.choices, default=Label.NORMAL)
    source = models.CharField(_("source"), max_length=40, choices=Source.choices)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    order = models.ForeignKey(
        "commerce.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="points_entries"
    )
    # The store the movement belongs to (payroll groups staff cash redemptions by it).
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cash_amount = MoneyField(_("cash paid"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    # Set from the offer's points lifetime when earned; the expiry job acts on it.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # The offer's deduction account when earned: what this entry drew on that budget.
    deduction_account = models.ForeignKey(
        PointsBudget, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # Unique per merchant: a replayed event finds its key and writes nothing.
    idempotency_key = models.CharField(max_length=200)
    # Set by the service (not auto_now_add) so the time that decides day caps and
    # payroll months is the event's own time.
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="points_entry_key_unique"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_entry_balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="points_entry_account_time"),
            models.Index(fields=["merchant", "source", "created_at"], name="points_entry_source_time"),
        ]

    def __str__(self):
        return f"{self.points:+d} {self.get_source_display()}"


class Referral(MerchantOwned):
    """Who brought a member: a (partner) store, a staff member or another member.

    Exactly one referrer. `channel` records how (e.g. "sister-store QR",
    "WeChat"), for reports only. The referrer earns the traffic part of the points of the
    member's paid orders (and the sales part too when the sale is online and no staff member's
    recommendation link closed it); see `LoyaltySettings.referral_traffic_percent`.
    """

    member = MerchantOneToOneField("members.Member", on_delete=models.PROTECT, related_name="referral")
    referrer_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referrer_staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referrer_member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("how"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "member"], name="referral_one_per_member"),
            models.CheckConstraint(
                condition=(
                    Q(referrer_store__isnull=False, referrer_staff__isnull=True, referrer_member__isnull=True)
                    | Q(referrer_store__isnull=True, referrer_staff__isnull=False, referrer_member__isnull=True)
                    | Q(referrer_store__isnull=True, referrer_staff__isnull=True, referrer_member__isnull=False)
                ),
                name="referral_one_referrer",
            ),
        ]

    def __str__(self):
        return f"{self.referrer} → {self.member}"

    @property
    def referrer(self):
        return self.referrer_store or self.referrer_staff or self.referrer_member


class PointsDue(MerchantOwned):
    """An order whose points are still to be settled: written with each order event (same
    transaction), deleted by the settle. The beat sweeper settles what stays here, so an event
    lost on its way to the worker (broker down) still earns or reverses the points."""

    order = MerchantOneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="+")
    due_since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order points due")
        verbose_name_plural = _("order points due")
        indexes = [models.Index(fields=["merchant", "due_since"], name="points_due_since")]
        constraints = [models.UniqueConstraint(fields=["merchant", "order"], name="points_due_once_per_order")]

    def __str__(self):
        return f"{self.order_id} since {self.due_since:%Y-%m-%d %H:%M}"


class OrderPointsBasis(MerchantOwned):
    """What a paid order's points were decided on, kept when it first earned (issue 17 item 9):
    the offers as the engine saw them then (holiday dates and stores resolved), the event facts
    (day, channel, store attributes, payment method, birthday) and the stacking mode. An edit of
    the order re-evaluates this on its new amounts (`loyalty.offer_snapshot`); later changes to
    offers, holiday calendars or store formats never move the points of past orders."""

    order = MerchantOneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="+")
    offers = models.JSONField(_("offers"), default=list)
    facts = models.JSONField(_("facts"), default=dict)
    stacking = models.CharField(_("stacking"), max_length=10)
    # The referral split's traffic share then (None: no split); its recipients are the accounts
    # that hold the order's traffic and sales entries.
    referral_traffic_percent = models.PositiveSmallIntegerField(_("traffic share (%)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order points basis")
        verbose_name_plural = _("order points bases")
        constraints = [models.UniqueConstraint(fields=["merchant", "order"], name="order_points_basis_once_per_order")]

    def __str__(self):
        return f"{self.order_id}"


class MemberEventInbox(MerchantOwned):
    """One member event received through the member-events API, kept by the sender's event id:
    a redelivery of the same id finds this row and awards nothing."""

    event_id = models.CharField(max_length=100)
    event = models.CharField(_("event"), max_length=100)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField(_("points awarded"), default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "event_id"], name="member_event_id_unique"),
        ]

    def __str__(self):
        return f"{self.event} {self.event_id}"


class ExpiryNotice(MerchantOwned):
    """A notice sent (or due) to a member about points that expire on one day: once per batch."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="expiry_notices")
    expires_on = models.DateField(_("points expire on"))
    points = models.PositiveIntegerField(_("points"))
    channel = models.CharField(_("sent by"), max_length=10)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("expiry notice")
        verbose_name_plural = _("expiry notices")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "account", "expires_on"], name="expiry_notice_once_per_batch"),
        ]

    def __str__(self):
        return f"{self.points} → {self.expires_on}"
