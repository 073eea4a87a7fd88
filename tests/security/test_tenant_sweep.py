"""Tenant-isolation sweep over EVERY route of the site.

The test walks the URL resolver, so a route added later is covered without touching this file,
or fails it: each route must match one entry of ROUTES (by its "namespace:name" or, for unnamed
ones, its path), and each URL keyword must be one this test knows how to fill with merchant A's
objects. Then every role of merchant B (admin, manager, staff, shopper, partner, API key, and
anonymous) asks for merchant A's objects:

- under B's own prefix with A's ids/tokens substituted (/m/B/.../<A's id>/): 404 or 403 (401
  for an API without credentials), never a page about A's object;
- under A's prefix, for staff pages and APIs: 404/403/401 (a redirect to the login page for
  anonymous visitors);
- partner portal routes with A's slug and campaign code: never A's data.

No response body (or redirect target) may contain any of A's identifying strings, and A's rows
are unchanged afterwards (writes are tried too: POST, and PATCH/DELETE on API objects).
"""

from datetime import date
from fnmatch import fnmatch
from urllib.parse import quote, unquote

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils.html import escape

from attribution.models import Attribution
from commerce.services import LineInput, order_create
from connectors.models import ConnectionSecret, IdMapping
from connectors.models import Delivery as ConnectorDelivery
from connectors.services import connection_create
from loyalty.models import Offer, PointsAccount, PointsLedgerEntry
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from partners.models import CampaignApplication, CampaignDay, Commission, Invitation, PartnerMembership, Payout, PayoutLine
from partners.payouts import commission_approve, payout_create
from partners.services import campaign_order_recompute
from recommendations.models import RecommendationItem, SmsOutbox
from imports.models import ImportJob
from omo.webhooks import endpoint_secrets
from omo.webhooks.models import Delivery, Endpoint, Event
from reports.models import ExportJob
from tests.factories import (
    ClickFactory,
    LinkFactory,
    MemberFactory,
    MerchantFactory,
    ProductFactory,
    StaffFactory,
    StoreFactory,
    UserFactory,
    VariationFactory,
)
from tests.partners.helpers import bind, make_campaign, make_partner

pytestmark = pytest.mark.django_db

STAFF = "merchant staff page"  # /m/<merchant>/..., staff_required: 404 to everyone else
API = "merchant API"  # /m/<merchant>/api/...: JSON, 404/403/401 to everyone else
SHOPPER = "shopper page"  # /m/<merchant>/... public storefront or the signed-in shopper's own data
PARTNER = "partner portal"  # /partners/<merchant_slug>/...: the partner's own campaigns only
BEARER = "bearer token"  # whoever holds the secret token may use it (invitation links)
PUBLIC = "public"  # no tenant data at all (home, login, schema)
ADMIN = "django admin"  # platform operators only (is_staff)

# First match wins. Patterns are fnmatch patterns on "namespace:name" (or "path:<route>" if unnamed).
ROUTES = [
    ("admin:*", ADMIN),
    ("path:admin/*", ADMIN),
    ("account_*", PUBLIC),
    ("mfa_*", PUBLIC),  # the signed-in user's own second factors (allauth.mfa)
    ("home", PUBLIC),
    ("set_language", PUBLIC),
    ("healthz", PUBLIC),
    ("metrics", BEARER),  # Prometheus scrapes: METRICS_TOKEN or an allowed network; no tenant rows
    ("api-schema", PUBLIC),
    ("api-docs", PUBLIC),
    ("api-redoc", PUBLIC),
    ("partners:home", PUBLIC),
    ("partners:signup", PUBLIC),
    ("partners:login", PUBLIC),
    ("partners:invite", BEARER),
    ("partners:notifications", PUBLIC),  # the signed-in partner's own e-mail settings
    ("partners:join", PUBLIC),  # a merchant's campaigns open to applications: for any partner, by design
    ("partners:*", PARTNER),
    ("members:*", STAFF),
    ("storefront:open", SHOPPER),
    ("recommendations:*", STAFF),
    ("storefront:*", SHOPPER),
    ("campaigns:api-*", PUBLIC),  # moved: a 308 to the /api/v1/ path (no data; the target is "api:*")
    ("campaigns:referral", SHOPPER),
    ("campaigns:*", STAFF),
    ("commerce_api:*", API),
    ("loyalty_api:*", API),
    ("reports:api-*", PUBLIC),  # moved: a 308 to the /api/v1/ path, like campaigns:api-*
    ("reports:*", STAFF),
    ("loyalty:my_points", SHOPPER),
    ("loyalty:referral_join", SHOPPER),
    ("loyalty:notices", SHOPPER),  # the signed-in shopper's own consent
    ("loyalty:notices_stop", BEARER),  # the signed stop link of a notice
    ("loyalty:*", STAFF),
    ("attribution:*", STAFF),
    ("api:*", API),
    ("audit:*", STAFF),
    ("webhooks:*", STAFF),
    ("imports:*", STAFF),
    ("connectors:webhook", BEARER),  # the connection's unguessable key, and the platform's signature
    ("connectors:*", STAFF),
]

