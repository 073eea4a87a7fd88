"""The Django admin (platform operators): offers editable, the ledger read-only."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from loyalty import services
from loyalty.models import Offer, PointsLedgerEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["offer", "loyaltysettings", "pointsaccount", "pointsledgerentry", "referral"])
def test_admin_lists_open(operator_client, merchant, member, model):
    services.points_adjust(merchant=merchant, member=member, points=10, reason="Gift")

    assert operator_client.get(reverse(f"admin:loyalty_{model}_changelist")).status_code == 200


def test_operator_configures_an_offer_in_the_admin(operator_client, merchant, store):
    response = operator_client.post(reverse("admin:loyalty_offer_add"), {
        "merchant": merchant.pk, "name": "App install", "active": "on", "position": "0",
        "event": "app_installed", "action": "fixed_points", "value": "100",
        "channels": "[]", "store_attributes": "{}", "payment_methods": "[]", "product_categories": "[]",
        "store_links-TOTAL_FORMS": "0", "store_links-INITIAL_FORMS": "0",  # the stores inline (OfferStore)
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Offer.objects.for_merchant(merchant).get().value == D("100")


def test_ledger_entries_cannot_be_edited_or_deleted_in_the_admin(operator_client, merchant, member):
    entry = services.points_adjust(merchant=merchant, member=member, points=10, reason="Gift")

    change = operator_client.get(reverse("admin:loyalty_pointsledgerentry_change", args=[entry.pk]))
    delete = operator_client.post(reverse("admin:loyalty_pointsledgerentry_delete", args=[entry.pk]), {"post": "yes"})

    assert change.status_code == 200 and b'name="points"' not in change.content
    assert delete.status_code == 403
    assert PointsLedgerEntry.objects.for_merchant(merchant).filter(pk=entry.pk).exists()
