from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned, Staff, Store

from .rules import Reason


class Attribution(MerchantOwned):
    """The stored decision for one order: who is credited and why. One row per order, ever."""

    REASON_CHOICES = [
        (Reason.CREDITED, _("Credited")),
        (Reason.NO_CLICK, _("No recommendation link was opened before the order")),
        (Reason.CLICK_EXPIRED, _("The last link was opened more than 24 hours before the order")),
        (Reason.CLICK_USED, _("An earlier order already used the last link opened")),
        (Reason.STAFF_RESIGNED, _("The staff member had resigned before the order")),
        (Reason.STORE_REMOVED, _("The store had been removed before the order")),
    ]

    order = models.OneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="attribution")
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
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        indexes = [
            models.Index(fields=["merchant", "staff", "order_at"], name="attribution_staff_time"),
            models.Index(fields=["merchant", "store", "order_at"], name="attribution_store_time"),
        ]

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
        return gettext("not credited: %(reason)s") % {"reason": self.get_reason_display().lower()}

