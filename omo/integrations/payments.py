"""Taking a payment online: a provider interface with no ORM.

`settings.PAYMENT_PROVIDER` names the provider class (like `SMS_BACKEND`). The default
`FakeProvider` "charges" at once and always succeeds, so a checkout can be tried end to end
without credentials and without moving money; a real provider (a card gateway, LINE Pay) goes
behind the same `charge` call. Callers record the outcome on their own objects (the order).
"""

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("omo.payments")


class PaymentDeclined(Exception):
    """The provider refused the charge; the message can be shown to the shopper."""


@dataclass(frozen=True)
class Charge:
    reference: str  # the provider's id of the charge
    amount: Decimal


class PaymentProvider(Protocol):
    def charge(self, *, amount: Decimal, currency: str, reference: str) -> Charge:
        """Take `amount` for the order `reference` now; raise PaymentDeclined when refused."""
        ...


class FakeProvider:
    """Charges immediately and never declines (the default: nothing leaves the system)."""

    def charge(self, *, amount: Decimal, currency: str, reference: str) -> Charge:
        charge = Charge(reference=f"fake-{secrets.token_hex(6)}", amount=amount)
        logger.info("fake charge %s: %s %s for %s", charge.reference, currency, amount, reference)
        return charge


def get_provider() -> PaymentProvider:
    return import_string(settings.PAYMENT_PROVIDER)()
