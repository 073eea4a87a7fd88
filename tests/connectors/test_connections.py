"""The merchant admin's connection pages: add (secret shown once, stored encrypted), rotate (two
secrets work until the old one retires), the id-mapping table with its unmapped inbox, replays,
and the generic kind on the existing signed order API."""

import json
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from commerce import signing
from commerce.models import Order
from connectors import services
from connectors.models import Connection, ConnectionSecret, Delivery, IdMapping
from connectors.selectors import connection_secrets
from tests.connectors.payloads import post_webhook, shopify_order
from tests.factories import StaffFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin", display_name="Boss")
    client.force_login(admin.user)
    return client


def pos_order(order_id, location_id="655441491", user_id="799407056", **kwargs):
    now = timezone.now()
    return shopify_order(
        order_id, email="walkin@example.com", created_at=(now - timedelta(minutes=5)).isoformat(),
        updated_at=(now - timedelta(minutes=5)).isoformat(), source_name="pos", location_id=location_id,
        user_id=user_id, **kwargs,
    )


def test_adding_a_connection_shows_its_secret_once_and_stores_it_encrypted(admin_client, merchant):
    response = admin_client.post(f"/m/{merchant.slug}/connections/add/", {"name": "Web shop", "kind": "woocommerce"})

    assert response.status_code == 200
    connection = Connection.objects.for_merchant(merchant).get()
    secret = response.context["shown"]["secret"]
    assert len(secret) >= 32 and secret in response.content.decode()
    stored = ConnectionSecret.objects.for_merchant(merchant).get()
    assert secret not in stored.ciphertext and stored.hint == secret[-4:]
    assert str(connection.key) in response.content.decode()  # the webhook address to paste into WooCommerce
    page = admin_client.get(f"/m/{merchant.slug}/connections/")
    assert page.status_code == 200 and secret not in page.content.decode()


def test_a_secret_the_platform_gives_is_kept(admin_client, merchant):
    admin_client.post(f"/m/{merchant.slug}/connections/add/",
                      {"name": "Shopify", "kind": "shopify", "secret": "shpss_from_shopify_admin_1234"})
    connection = Connection.objects.for_merchant(merchant).get()
    assert connection_secrets(merchant=merchant, connection=connection) == ["shpss_from_shopify_admin_1234"]


def test_rotation_keeps_both_secrets_working_until_the_old_one_retires(
    admin_client, client, merchant, django_capture_on_commit_callbacks
):
    connection, old = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    response = admin_client.post(f"/m/{merchant.slug}/connections/{connection.pk}/rotate/", {"secret": ""})
    new = response.context["shown"]["secret"]
    assert new != old and new in response.content.decode()

    for i, secret in enumerate([old, new]):
        assert post_webhook(client, connection, secret, pos_order(i + 1, location_id=None, user_id=None),
                            "orders/create").status_code == 200

    previous = ConnectionSecret.objects.for_merchant(merchant).order_by("created_at", "pk").first()
    assert previous.retires_at is not None and previous.retires_at > timezone.now() + timedelta(hours=23)
    admin_client.post(f"/m/{merchant.slug}/connections/{connection.pk}/secrets/{previous.pk}/retire/")
    assert post_webhook(client, connection, old, pos_order(9, location_id=None, user_id=None),
                        "orders/create").status_code == 401
    assert post_webhook(client, connection, new, pos_order(10, location_id=None, user_id=None),
                        "orders/create").status_code == 200


def test_connection_pages_are_for_this_merchants_admins_only(client, merchant, other_merchant, staff):
    connection, _ = services.connection_create(merchant=other_merchant, name="Theirs", kind="shopify")
    client.force_login(staff.user)  # store staff, not an admin: the role-limit page
    assert client.get(f"/m/{merchant.slug}/connections/").status_code == 403
    other_admin = StaffFactory(merchant=other_merchant, store=StoreFactory(merchant=other_merchant), role="admin")
    client.force_login(other_admin.user)
    assert client.get(f"/m/{merchant.slug}/connections/").status_code == 404
    assert client.get(f"/m/{other_merchant.slug}/connections/").status_code == 200


