from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned, Staff, UpdatedAt


def exports_storage():
    """Where export files live: settings.STORAGES["exports"] (the local disk, or object storage)."""
    return storages["exports"]


class ExportJob(UpdatedAt, MerchantOwned):
    """A large order CSV export written by a Celery worker to a file, with its progress.

    Small exports stream straight to the browser and leave no row here.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    # The export filters as plain values: {"date_from": "2026-01-01", "date_to": ..., "store": id, "channel": code}.
    filters = models.JSONField(_("filters"), default=dict)
    # The requester's language, so column titles and status labels match the page they came from.
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows to write"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", storage=exports_storage, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.merchant_id}/{self.pk} {self.status}"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.rows_written * 100 // self.total_rows)

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
