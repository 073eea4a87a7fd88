"""The /api/v1 contract an integrator builds on (issue 19): every resource answers an API key,
strict filters, incremental sync, idempotent POSTs, ETag/If-Match, rate limits, public ids and
one error shape."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from commerce.models import Variation
from members.models import Member
from omo.api import publicid
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from partners import clicks, payouts
from partners.models import Commission
from tests.factories import (
    ClickFactory,
    LinkFactory,
    MemberFactory,
    OrderFactory,
    ProductFactory,
    StaffFactory,
    VariationFactory,
)
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"

pytestmark = pytest.mark.django_db


def api(merchant, path=""):
    return f"/m/{merchant.slug}/api/v1/{path}"


@pytest.fixture
def key(merchant):
    return {"HTTP_AUTHORIZATION": f"Api-Key {api_key_create(merchant=merchant, name='ERP')[1]}"}


@pytest.fixture
def data(merchant, store, staff, member, django_capture_on_commit_callbacks):
    """One row of most resources, so that the walk reads real objects."""
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    ClickFactory(merchant=merchant, link=link)
    order = OrderFactory(merchant=merchant, member=member)
    VariationFactory(merchant=merchant)
    partner_money(merchant, django_capture_on_commit_callbacks)
    return {"link": link, "order": order}


def partner_money(merchant, django_capture_on_commit_callbacks):
    """A referred order's commission, paid in a payout, adjusted afterwards; tiers; a click."""
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner(email="kol@example.com"))
    payouts.campaign_payout_terms_set(merchant=merchant, campaign=campaign, return_window_days=7,
                                      tiers=[payouts.TierInput(from_sales=Decimal("50000"), rate=Decimal("12"))])
    tea = VariationFactory(merchant=merchant, price=Decimal("100"))
    with django_capture_on_commit_callbacks(execute=True):
        referred = referred_order(merchant, campaign, number="R-1", lines=[line(tea, 1, "100.00")],
                                  paid_amount=Decimal("100"), payment_status="paid")
    item = Commission.objects.for_merchant(merchant).get(campaign_order__order=referred)
    payouts.commission_approve(merchant=merchant, commission=item)
    today = timezone.localdate(timezone=merchant.tzinfo)
    payout = payouts.payout_create(merchant=merchant, period_start=today, period_end=today, currency=campaign.currency)
    payouts.payout_mark_paid(merchant=merchant, payout=payout)
    payouts.adjustment_create(merchant=merchant, commission=item, amount=Decimal("-1.00"), reason="Return")
    clicks.click_record(merchant=merchant, campaign=campaign, visitor="v1", user_agent=BROWSER)


# Every resource: list and one object answer an API key (no 404, no 302 to a login page).
RESOURCES = ["stores", "staff", "members", "products", "variations", "orders", "attributions",
             "recommendation-links", "link-clicks", "campaigns", "invitations", "commissions", "partners",
             "points-accounts", "points-ledger", "offers", "exports", "payouts", "commission-adjustments",
             "commission-tiers", "campaign-payout-terms", "campaign-clicks"]


PARTNER_MONEY = {"commissions", "payouts", "commission-adjustments", "commission-tiers", "campaign-payout-terms",
                 "campaign-clicks"}


def test_api_key_walks_every_resource(client, merchant, key, data):
    for resource in RESOURCES:
        listed = client.get(api(merchant, f"{resource}/"), **key)
        assert listed.status_code == 200, (resource, listed.content[:300])
        body = listed.json()
        assert "results" in body and "next" in body, resource
        if resource in PARTNER_MONEY:
            assert body["results"], resource
        for row in body["results"][:1]:
            prefix, _, rest = row["id"].partition("_")
            assert prefix and len(rest) == 11, row["id"]
            assert "updated_at" in row, resource
            one = client.get(api(merchant, f"{resource}/{row['id']}/"), **key)
            assert one.status_code == 200, (resource, one.content[:300])
            assert one["ETag"].startswith('"'), resource
    for path in ("performance/", "performance/staff/", "performance/stores/"):
        assert client.get(api(merchant, path), **key).status_code == 200, path