def test_another_merchants_connection_mapping_or_delivery_is_404(admin_client, merchant, other_merchant):
    connection, _ = services.connection_create(merchant=other_merchant, name="Theirs", kind="shopify")
    mapping = IdMapping.objects.for_merchant(other_merchant).create(
        merchant=other_merchant, connection=connection, kind="location", outside_id="1")
    delivery = Delivery.objects.for_merchant(other_merchant).create(
        merchant=other_merchant, connection=connection, delivery_id="d1", topic="orders/create", body="{}",
        status="failed")
    base = f"/m/{merchant.slug}/connections"
    assert admin_client.post(f"{base}/{connection.pk}/rotate/", {"secret": ""}).status_code == 404
    assert admin_client.post(f"{base}/mappings/{mapping.pk}/", {f"m{mapping.pk}-store": ""}).status_code == 404
    assert admin_client.post(f"{base}/deliveries/{delivery.pk}/replay/").status_code == 404
    assert ConnectionSecret.objects.for_merchant(other_merchant).count() == 1


def test_a_pos_order_waits_in_the_inbox_until_its_location_and_user_are_mapped(
    admin_client, client, merchant, store, staff, django_capture_on_commit_callbacks
):
    connection, secret = services.connection_create(merchant=merchant, name="Shopify POS", kind="shopify")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, connection, secret, pos_order(1001), "orders/create").status_code == 200

    delivery = Delivery.objects.for_merchant(merchant).get()
    assert delivery.status == Delivery.Status.UNMAPPED
    assert not Order.objects.for_merchant(merchant).exists()
    inbox = admin_client.get(f"/m/{merchant.slug}/connections/inbox/")
    assert "655441491" in inbox.content.decode()
    mappings = {m.kind: m for m in IdMapping.objects.for_merchant(merchant)}
    assert set(mappings) == {"location", "user"} and not any(m.is_mapped for m in mappings.values())
    assert admin_client.get(f"/m/{merchant.slug}/connections/mappings/").status_code == 200

    # When the merchant maps the location, the order still waits for its user
    location, user = mappings["location"], mappings["user"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/m/{merchant.slug}/connections/mappings/{location.pk}/", {f"m{location.pk}-store": store.pk})
    assert not Order.objects.for_merchant(merchant).exists()
    # And once the user is mapped too, it is processed
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/m/{merchant.slug}/connections/mappings/{user.pk}/", {f"m{user.pk}-staff": staff.pk})

    order = Order.objects.for_merchant(merchant).get()
    assert (order.channel, order.source_store, order.closing_staff) == ("pos", store, staff)
    assert Delivery.objects.for_merchant(merchant).get().status == Delivery.Status.PROCESSED

    # A later order from the same register goes straight through
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, pos_order(1002), "orders/create")
    assert Order.objects.for_merchant(merchant).count() == 2


def test_a_mapping_cannot_point_at_another_merchants_store(admin_client, merchant, other_merchant):
    connection, _ = services.connection_create(merchant=merchant, name="Shopify POS", kind="shopify")
    mapping = IdMapping.objects.for_merchant(merchant).create(merchant=merchant, connection=connection,
                                                              kind="location", outside_id="1")
    theirs = StoreFactory(merchant=other_merchant)
    admin_client.post(f"/m/{merchant.slug}/connections/mappings/{mapping.pk}/", {f"m{mapping.pk}-store": theirs.pk})
    mapping.refresh_from_db()
    assert mapping.store is None


