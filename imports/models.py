from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned


class ImportJob(MerchantOwned):
    """An uploaded file, checked (dry run) and then imported in one transaction."""

    class Kind(models.TextChoices):
        CATALOG = "catalog", _("Catalog (products and variations)")
        MEMBERS = "members", _("Members")
        ORDERS = "orders", _("Past orders")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        INVALID = "invalid", _("Has errors")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # {"new": n, "update": n, "skip": n, "error": n, "invalid": n} of the last run.
    totals = models.JSONField(default=dict, blank=True)
    # The first rows' problems: [{"number": row, "errors": [[column, [messages]], ...]}, ...].
    problems = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name}"