def test_api_key_creates_and_updates_where_allowed(client, merchant, store, staff, member, key):
    variation = VariationFactory(merchant=merchant)
    write = {**key}

    product = client.post(api(merchant, "products/"), {"name": "Oolong"}, content_type="application/json", **write)
    link = client.post(api(merchant, "recommendation-links/"),
                       {"staff": public_id(staff), "member": public_id(member), "variations": [public_id(variation)]},
                       content_type="application/json", **write)
    campaign = client.post(api(merchant, "campaigns/"), {
        "name": "Spring", "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-04-01T00:00:00Z", "currency": "TWD",
        "condition": "whole_order", "commission_type": "percentage", "rate": "10.00"},
        content_type="application/json", **write)
    invitation = client.post(api(merchant, "invitations/"), {"campaign": campaign.json().get("id")},
                             content_type="application/json", **write)
    adjusted = client.post(api(merchant, "points-adjustments/"),
                           {"member": public_id(member), "points": 50, "reason": "Goodwill"},
                           content_type="application/json", **write)
    renamed = client.patch(api(merchant, f"members/{public_id(member)}/"), {"name": "Lin Mei"},
                           content_type="application/json", **write)

    assert product.status_code == 201, product.content
    assert link.status_code == 201, link.content
    assert link.json()["url"].endswith(f"/l/{link.json()['token']}/")
    assert campaign.status_code == 201, campaign.content
    assert campaign.json()["partner"] is None and campaign.json()["code"]
    assert invitation.status_code == 201, invitation.content
    assert "/partners/invite/" in invitation.json()["invite_url"]
    assert adjusted.status_code == 201 and adjusted.json()["points"] == 50, adjusted.content
    assert renamed.status_code == 200 and renamed.json()["name"] == "Lin Mei", renamed.content
    stats = client.get(api(merchant, f"campaigns/{campaign.json()['id']}/stats/"), **key)
    assert stats.status_code == 200 and stats.json()["order_count"] == 0


def test_unknown_filter_or_ordering_is_a_400_naming_it(client, merchant, key):
    MemberFactory.create_batch(2, merchant=merchant)

    unknown = client.get(api(merchant, "points-accounts/?colour=red"), **key)
    ordering = client.get(api(merchant, "members/?ordering=bogus"), **key)
    wrong_kind = client.get(api(merchant, "points-accounts/?member=29"), **key)
    for resource in RESOURCES:  # every resource orders by updated_at
        assert client.get(api(merchant, f"{resource}/?ordering=-updated_at"), **key).status_code == 200, resource

    assert unknown.status_code == 400
    assert unknown.json()["error"] == {"type": "invalid_request_error", "code": "unknown_parameter",
                                       "message": "Unknown query parameter.", "param": "colour"}
    assert ordering.status_code == 400 and ordering.json()["error"]["param"] == "ordering"
    assert ordering.json()["error"]["code"] == "unknown_ordering_field"
    assert wrong_kind.status_code == 400 and wrong_kind.json()["error"]["param"] == "member"


def test_filters_are_applied_not_ignored(client, merchant, key):
    mine, theirs = MemberFactory.create_batch(2, merchant=merchant)
    VariationFactory(merchant=merchant, sku="TEA-1", product=ProductFactory(merchant=merchant, name="Tea"))
    VariationFactory(merchant=merchant, sku="COF-1", product=ProductFactory(merchant=merchant, name="Coffee"))

    by_sku = client.get(api(merchant, "products/?sku=TEA-1"), **key).json()["results"]
    searched = client.get(api(merchant, "products/?search=coff"), **key).json()["results"]
    by_member = client.get(api(merchant, f"members/?search={mine.phone}"), **key).json()["results"]

    assert [p["name"] for p in by_sku] == ["Tea"]
    assert [p["name"] for p in searched] == ["Coffee"]
    assert [m["id"] for m in by_member] == [public_id(mine)]
    assert client.get(api(merchant, "products/?q=tea"), **key).status_code == 400  # the old name is gone


