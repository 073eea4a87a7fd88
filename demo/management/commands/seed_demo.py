from django.core.management.base import BaseCommand

from demo import seed as demo


class Command(BaseCommand):
    help = "Create demo merchants, stores, staff, members, products and orders (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="omo-demo-2026", help="password of every demo login")
        parser.add_argument("--orders", type=int, default=500)

    def handle(self, *args, password, orders, **options):
        logins = demo.seed(password, orders=orders)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for line in logins:
            self.stdout.write(f"  {line}")