SECRET = "alpha"  # every name, code and email of merchant A's objects contains it


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            kwargs = set(p.pattern.converters) if isinstance(p.pattern, RoutePattern) else set(p.pattern.regex.groupindex)
            name = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else None
            yield {"name": name, "route": prefix + str(p.pattern), "kwargs": kwargs | _resolver_kwargs(prefix)}


def _resolver_kwargs(prefix):
    return {"merchant"} if "<slug:merchant>" in prefix else set()


def classify(route):
    key = route["name"] or f"path:{route['route']}"
    for pattern, category in ROUTES:
        if fnmatch(key, pattern):
            return category
    return None


def all_routes():
    return list(walk(get_resolver().url_patterns))


def world(tag):
    """A merchant with one of everything, every name carrying `tag` (so its data is recognisable)."""
    low = tag.lower()
    merchant = MerchantFactory(name=f"{tag} Brand", slug=f"{low}-brand")
    store = StoreFactory(merchant=merchant, name=f"{tag} Store", code=f"{low}-store")
    roles = {
        role: StaffFactory(merchant=merchant, store=store, role=role, display_name=f"{tag} {role}",
                           user=UserFactory(email=f"{low}.{role}@example.com", name=f"{tag} {role}"))
        for role in ("admin", "manager", "staff")
    }
    shopper = UserFactory(email=f"{low}.shopper@example.com", name=f"{tag} Shopper")
    member = MemberFactory(merchant=merchant, name=f"{tag} Member", email=shopper.email, user=shopper)
    product = ProductFactory(merchant=merchant, name=f"{tag} Tea")
    variation = VariationFactory(merchant=merchant, product=product, sku=f"{tag.upper()}-SKU")
    link = LinkFactory(merchant=merchant, staff=roles["staff"], store=store, member=member)
    RecommendationItem.objects.for_merchant(merchant).create(merchant=merchant, link=link, variation=variation)
    click = ClickFactory(merchant=merchant, link=link, member=member)
    order = order_create(merchant=merchant, number=f"{tag.upper()}-ORDER-1", channel="web", member=member,
                         lines=[LineInput(variation=variation, quantity=1, unit_price=variation.price)])
    attribution = Attribution.objects.for_merchant(merchant).create(
        merchant=merchant, order=order, reason="credited", click=click, link=link, store=store,
        staff=roles["staff"], click_at=click.clicked_at, order_at=order.placed_at,
    )
    campaign = make_campaign(merchant, name=f"{tag} Campaign")
    open_campaign = make_campaign(merchant, name=f"{tag} Open Campaign")
    invitation = Invitation.objects.for_merchant(merchant).create(merchant=merchant, campaign=open_campaign,
                                                                 email=f"{low}.invitee@example.com")
    partner = make_partner(email=f"{low}.partner@example.com", name=f"{tag} Partner")
    EmailAddress.objects.create(user=partner.user, email=partner.user.email, verified=True, primary=True)
    bind(merchant, campaign, partner)
    # A referred order whose commission is approved and in a payout (issue 15 lifecycle).
    referred = order_create(merchant=merchant, number=f"{tag.upper()}-REF-1", channel="web", member=member,
                            campaign_code=campaign.code,
                            lines=[LineInput(variation=variation, quantity=1, unit_price=variation.price)])
    campaign_order_recompute(merchant=merchant, order_id=referred.pk)
    commission = Commission.objects.for_merchant(merchant).get(campaign_order__order=referred)
    commission_approve(merchant=merchant, commission=commission)
    payout = payout_create(merchant=merchant, period_start=date(2000, 1, 1), period_end=date(2100, 1, 1),
                           currency=campaign.currency)
    offer = Offer.objects.for_merchant(merchant).create(merchant=merchant, name=f"{tag} Offer", event="purchase",
                                                         action="fixed_points", value=10)
    account = PointsAccount.objects.for_merchant(merchant).create(merchant=merchant, member=member, balance=10)
    entry = PointsLedgerEntry.objects.for_merchant(merchant).create(
        merchant=merchant, account=account, kind="earn", points=10, balance_after=10, source="manual",
        description=f"{tag} bonus", idempotency_key=f"{low}-bonus",
    )
    job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=roles["admin"])
    key, raw_key = api_key_create(merchant=merchant, name=f"{tag} ERP")
    SmsOutbox.objects.for_merchant(merchant).create(merchant=merchant, link=link, member=member, store=store,
                                                    staff=roles["staff"], to=member.phone, body=f"{tag} text")
    endpoint = Endpoint.objects.for_merchant(merchant).create(
        merchant=merchant, url=f"https://{low}.example.com/hooks", event_types=["member.created"],
        description=f"{tag} CRM", secret_encrypted=endpoint_secrets.encrypt(endpoint_secrets.new_secret()),
    )
    event = Event.objects.for_merchant(merchant).create(
        merchant=merchant, type="member.created", payload=f'{{"name": "{tag} Member"}}', idempotency_key=f"{low}-1",
        created_at=order.placed_at,
    )
    delivery = Delivery.objects.for_merchant(merchant).create(
        merchant=merchant, endpoint=endpoint, event=event, round_started_at=order.placed_at, status="succeeded",
    )
    import_job = ImportJob.objects.for_merchant(merchant).create(
        merchant=merchant, kind="members", file_name=f"{low}-members.csv", content=f"name\n{tag}\n".encode(),
        status="checked", rows=1,
    )
    connection, _secret = connection_create(merchant=merchant, name=f"{tag} Shop", kind="shopify")
    mapping = IdMapping.objects.for_merchant(merchant).create(merchant=merchant, connection=connection,
                                                              kind="location", outside_id=f"{low}-location")
    connector_delivery = ConnectorDelivery.objects.for_merchant(merchant).create(
        merchant=merchant, connection=connection, delivery_id=f"{low}-delivery", topic="orders/create",
        body=f'{{"note": "{tag}"}}', status="failed", error=f"{tag} error")
    return {
        "endpoint": endpoint, "delivery": delivery, "import_job": import_job,
        "connection": connection, "mapping": mapping, "connector_delivery": connector_delivery,
        "connection_secret": ConnectionSecret.objects.for_merchant(merchant).get(connection=connection),
        "merchant": merchant, "store": store, "roles": roles, "shopper": shopper, "member": member,
        "product": product, "variation": variation, "link": link, "order": order, "attribution": attribution,
        "campaign": campaign, "invitation": invitation, "partner": partner, "offer": offer, "account": account,
        "entry": entry, "job": job, "api_key": key, "raw_key": raw_key,
        "membership": PartnerMembership.objects.for_merchant(merchant).get(partner=partner),
        "application": CampaignApplication.objects.for_merchant(merchant).create(
            merchant=merchant, campaign=open_campaign, partner=partner, message=f"{tag} application"),
        "campaign_day": CampaignDay.objects.for_merchant(merchant).create(
            merchant=merchant, campaign=campaign, day=campaign.starts_at.date(), clicks=3),
        "commission": commission, "campaign_order": commission.campaign_order, "payout": payout,
        "payout_line": PayoutLine.objects.for_merchant(merchant).get(payout=payout),
    }


