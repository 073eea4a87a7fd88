"""The audit log: who did what to which record, when and from where. Append-only.

An equivalent of django-pghistory's event tables without database triggers: rows are only ever
inserted (`audit.services.audit_record`); the queryset and the model refuse UPDATE and DELETE,
and the admin shows them read-only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from omo.tenancy.models import Merchant, MerchantOwned
from omo.tenancy.scoping import TenantManager


class AppendOnlyError(Exception):
    """An audit event was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    # bulk_update goes through update(); bulk_create stays allowed (inserts only).


class AuditEventManager(TenantManager.from_queryset(AuditEventQuerySet)):
    pass


class AuditEvent(MerchantOwned):
    class Action(models.TextChoices):
        MEMBER_VIEW = "member.view", _("Member profile viewed")
        MEMBER_ERASE = "member.erase", _("Member's personal data erased")
        EXPORT_ORDERS = "export.orders", _("Order CSV exported")
        EXPORT_PERFORMANCE = "export.performance", _("Performance CSV exported")
        EXPORT_PAYROLL = "export.payroll", _("Payroll CSV exported")
        EXPORT_PARTNER_REPORT = "export.partner_report", _("Partner report CSV exported")
        API_KEY_CREATE = "api_key.create", _("API key created")
        API_KEY_REVOKE = "api_key.revoke", _("API key revoked")
        STAFF_ROLE = "staff.role", _("Staff role changed")
        MERCHANT_SETTINGS = "settings.merchant", _("Merchant settings changed")
        LOYALTY_SETTINGS = "settings.loyalty", _("Loyalty settings changed")
        # Partner commission lifecycle (partners/payouts.py)
        COMMISSION_CREATE = "commission.create", _("Commission created (pending)")
        COMMISSION_APPROVE = "commission.approve", _("Commission approved")
        COMMISSION_REJECT = "commission.reject", _("Commission rejected")
        ADJUSTMENT_CREATE = "commission.adjust", _("Commission adjustment created")
        PAYOUT_CREATE = "payout.create", _("Payout created")
        PAYOUT_EXPORT = "payout.export", _("Payout bank file exported")
        PAYOUT_PAID = "payout.paid", _("Payout marked paid")
        CAMPAIGN_PAYOUT_TERMS = "campaign.payout_terms", _("Campaign return window or tiers changed")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    target_type = models.CharField(_("target type"), max_length=40, blank=True)
    target_id = models.CharField(_("target id"), max_length=40, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = ScopedManager(_manager_class=AuditEventManager, merchant="merchant")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="audit_merchant_time")]

    def __str__(self):
        return f"{self.get_action_display()} {self.target_type} {self.target_id}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")
