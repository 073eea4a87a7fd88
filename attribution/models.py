from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOneToOneField, MerchantOwned, Staff, Store

from . import rules
from .rules import Reason


class Attribution(MerchantOwned):
    """The stored decision for one order: who is credited and why. One row per order, ever."""

    REASON_CHOICES = [
        (Reason.CREDITED, _("Credited")),
        (Reason.NO_CLICK, _("No recommendation link was opened before the order")),
        (Reason.CLICK_EXPIRED, _("The last link was opened longer before the order than the attribution window")),
        (Reason.CLICK_USED, _("An earlier order already used the last link opened")),
        (Reason.SELF_REFERRAL, _("Self-referral (the staff member ordered through their own link)")),
        (Reason.STAFF_RESIGNED, _("The staff member had resigned before the order")),
        (Reason.STORE_REMOVED, _("The store had been removed before the order")),
        (Reason.IN_STORE, _("An in-store order is the sale of the store and staff who rang it up")),
        (Reason.NOT_ONLINE, _("Only online store orders are credited to recommendation links")),
    ]

    order = MerchantOneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="attribution")
    reason = models.CharField(_("decision"), max_length=20, choices=REASON_CHOICES)
    click = models.ForeignKey(
        "recommendations.LinkClick", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link = models.ForeignKey(
        "recommendations.RecommendationLink", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="attributions")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="attributions")
    click_at = models.DateTimeField(null=True, blank=True)
    order_at = models.DateTimeField()
    # The window (hours) of the merchant settings the order was judged by; null on rows decided
    # before settings existed (those used the default).
    window_hours = models.PositiveIntegerField(_("attribution window (hours)"), null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    # What this order adds to the performance rollups (`rollups`): its sales while it is credited
    # and still a sale; null while it counts for nothing. Kept with the row so a change takes away
    # exactly what was added.
    counted_sales = models.DecimalField(max_digits=17, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        indexes = [
            models.Index(fields=["merchant", "staff", "order_at"], name="attribution_staff_time"),
            models.Index(fields=["merchant", "store", "order_at"], name="attribution_store_time"),
            # The performance overview of a whole merchant reads today's credited rows (the
            # rollups hold the past days): without it, a scan of all the merchant's rows.
            models.Index(fields=["merchant", "order_at"], condition=Q(reason=Reason.CREDITED), name="attribution_credited_time"),
        ]
        constraints = [models.UniqueConstraint(fields=["merchant", "order"], name="attribution_once_per_order")]

    def __str__(self):
        return self.explanation

    @property
    def credited(self):
        return self.reason == Reason.CREDITED

    @property
    def explanation(self):
        """The decision in words a merchant understands."""
        if self.credited:
            delay = self.order_at - self.click_at
            hours, rest = divmod(int(delay.total_seconds()), 3600)
            when = date_format(timezone.localtime(self.click_at, self.merchant.tzinfo), "Y-m-d H:i")
            return gettext(
                "credited to %(staff)s at %(store)s: clicked link %(link)s at %(when)s, ordered %(hours)dh %(minutes)02dm later"
            ) % {
                "staff": self.staff,
                "store": self.store,
                "link": self.link.token[:8],
                "when": when,
                "hours": hours,
                "minutes": rest // 60,
            }
        if self.reason == Reason.CLICK_EXPIRED:
            hours = self.window_hours or rules.DEFAULT_WINDOW_HOURS
            return ngettext(
                "not credited: the last link was opened more than %(hours)d hour before the order",
                "not credited: the last link was opened more than %(hours)d hours before the order",
                hours,
            ) % {"hours": hours}
        return gettext("not credited: %(reason)s") % {"reason": self.get_reason_display().lower()}


class AttributionSettings(MerchantOwned):
    """One merchant's attribution settings from ``effective_from`` on: a row per change, never
    edited, so every order is judged by the settings in force when it was placed and the
    history shows who changed what and when."""

    window_hours = models.PositiveIntegerField(
        _("attribution window (hours)"),
        default=rules.DEFAULT_WINDOW_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(rules.MAX_WINDOW_HOURS)],
        help_text=_("An online order is credited to a recommendation link when placed at most this many hours "
                    "after the shopper opened it."),
    )
    in_store_credit = models.BooleanField(
        _("in-store credit"),
        default=False,
        help_text=_("Also credit in-store orders to the link the shopper opened before buying in a shop. "
                    "Off: an in-store order is the sale of the store and staff who rang it up."),
    )
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)
    changed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("attribution settings")
        verbose_name_plural = _("attribution settings")
        ordering = ["merchant", "effective_from", "pk"]
        indexes = [models.Index(fields=["merchant", "effective_from"], name="attribution_settings_from")]

    def __str__(self):
        return self.summary

    @property
    def summary(self):
        """The settings in words, e.g. "24-hour window, in-store credit off"."""
        window = ngettext("%(hours)d-hour window", "%(hours)d-hour window", self.window_hours) % {
            "hours": self.window_hours
        }
        credit = gettext("in-store credit on") if self.in_store_credit else gettext("in-store credit off")
        return gettext("%(window)s, %(credit)s") % {"window": window, "credit": credit}

    def as_policy(self) -> rules.Policy:
        return rules.Policy(
            window_hours=self.window_hours, in_store_credit=self.in_store_credit, effective_from=self.effective_from
        )