API_OBJECTS = {  # router basename -> the world's object
    "store": "store", "member": "member", "product": "product", "variation": "variation", "order": "order",
    "attribution": "attribution", "recommendation-link": "link", "campaign": "campaign", "partner": "membership",
    "points-account": "account", "points-ledger": "entry", "api-key": "api_key", "invitation": "invitation",
    "offer": "offer", "export": "job", "campaign-click": "campaign_day",
    "commission": "campaign_order", "payout": "payout", "campaign-payout-terms": "campaign",
}


def kwargs_for(route, a, merchant_slug):
    """URL kwargs filled with A's objects (the merchant slug as asked)."""
    values = {
        "merchant": merchant_slug, "merchant_slug": merchant_slug, "member_id": a["member"].pk,
        "product_id": a["product"].pk, "link_id": a["link"].pk, "token": a["link"].token,
        "number": a["order"].number, "offer_id": a["offer"].pk, "campaign_id": a["campaign"].pk,
        "code": a["campaign"].code, "job_id": a["job"].pk, "store_code": a["store"].code,
        "invitation_id": a["invitation"].pk, "application_id": a["application"].pk, "fmt": "svg",
        "commission_id": a["commission"].pk, "payout_id": a["payout"].pk, "line_id": a["payout_line"].pk,
        "key": "alpha-key", "uidb36": "1", "object_id": "1", "url": "x",
    }
    values["endpoint_id"], values["delivery_id"] = a["endpoint"].pk, a["delivery"].pk
    if (route["name"] or "").startswith("imports:"):
        values["job_id"] = a["import_job"].pk
    if (route["name"] or "").startswith("connectors:"):  # store connections (connectors)
        values.update({"connection_id": a["connection"].pk, "secret_id": a["connection_secret"].pk,
                       "mapping_id": a["mapping"].pk, "delivery_id": a["connector_delivery"].pk})
    if route["name"] == "partners:invite":
        values["token"] = a["invitation"].token
    if "pk" in route["kwargs"]:
        basename = route["name"].split(":", 1)[1].rsplit("-", 1)[0]
        values["pk"] = public_id(a[API_OBJECTS[basename]] if basename in API_OBJECTS else a["roles"]["admin"])
    return {k: values[k] for k in route["kwargs"]}


