import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned, Staff, Store, UpdatedAt


def new_link_token():
    # 192 bits from the OS CSPRNG: unguessable, and links never expire.
    return secrets.token_urlsafe(24)


class RecommendationLink(UpdatedAt, MerchantOwned):
    token = models.CharField(max_length=64, db_index=True, default=new_link_token, editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="recommendation_links")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="recommendation_links")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="recommendation_links")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recommendation link")
        verbose_name_plural = _("recommendation links")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["merchant", "token"], name="recommendation_link_token_unique_per_merchant")]

    def __str__(self):
        return f"{self.staff} → {self.member} ({self.created_at:%Y-%m-%d %H:%M})"


class RecommendationItem(MerchantOwned):
    link = models.ForeignKey(RecommendationLink, on_delete=models.CASCADE, related_name="items")
    variation = models.ForeignKey("commerce.Variation", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "link", "variation"], name="recommendation_item_unique")]


class LinkClick(MerchantOwned):
    """A logged-in shopper opening a link (clicks made before login are joined at login)."""

    link = models.ForeignKey(RecommendationLink, on_delete=models.PROTECT, related_name="clicks")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="clicks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    clicked_at = models.DateTimeField(_("clicked at"))
    device = models.CharField(_("device"), max_length=40, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        verbose_name = _("link click")
        verbose_name_plural = _("link clicks")
        ordering = ["-clicked_at"]
        indexes = [models.Index(fields=["merchant", "member", "clicked_at"], name="click_member_time")]


class SmsOutbox(MerchantOwned):
    """Every text message the system sends, whatever the SMS backend (the console one included)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    link = models.ForeignKey(RecommendationLink, on_delete=models.PROTECT, related_name="messages")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    to = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(max_length=80, blank=True)
    error = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at"]
        indexes = [
            # The beat sweep looks only at texts still queued: one small index probe per merchant.
            models.Index(
                fields=["merchant", "created_at"], name="sms_queued", condition=models.Q(status="queued")
            )
        ]
