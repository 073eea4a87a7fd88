from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned, Staff, Store, UpdatedAt

from .masking import member_label


class Member(UpdatedAt, MerchantOwned):
    """A merchant's customer. Phone is stored as E.164, email lower-cased (see omo.contact)."""

    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Set when the shopper registers or logs in with a matching phone/email.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    registered_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="registered_members"
    )
    registered_store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # The language of the texts the member receives; empty: the merchant's (Merchant.language).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Consent to notices about the member's points (e.g. points about to expire); off until they agree.
    points_notices = models.BooleanField(
        _("points notices"),
        default=False,
        help_text=_("The member agreed to a text or email before their points expire."),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "phone"], condition=~Q(phone=""), name="member_phone_unique_per_merchant"
            ),
            models.UniqueConstraint(
                fields=["merchant", "email"], condition=~Q(email=""), name="member_email_unique_per_merchant"
            ),
            models.UniqueConstraint(
                fields=["merchant", "user"], condition=Q(user__isnull=False), name="member_user_unique_per_merchant"
            ),
            models.CheckConstraint(condition=~Q(phone="", email=""), name="member_has_phone_or_email"),
        ]
        indexes = [
            # The performance overview's new members of today (the rollups hold the past days).
            models.Index(fields=["merchant", "created_at"], condition=Q(registered_by__isnull=False),
                         name="member_registered_time"),
        ]

    # An erased member keeps a placeholder address (the row must have a phone or an email): nothing
    # of the person, unique per row, never deliverable (.invalid).
    ERASED_DOMAIN = "erased.invalid"

    @property
    def is_erased(self) -> bool:
        return self.email.endswith("@" + self.ERASED_DOMAIN)

    def __str__(self):
        # Masked: a member's name in lists, headings and logs never spells out their phone or email.
        return member_label(name=self.name, phone=self.phone, email=self.email)