@pytest.fixture
def worlds(settings):
    settings.UNKNOWN_TOKEN_LIMIT = 10**6  # the sweep opens many unknown tokens on purpose
    settings.API_BAD_REQUEST_LIMIT = 10**6  # ... and is refused (403/404) on purpose, from one address
    a = world("Alpha")
    b = world("Bravo")
    return a, b


def clients_of(b):
    """Every role of merchant B, signed in (or with B's API key), plus an anonymous visitor."""
    clients = {}
    for role, staff in b["roles"].items():
        clients[role] = Client()
        clients[role].force_login(staff.user)
    clients["shopper"] = Client()
    clients["shopper"].force_login(b["shopper"])
    clients["partner"] = Client()
    clients["partner"].force_login(b["partner"].user)
    clients["api key"] = Client(HTTP_AUTHORIZATION=f"Api-Key {b['raw_key']}")
    clients["anonymous"] = Client()
    return clients


def ask(client, url, methods):
    """Every method tried; the answers that are not 405 (method not allowed)."""
    answers = []
    for method in methods:
        response = getattr(client, method)(url, content_type="application/json") if method in ("patch",) else \
            getattr(client, method)(url)
        if response.status_code != 405:
            answers.append((method.upper(), response))
    return answers


def leaks(response, url=""):
    """A's identifying strings in the body, or in a redirect target other than the echo of the
    requested URL itself (a login redirect's ?next=)."""
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(errors="replace")
    location = unquote(response.get("Location", ""))
    text = " ".join((body, location))
    if url:  # e.g. the language switcher's hidden "next" field, a login link's ?next=
        text = text.replace(url, "").replace(escape(url), "").replace(quote(url), "")
    return SECRET in text.lower()