def test_updated_after_returns_exactly_what_changed(client, merchant, key):
    old, changed, untouched = VariationFactory.create_batch(3, merchant=merchant)
    since = timezone.now() + timedelta(seconds=1)
    Variation.objects.for_merchant(merchant).filter(pk__in=[old.pk, changed.pk, untouched.pk]).update(
        updated_at=since - timedelta(hours=1))

    patched = client.patch(api(merchant, f"variations/{public_id(changed)}/"), {"price": "120.00"},
                           content_type="application/json", **key)
    later = VariationFactory(merchant=merchant)
    Variation.objects.for_merchant(merchant).filter(pk__in=[changed.pk, later.pk]).update(updated_at=since)

    synced = client.get(api(merchant, "variations/"), {"updated_after": since.isoformat()}, **key).json()["results"]
    before = client.get(api(merchant, "variations/"), {"updated_before": since.isoformat()}, **key).json()["results"]

    assert patched.status_code == 200
    assert sorted(v["id"] for v in synced) == sorted([public_id(changed), public_id(later)])
    assert sorted(v["id"] for v in before) == sorted([public_id(old), public_id(untouched)])


def test_save_keeps_updated_at_current_even_with_update_fields(merchant):
    member = MemberFactory(merchant=merchant)
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(updated_at=timezone.now() - timedelta(days=1))
    member.refresh_from_db()
    before = member.updated_at

    member.name = "New"
    member.save(update_fields=["name"])
    member.refresh_from_db()

    assert member.updated_at > before


def test_idempotent_replay_returns_the_first_response(client, merchant, key):
    headers = {**key, "HTTP_IDEMPOTENCY_KEY": "register-0912345678"}
    body = {"phone": "0912 345 678", "name": "Lin"}

    first = client.post(api(merchant, "members/"), body, content_type="application/json", **headers)
    again = client.post(api(merchant, "members/"), body, content_type="application/json", **headers)
    other_body = client.post(api(merchant, "members/"), {"phone": "0987654321"}, content_type="application/json",
                             **headers)
    without_key = client.post(api(merchant, "members/"), body, content_type="application/json", **key)

    assert first.status_code == 201
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Member.objects.for_merchant(merchant).count() == 1
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert without_key.status_code == 409 and without_key.json()["error"]["code"] == "unique"


