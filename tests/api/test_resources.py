"""The merchant REST API: API keys, roles, tenant scoping, filters, pagination and error bodies."""

import hashlib

import pytest

from attribution.models import Attribution
from commerce.models import Order
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from omo.tenancy.models import ApiKey
from tests.factories import (
    LinkFactory,
    OrderFactory,
    ProductFactory,
    StaffFactory,
    StoreFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def api(merchant, path=""):
    return f"/m/{merchant.slug}/api/v1/{path}"


def key_header(raw):
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def admin(merchant, store):
    return StaffFactory(merchant=merchant, store=store, role="admin", display_name="Ada Admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


@pytest.fixture
def raw_key(merchant):
    return api_key_create(merchant=merchant, name="ERP")[1]


def test_admin_creates_a_key_that_is_shown_once_and_stored_hashed(admin_client, merchant):
    response = admin_client.post(api(merchant, "api-keys/"), {"name": "POS sync"}, content_type="application/json")

    assert response.status_code == 201
    raw = response.json()["key"]
    assert raw.startswith("omo_") and len(raw) > 40
    key = ApiKey.objects.for_merchant(merchant).get()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.for_merchant(merchant).values().get())
    listed = admin_client.get(api(merchant, "api-keys/")).json()["results"]
    assert listed == [{**listed[0], "name": "POS sync", "prefix": raw[:12], "revoked_at": None}]
    assert "key" not in listed[0]


def test_key_reads_its_own_merchant_and_records_last_use(client, merchant, store, raw_key):
    response = client.get(api(merchant, "stores/"), **key_header(raw_key))

    assert response.status_code == 200
    assert [s["code"] for s in response.json()["results"]] == ["taipei-101"]
    assert ApiKey.objects.for_merchant(merchant).get().last_used_at is not None


def test_key_is_refused_under_another_merchant_url(client, merchant, other_merchant, raw_key):
    StoreFactory(merchant=other_merchant, code="their-store")

    response = client.get(api(other_merchant, "stores/"), **key_header(raw_key))

    assert response.status_code == 401
    assert response.json() == {"error": {"type": "authentication_error", "code": "authentication_failed",
                                         "message": "Invalid or revoked API key.", "param": None}, "details": None}
    assert "their-store" not in response.content.decode()


def test_revoked_key_stops_working(admin_client, client, merchant, raw_key):
    key = ApiKey.objects.for_merchant(merchant).get()

    assert admin_client.delete(api(merchant, f"api-keys/{public_id(key)}/")).status_code == 204

    response = client.get(api(merchant, "stores/"), **key_header(raw_key))
    assert response.status_code == 401
    assert ApiKey.objects.for_merchant(merchant).get().revoked_at is not None


def test_a_key_cannot_mint_keys(client, merchant, raw_key):
    response = client.post(api(merchant, "api-keys/"), {"name": "x"}, content_type="application/json",
                           **key_header(raw_key))
    assert response.status_code in (401, 403)
    assert ApiKey.objects.for_merchant(merchant).count() == 1


def test_anonymous_gets_401_with_json_error(client, merchant):
    response = client.get(api(merchant, "orders/"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert set(response.json()) == {"error", "details"}


def test_roles_store_staff_reads_products_but_not_orders(staff_client, merchant):
    ProductFactory(merchant=merchant, name="Green tea")

    assert staff_client.get(api(merchant, "products/")).status_code == 200
    response = staff_client.get(api(merchant, "orders/"))
    assert response.status_code == 403
    assert set(response.json()) == {"error", "details"}
    assert staff_client.post(api(merchant, "stores/"), {"name": "X", "code": "x"},
                             content_type="application/json").status_code == 403


def test_someone_who_is_not_staff_here_gets_404(client, merchant, other_merchant):
    outsider = StaffFactory(merchant=other_merchant, role="admin")
    client.force_login(outsider.user)

    response = client.get(api(merchant, "orders/"))

    assert response.status_code == 404
    assert response.json()["error"]


def test_other_merchants_order_is_404_and_never_listed(client, merchant, other_merchant, raw_key):
    mine = OrderFactory(merchant=merchant, number="MINE-1")
    theirs = OrderFactory(merchant=other_merchant, number="THEIRS-1")

    assert client.get(api(merchant, f"orders/{public_id(mine)}/"), **key_header(raw_key)).status_code == 200
    response = client.get(api(merchant, f"orders/{public_id(theirs)}/"), **key_header(raw_key))
    assert response.status_code == 404
    listed = client.get(api(merchant, "orders/"), **key_header(raw_key)).content.decode()
    assert "MINE-1" in listed and "THEIRS-1" not in listed


def test_orders_filter_paginate_and_show_lines_and_attribution(client, merchant, staff, raw_key):
    orders = [OrderFactory(merchant=merchant, number=f"N-{i}") for i in range(5)]
    Order.objects.for_merchant(merchant).filter(pk=orders[0].pk).update(status="cancelled")
    Attribution.objects.for_merchant(merchant).create(
        merchant=merchant, order=orders[1], reason="credited", staff=staff, store=staff.store,
        order_at=orders[1].placed_at, click_at=orders[1].placed_at,
    )

    cancelled = client.get(api(merchant, "orders/?status=cancelled"), **key_header(raw_key)).json()
    page = client.get(api(merchant, "orders/?page_size=2&ordering=placed_at"), **key_header(raw_key)).json()
    one = client.get(api(merchant, f"orders/{public_id(orders[1])}/"), **key_header(raw_key)).json()

    assert [o["number"] for o in cancelled["results"]] == ["N-0"]
    assert [o["number"] for o in page["results"]] == ["N-0", "N-1"] and page["next"]  # cursor pages
    assert one["attribution"]["reason"] == "credited" and one["attribution"]["staff"] == public_id(staff)
    assert one["channel_group"] == "online"


def test_invalid_filter_answers_400_json(client, merchant, raw_key):
    response = client.get(api(merchant, "orders/?placed_after=yesterday&member=abc"), **key_header(raw_key))

    assert response.status_code == 400
    body = response.json()
    assert body["error"] and set(body["details"]) == {"placed_after", "member"}


def test_variation_cannot_point_at_another_merchants_product(client, merchant, other_merchant, raw_key):
    theirs = ProductFactory(merchant=other_merchant)
    mine = ProductFactory(merchant=merchant)

    refused = client.post(api(merchant, "variations/"), {"product": public_id(theirs), "sku": "S-1", "price": "10.00"},
                          content_type="application/json", **key_header(raw_key))
    created = client.post(api(merchant, "variations/"), {"product": public_id(mine), "sku": "S-1", "price": "10.00"},
                          content_type="application/json", **key_header(raw_key))
    duplicate = client.post(api(merchant, "variations/"), {"product": public_id(mine), "sku": "S-1", "price": "10.00"},
                            content_type="application/json", **key_header(raw_key))

    assert refused.status_code == 400 and "product" in refused.json()["details"]
    assert created.status_code == 201
    assert duplicate.status_code == 409 and "sku" in duplicate.json()["details"]
    assert duplicate.json()["error"]["code"] == "unique" and duplicate.json()["error"]["param"] == "sku"


def test_staff_registers_a_member_with_a_normalised_phone(staff_client, merchant, staff):
    response = staff_client.post(api(merchant, "members/"), {"phone": "0912 345 678", "name": "Lin"},
                                 content_type="application/json")
    again = staff_client.post(api(merchant, "members/"), {"phone": "+886912345678"}, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["phone"] == "+886912345678"
    assert response.json()["registered_by"] == public_id(staff)
    assert again.status_code == 409 and "phone" in again.json()["details"]


def test_store_admin_writes_and_soft_removes(admin_client, merchant):
    created = admin_client.post(api(merchant, "stores/"), {"name": "Xinyi", "code": "xinyi",
                                                            "attributes": {"format": "Hypermarket"}},
                                content_type="application/json")
    store_id = created.json()["id"]
    duplicate = admin_client.post(api(merchant, "stores/"), {"name": "Again", "code": "xinyi"},
                                  content_type="application/json")
    removed = admin_client.delete(api(merchant, f"stores/{store_id}/"))

    assert created.status_code == 201
    assert duplicate.status_code == 409 and "code" in duplicate.json()["details"]
    assert removed.status_code == 204
    assert admin_client.get(api(merchant, f"stores/{store_id}/")).json()["removed_at"] is not None


def test_store_staff_see_only_their_own_links(client, merchant, staff):
    mine = LinkFactory(merchant=merchant, staff=staff)
    LinkFactory(merchant=merchant)
    client.force_login(staff.user)

    results = client.get(api(merchant, "recommendation-links/")).json()["results"]

    assert [link["id"] for link in results] == [public_id(mine)]


def test_unknown_merchant_or_malformed_id_under_api_is_json_404(client, merchant, raw_key):
    for path in ("/m/nobody-here/api/v1/orders/", api(merchant, "orders/not-a-number/")):
        response = client.get(path, **key_header(raw_key))
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error", "details"}


def test_schema_lists_every_resource_and_the_key_scheme(client, settings):
    settings.API_DOCS_PUBLIC = True  # as in development; production: signed-in merchant users only
    response = client.get("/api/schema/?format=json")

    schema = response.json()
    paths = schema["paths"]
    for resource in ("stores", "staff", "members", "products", "variations", "orders", "attributions",
                     "recommendation-links", "campaigns", "partners", "points-accounts", "points-ledger",
                     "api-keys"):
        assert f"/m/{{merchant}}/api/v1/{resource}/" in paths, resource
    assert "/m/{merchant}/api/orders/" in paths
    assert schema["components"]["securitySchemes"]["ApiKey"]["in"] == "header"
    assert client.get("/api/docs/").status_code == 200


def test_manager_sees_only_their_store_staff(client, merchant, store):
    manager = StaffFactory(merchant=merchant, store=store, role="manager")
    StaffFactory(merchant=merchant, store=StoreFactory(merchant=merchant), display_name="Elsewhere")
    client.force_login(manager.user)

    names = [s["display_name"] for s in client.get(api(merchant, "staff/")).json()["results"]]

    assert "Elsewhere" not in names and manager.display_name in names


def test_partner_points_and_campaign_resources_answer(client, merchant, raw_key):
    for resource in ("campaigns", "partners", "points-accounts", "points-ledger", "attributions", "variations",
                     "members", "staff"):
        response = client.get(api(merchant, f"{resource}/"), **key_header(raw_key))
        assert response.status_code == 200, resource
        assert response.json()["results"] == [] or resource in ("members", "staff", "variations")


def test_user_without_any_role_gets_404(client, merchant):
    client.force_login(UserFactory())
    assert client.get(api(merchant, "stores/")).status_code == 404


def test_any_utc_offset_in_a_time_filter_is_accepted(client, merchant, raw_key):
    # PostgreSQL refuses "+16:00" in a timestamp literal; the filter sends UTC (found by the fuzzer).
    OrderFactory(merchant=merchant, number="LATE")

    response = client.get(api(merchant, "orders/?placed_after=2000-01-01T00:00:00%2B16:00"), **key_header(raw_key))

    assert response.status_code == 200
    assert [o["number"] for o in response.json()["results"]] == ["LATE"]


def test_operator_revokes_a_key_in_the_django_admin(client, merchant, raw_key):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    key = ApiKey.objects.for_merchant(merchant).get()

    page = client.get("/admin/tenancy/apikey/")
    response = client.post("/admin/tenancy/apikey/", {"action": "revoke", "_selected_action": [key.pk]})

    assert page.status_code == 200 and key.prefix in page.content.decode()
    assert key.key_hash not in page.content.decode()
    assert response.status_code == 302
    assert ApiKey.objects.for_merchant(merchant).get().revoked_at is not None
    assert client.get(api(merchant, "stores/"), HTTP_AUTHORIZATION=f"Api-Key {raw_key}").status_code == 401
