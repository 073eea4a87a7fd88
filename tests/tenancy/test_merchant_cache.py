"""Each web process keeps the merchant row for a few seconds; edits made here show at once, and
the order API's signing secret is never taken from that copy."""

import pytest
from django.utils import timezone

from omo.tenancy.models import Merchant
from tests.factories import MemberFactory
from tests.order_api import order_payload, post_order

pytestmark = pytest.mark.django_db


def test_a_merchant_renamed_shows_the_new_name_on_the_next_page(client, merchant):
    assert "Acme Taiwan" in client.get("/m/acme/shop/").content.decode()
    merchant.name = "Acme Asia"
    merchant.save()
    assert "Acme Asia" in client.get("/m/acme/shop/").content.decode()


def test_the_order_api_checks_the_current_secret_even_with_the_merchant_kept(client, merchant):
    member = MemberFactory(merchant=merchant)
    assert post_order(client, merchant, order_payload("A-1", member, timezone.now())).status_code in (200, 201, 202)
    # A secret changed by another process (no signal reaches this one): the old one stops working.
    Merchant.objects.filter(pk=merchant.pk).update(order_api_secret="rotated-secret-2026")
    old = post_order(client, merchant, order_payload("A-2", member, timezone.now()))
    assert old.status_code in (401, 403)
    merchant.refresh_from_db()
    assert post_order(client, merchant, order_payload("A-3", member, timezone.now())).status_code in (200, 201, 202)


def test_an_unknown_merchant_stays_unknown(client, merchant):
    assert client.get("/m/nobody/shop/").status_code == 404