class AttributionDue(MerchantOwned):
    """An order whose attribution is to be decided (again): marked in the order's own transaction
    by every order event, cleared by the drain once the decision has committed (attribution.due).

    No foreign key to the order on purpose: the mark takes no lock on the order row, so marking (in
    the order's transaction) and deciding (under the members' locks) never wait on each other. The
    beat sweep reads only these marks, one index probe per merchant, never the orders."""

    order_id = models.BigIntegerField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attribution due")
        verbose_name_plural = _("attributions due")
        constraints = [models.UniqueConstraint(fields=["merchant", "order_id"], name="attribution_due_once")]
        indexes = [models.Index(fields=["merchant", "marked_at"], name="attribution_due_marked")]

    def __str__(self):
        return f"{self.order_id} since {self.marked_at:%Y-%m-%d %H:%M}"


class PerformanceCell(MerchantOwned):
    """One store and staff member's performance over a span of local days: the credited orders
    that still count as sales, their sales and the members the staff member registered."""

    # Plain ids, never null (a unique key with a null never conflicts): 0 is "no store", a member
    # registered by staff without a store. Stores and staff are never deleted (attributions protect them).
    store_id = models.BigIntegerField(default=0)
    staff_id = models.BigIntegerField()
    orders = models.IntegerField(default=0)
    sales = models.DecimalField(max_digits=17, decimal_places=3, default=0)
    new_members = models.IntegerField(default=0)

    class Meta:
        abstract = True


class PerformanceDay(PerformanceCell):
    """One merchant's performance on one local day, for one store and staff member. The
    performance overview adds these up for whole days instead of scanning every order
    (see `rollups`)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "day", "store_id", "staff_id"], name="performance_day_cell"),
        ]
        indexes = [
            models.Index(fields=["merchant", "staff_id", "day"], name="performance_day_staff"),
            models.Index(fields=["merchant", "store_id", "day"], name="performance_day_store"),
        ]


class PerformanceMonth(PerformanceCell):
    """One merchant's performance in one local calendar month, for one store and staff member: the
    sum of the month's day cells, kept by the same deltas. A long range reads its whole months
    from these (a year: about twelve rows per store and staff member instead of 365)."""

    month = models.DateField()  # the month's first day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month", "store_id", "staff_id"], name="performance_month_cell"),
        ]


class PerformanceRollup(MerchantOwned):
    """The state of one merchant's rollups: built in this time zone. The reports read them only
    while it is the merchant's time zone (after a change, `rollups_rebuild` recomputes them)."""

    tz = models.CharField(max_length=64)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="performance_rollup_merchant")]
