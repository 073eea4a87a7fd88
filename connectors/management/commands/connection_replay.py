"""Process stored webhook deliveries again, e.g. after a mapping error was fixed.

    manage.py connection_replay --merchant acme                      # every failed or unmapped delivery
    manage.py connection_replay --merchant acme --connection 3
    manage.py connection_replay --merchant acme --delivery 41 --delivery 42

Runs here, in this process (no worker needed), through the same service as the Celery task.
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connectors import services
from connectors.models import Delivery
from omo.tenancy.models import Merchant
from omo.tenancy.scoping import merchant_scope


class Command(BaseCommand):
    help = "Process a merchant's failed or unmapped webhook deliveries again from their stored payload."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="the merchant's URL name (slug)")
        parser.add_argument("--connection", type=int, help="only this connection's deliveries")
        parser.add_argument("--delivery", type=int, action="append", help="only these deliveries (repeatable)")

    def handle(self, *args, merchant, connection=None, delivery=None, **options):
        found = Merchant.objects.filter(slug=merchant).first()
        if found is None:
            raise CommandError(f"no merchant {merchant!r}")
        with merchant_scope(found):
            rows = Delivery.objects.for_merchant(found).filter(
                status__in=[Delivery.Status.FAILED, Delivery.Status.UNMAPPED, Delivery.Status.PENDING]
            )
            if connection:
                rows = rows.filter(connection_id=connection)
            if delivery:
                rows = rows.filter(pk__in=delivery)
            ids = list(rows.order_by("received_at", "pk").values_list("pk", flat=True))
            outcomes = Counter()
            for delivery_id in ids:
                with transaction.atomic():
                    result = services.delivery_process(merchant=found, delivery_id=delivery_id)
                outcomes[result.status] += 1
                line = f"{delivery_id}: {result.status}"
                if result.error:
                    line += f" ({result.error})"
                self.stdout.write(line)
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items())) or "nothing to replay"
        self.stdout.write(summary)
