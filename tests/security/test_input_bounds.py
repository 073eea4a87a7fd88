"""Input bounds (security issue, finding 6): hostile input to the order API and to searches is a
400 with the common error body, never a 500, and writes nothing."""

import json
import time
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
from django.test import Client

from commerce.models import Order
from omo.tenancy.models import Store
from tests.order_api import order_payload, post_order, signed_headers

AT = datetime(2026, 5, 1, 8, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_non_ascii_signature_is_401_not_500(client, merchant, member):
    body = json.dumps(order_payload("NA-1", member, AT)).encode()
    response = client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
        HTTP_X_OMO_TIMESTAMP=str(int(time.time())), HTTP_X_OMO_SIGNATURE="sha256=ü€" + "0" * 60,
    )
    assert response.status_code == 401
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"sku": "X", "quantity": 100000, "unit_price": "999999999999.00"}]}, "lines"),
        ({"money": {"item_subtotal": "99999999999999.99"}}, "money"),
        ({"lines": [{"sku": "X", "quantity": 500, "unit_price": "999999999999.00"}] * 2}, "lines"),
        ({"placed_at": "9999-12-31T00:00:00+00:00"}, "placed_at"),
        ({"placed_at": "1900-01-01T00:00:00+00:00"}, "placed_at"),
    ],
)
def test_amounts_and_times_out_of_bounds_are_400_naming_the_field(client, merchant, member, change, field):
    response = post_order(client, merchant, {**order_payload("BIG-1", member, AT), **change})
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json()["details"])
    assert not Order.objects.for_merchant(merchant).exists()


def test_deeply_nested_json_is_400_not_a_recursion_error(client, merchant):
    body = ("[" * 5000 + "]" * 5000).encode()
    response = client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json", **signed_headers(merchant, body)
    )
    assert response.status_code == 400
    assert "nested" in response.json()["error"]["message"]


def test_deeply_nested_store_attributes_in_the_admin_are_a_form_error(client, merchant, store, django_user_model):
    operator = django_user_model.objects.create_superuser(email="op@omo.example", password="x-Strong-pass-1")
    client.force_login(operator)
    deep = "[" * 5000 + "]" * 5000
    response = client.post(
        f"/admin/tenancy/store/{store.pk}/change/",
        {"merchant": merchant.pk, "name": store.name, "code": store.code, "attributes": deep},
    )
    assert response.status_code == 200  # the form again, with its error
    assert b"errorlist" in response.content
    assert Store.objects.for_merchant(merchant).get(pk=store.pk).attributes == store.attributes


@pytest.mark.parametrize("path", ["/m/acme/shop/?q=%00", "/m/acme/shop/?q=tea%00x", "/m/acme/staff/?q=%00"])
def test_a_nul_byte_in_a_search_is_400(client, merchant, staff, path):
    client.force_login(staff.user)
    response = client.get(path)
    assert response.status_code == 400


def test_a_nul_byte_in_an_api_query_is_400_in_the_api_shape(client, merchant):
    response = client.get(f"/m/{merchant.slug}/api/v1/products/?search=%00")
    assert response.status_code == 400
    assert response.json()["error"]