def snapshot(a):
    m = a["merchant"]
    return (
        a["store"].__class__.objects.for_merchant(m).filter(removed_at__isnull=True).count(),
        a["product"].__class__.objects.for_merchant(m).filter(removed_at__isnull=True).count(),
        a["api_key"].__class__.objects.for_merchant(m).filter(revoked_at__isnull=True).count(),
        a["member"].__class__.objects.for_merchant(m).count(),
        a["order"].__class__.objects.for_merchant(m).count(),
        SmsOutbox.objects.for_merchant(m).count(),
        Invitation.objects.for_merchant(m).filter(accepted_at__isnull=True).count(),
        Invitation.objects.for_merchant(m).filter(revoked_at__isnull=True).count(),
        list(Endpoint.objects.for_merchant(m).values_list("pk", "is_active", "secret_encrypted")),
        list(Delivery.objects.for_merchant(m).values_list("pk", "status", "attempts")),
        list(ImportJob.objects.for_merchant(m).values_list("pk", "status")),
        tuple(Commission.objects.for_merchant(m).values_list("status", "reject_reason")),
        tuple(Payout.objects.for_merchant(m).values_list("status", "total")),
    )


def test_every_route_is_classified():
    unclassified = [r["name"] or r["route"] for r in all_routes() if classify(r) is None]
    assert unclassified == [], f"classify these routes in ROUTES (tests/security/test_tenant_sweep.py): {unclassified}"


def test_no_role_of_merchant_b_reaches_merchant_a(worlds):
    a, b = worlds
    before = snapshot(a)
    clients = clients_of(b)
    problems = []
    routes = [(r, classify(r)) for r in all_routes() if r["name"]]
    for route, category in routes:
        if category in (PUBLIC, ADMIN, BEARER):
            continue
        methods = ["get", "post"] + (["patch", "delete"] if category == API and "pk" in route["kwargs"] else [])
        targets = []
        if "merchant" in route["kwargs"]:
            # A's objects asked for under B's own prefix
            targets.append(("B prefix", reverse(route["name"], kwargs=kwargs_for(route, a, b["merchant"].slug))))
            if category in (STAFF, API):
                targets.append(("A prefix", reverse(route["name"], kwargs=kwargs_for(route, a, a["merchant"].slug))))
        else:
            targets.append(("A slug", reverse(route["name"], kwargs=kwargs_for(route, a, a["merchant"].slug))))
            if "merchant_slug" in route["kwargs"]:
                targets.append(("B slug", reverse(route["name"], kwargs=kwargs_for(route, a, b["merchant"].slug))))
        has_object = bool(route["kwargs"] - {"merchant", "merchant_slug"})
        for where, url in targets:
            for role, client in clients.items():
                for method, response in ask(client, url, methods):
                    status = response.status_code
                    signed_out = role in ("anonymous", "api key")  # a key is no session for pages
                    refused = status in (401, 403, 404) or (
                        status == 302 and signed_out and "/login" in response.get("Location", "")
                    )
                    must_refuse = has_object or where in ("A prefix", "A slug")
                    if leaks(response, url) or (must_refuse and not refused):
                        problems.append(f"{role:9} {method:6} {url} ({route['name']}, {where}) -> {status} "
                                        f"{response.get('Location', '')}")
    assert problems == [], "merchant A's data reachable:\n" + "\n".join(problems)
    assert snapshot(a) == before


def test_django_admin_is_closed_to_every_merchant_role(worlds):
    a, b = worlds
    urls = ["/admin/", f"/admin/commerce/order/{a['order'].pk}/change/", f"/admin/members/member/{a['member'].pk}/change/"]
    for role, client in clients_of(b).items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (role, url)
            assert not leaks(response, url)


def test_the_bearer_invitation_link_shows_nothing_else_of_merchant_a(worlds):
    # An invitation link is meant to be forwarded to a partner: it may name the campaign it is
    # for, but a wrong token is a plain 404.
    a, b = worlds
    for role, client in clients_of(b).items():
        response = client.get(reverse("partners:invite", kwargs={"token": "not-a-token"}))
        assert response.status_code == 404, role
        assert not leaks(response)
