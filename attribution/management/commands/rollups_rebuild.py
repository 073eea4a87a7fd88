"""``manage.py rollups_rebuild [--merchant SLUG]``: recompute the performance rollups from the raw
rows (`attribution.rollups`), for one merchant or every merchant.

Run once after deploying the rollups (the backfill: until then the reports read the raw rows),
and after changing a merchant's time zone (until then its reports read the raw rows).
"""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from attribution.rollups import rollups_rebuild
from omo.tenancy.models import Merchant


class Command(BaseCommand):
    help = "Recompute the performance rollups from the orders, attributions and members."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", help="the merchant's slug (default: every merchant)")

    def handle(self, *args, merchant=None, **options):
        with scopes_disabled():
            merchants = Merchant.objects.order_by("pk")
            if merchant:
                merchants = merchants.filter(slug=merchant)
                if not merchants.exists():
                    raise CommandError(f"no merchant with the slug {merchant!r}")
            for each in merchants:
                cells = rollups_rebuild(merchant=each)
                self.stdout.write(f"{each.slug}: {cells} cells ({each.timezone})")