def test_idempotency_keys_are_per_merchant(client, merchant, other_merchant, key):
    other_key = {"HTTP_AUTHORIZATION": f"Api-Key {api_key_create(merchant=other_merchant, name='ERP')[1]}"}
    body = {"phone": "0912345678"}

    mine = client.post(api(merchant, "members/"), body, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="k1", **key)
    theirs = client.post(api(other_merchant, "members/"), body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k1", **other_key)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_stale_if_match_is_refused_with_412(client, merchant, key):
    variation = VariationFactory(merchant=merchant)
    url = api(merchant, f"variations/{public_id(variation)}/")
    etag = client.get(url, **key)["ETag"]

    first = client.patch(url, {"price": "90.00"}, content_type="application/json", HTTP_IF_MATCH=etag, **key)
    stale = client.patch(url, {"price": "80.00"}, content_type="application/json", HTTP_IF_MATCH=etag, **key)
    fresh = client.patch(url, {"price": "80.00"}, content_type="application/json", HTTP_IF_MATCH=first["ETag"], **key)

    assert first.status_code == 200 and first["ETag"] != etag
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    assert fresh.status_code == 200 and fresh.json()["price"] == "80.00"


def test_negative_price_is_refused(client, merchant, key):
    variation = VariationFactory(merchant=merchant)

    response = client.patch(api(merchant, f"variations/{public_id(variation)}/"), {"price": "-5"},
                            content_type="application/json", **key)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "price" and response.json()["error"]["code"] == "min_value"
    variation.refresh_from_db()
    assert variation.price >= 0


def test_the_61st_bad_request_in_a_minute_is_a_429(client, merchant):
    bad = {"HTTP_AUTHORIZATION": "Api-Key omo_not-a-real-key"}

    answers = [client.get(api(merchant, "orders/"), **bad).status_code for _ in range(61)]

    assert answers[:60] == [401] * 60
    assert answers[60] == 429
    limited = client.get(api(merchant, "orders/"), **bad)
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["error"]["type"] == "rate_limit_error"


def test_api_key_throttle_answers_429_with_rate_limit_headers(client, merchant, key, monkeypatch):
    # DRF reads the rates once, into the throttle class: set them there for this test only.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api": "3/min"})

    answers = [client.get(api(merchant, "stores/"), **key) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3" and answers[0]["RateLimit-Remaining"] == "2"
    assert int(answers[3]["Retry-After"]) > 0


def test_public_ids_are_opaque_and_never_another_kinds(client, merchant, key):
    first, second = OrderFactory.create_batch(2, merchant=merchant)
    member = first.member

    ids = [public_id(first), public_id(second)]
    # Opaque: not the number itself (a digit of the pk may well appear by chance in 11 characters).
    assert all(i.startswith("ord_") for i in ids) and not ids[0][4:].lstrip("0").isdigit()
    assert publicid.decode("ord", ids[0]) == first.pk
    assert client.get(api(merchant, f"orders/{ids[0]}/"), **key).json()["member"] == public_id(member)
    # A member's id under orders/ is not found, nor is a numeric pk.
    assert client.get(api(merchant, f"orders/{public_id(member)}/"), **key).status_code == 404
    assert client.get(api(merchant, f"orders/{first.pk}/"), **key).status_code == 404


def test_erasure_keeps_the_row_for_the_ledger_and_forgets_the_person(client, merchant, member, key):
    order = OrderFactory(merchant=merchant, member=member)

    response = client.post(api(merchant, f"members/{public_id(member)}/erase/"), content_type="application/json",
                           **key)

    assert response.status_code == 200
    body = response.json()
    assert body["erased"] is True and body["phone"] == "" and body["email"] == "" and body["name"] == ""
    assert client.get(api(merchant, f"orders/{public_id(order)}/"), **key).json()["member"] == public_id(member)


def test_admin_invites_staff_and_records_a_resignation(client, merchant, store, key):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)

    invited = client.post(api(merchant, "staff/"), {"email": "new@example.com", "display_name": "New",
                                                     "role": "staff", "store": public_id(store)},
                          content_type="application/json")
    again = client.post(api(merchant, "staff/"), {"email": "new@example.com", "display_name": "New",
                                                   "role": "staff", "store": public_id(store)},
                        content_type="application/json")
    resigned = client.post(api(merchant, f"staff/{invited.json()['id']}/resign/"), content_type="application/json")

    assert invited.status_code == 201 and invited.json()["email"] == "new@example.com"
    assert again.status_code == 409
    assert resigned.status_code == 200 and resigned.json()["resigned_at"]


def test_old_paths_redirect_permanently_to_v1(client, merchant):
    assert client.get(f"/m/{merchant.slug}/api/campaigns/").status_code == 308
    moved = client.get(f"/m/{merchant.slug}/reports/api/performance/?range=today")
    assert moved.status_code == 308 and moved["Location"] == f"/m/{merchant.slug}/api/v1/performance/?range=today"


def test_schema_documents_errors_idempotency_and_both_security_schemes(client, settings):
    settings.API_DOCS_PUBLIC = True
    schema = client.get("/api/schema/?format=json").json()

    schemes = schema["components"]["securitySchemes"]
    assert {"ApiKey", "OrderApiHmac"} <= set(schemes)
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    for path, method, operation in operations:
        for code in ("400", "401", "403", "404", "409", "429"):
            assert code in operation["responses"], (path, method, code)
        assert operation.get("tags") and operation["tags"] != ["m"], (path, method)
    posts = [op for _path, method, op in operations if method == "post"]
    assert all(any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])) for op in posts)
    assert len({tag for _p, _m, op in operations for tag in op["tags"]}) > 15
    ingestion = schema["paths"]["/m/{merchant}/api/orders/"]["post"]
    assert ingestion["security"] == [{"OrderApiHmac": []}]


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