def test_a_failed_mapping_is_replayed_from_the_stored_payload(
    admin_client, client, merchant, django_capture_on_commit_callbacks
):
    """A payload the mapping cannot read fails and is kept; after the fix it is replayed, from the
    merchant's inbox or with manage.py connection_replay."""
    connection, secret = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    good = pos_order(7, location_id=None, user_id=None)
    bad = {**good, "total_price": "lots"}
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, bad, "orders/create")
    delivery = Delivery.objects.for_merchant(merchant).get()
    assert delivery.status == Delivery.Status.FAILED and "total_price" in delivery.error
    assert "total_price" in admin_client.get(f"/m/{merchant.slug}/connections/inbox/").content.decode()

    # The fix: here the stored payload is corrected (as a code fix would read it right)
    Delivery.objects.for_merchant(merchant).filter(pk=delivery.pk).update(body=json.dumps(good))
    out = StringIO()
    call_command("connection_replay", "--merchant", merchant.slug, stdout=out)
    assert f"{delivery.pk}: processed" in out.getvalue()
    assert Order.objects.for_merchant(merchant).filter(number="SHOPIFY-7").exists()
    # A second replay finds nothing to do
    out = StringIO()
    call_command("connection_replay", "--merchant", merchant.slug, stdout=out)
    assert "nothing to replay" in out.getvalue()


def test_the_inbox_replay_button_processes_a_failed_delivery_again(
    admin_client, client, merchant, django_capture_on_commit_callbacks
):
    connection, secret = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    payload = pos_order(8, location_id=None, user_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, {**payload, "created_at": "yesterday", "processed_at": "yesterday"}, "orders/create")
    delivery = Delivery.objects.for_merchant(merchant).get()
    assert delivery.status == Delivery.Status.FAILED
    Delivery.objects.for_merchant(merchant).filter(pk=delivery.pk).update(body=json.dumps(payload))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/m/{merchant.slug}/connections/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    assert Delivery.objects.for_merchant(merchant).get().status == Delivery.Status.PROCESSED


def test_the_connections_page_shows_last_delivery_failures_and_lag(admin_client, client, merchant,
                                                                   django_capture_on_commit_callbacks):
    connection, secret = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, pos_order(1, location_id=None, user_id=None), "orders/create")
        post_webhook(client, connection, secret, {"id": 2, "total_price": "x"}, "orders/create")
    Delivery.objects.for_merchant(merchant).create(
        merchant=merchant, connection=connection, delivery_id="late", topic="orders/create", body="{}",
        received_at=timezone.now() - timedelta(seconds=90))

    response = admin_client.get(f"/m/{merchant.slug}/connections/")
    row = response.context["rows"][0]
    assert row.last_delivery_at is not None
    assert (row.processed, row.failures, row.pending) == (1, 1, 1)
    assert row.lag >= timedelta(seconds=90)  # the oldest delivery still waiting


def test_a_generic_connection_signs_the_existing_order_api(client, merchant):
    connection, secret = services.connection_create(merchant=merchant, name="ERP", kind="generic")
    body = json.dumps({"order_id": "ERP-1", "placed_at": timezone.now().isoformat(), "channel": "api"}).encode()
    timestamp = int(time.time())

    def post(key):
        return client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
                           HTTP_X_OMO_TIMESTAMP=str(timestamp), HTTP_X_OMO_SIGNATURE=signing.sign(key, timestamp, body))

    assert post("wrong-secret").status_code == 401
    assert post(secret).status_code == 201
    connection.is_active = False
    connection.save()
    assert post(secret).status_code == 401


def test_an_operator_replays_failed_deliveries_from_the_django_admin(client, merchant, django_capture_on_commit_callbacks):
    connection, secret = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    payload = pos_order(11, location_id=None, user_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, {**payload, "total_price": "n/a"}, "orders/create")
    delivery = Delivery.objects.for_merchant(merchant).get()
    Delivery.objects.for_merchant(merchant).filter(pk=delivery.pk).update(body=json.dumps(payload))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get("/admin/connectors/delivery/").status_code == 200
    assert client.get(f"/admin/connectors/delivery/{delivery.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/connectors/delivery/", {"action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    assert Delivery.objects.for_merchant(merchant).get().status == Delivery.Status.PROCESSED
    assert client.get("/admin/connectors/connection/").status_code == 200
    assert client.get("/admin/connectors/idmapping/").status_code == 200
