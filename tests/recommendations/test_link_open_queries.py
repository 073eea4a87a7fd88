"""A shopper's link open is one request with a handful of queries (the benchmarked path)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commerce.models import Product
from recommendations.models import LinkClick, RecommendationItem
from recommendations.services import click_record
from tests.factories import LinkFactory, ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(merchant):
    link = LinkFactory(merchant=merchant)
    names = ["Linen Shirt", "Oolong Tea", "Old Scarf"]
    for position, name in enumerate(names):
        variation = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=name))
        RecommendationItem.objects.for_merchant(merchant).create(
            merchant=merchant, link=link, variation=variation, position=position
        )
    return link


def _open(client, link):
    return client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}))


def _statements(ctx):
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_open_shows_the_list_records_the_click_in_few_queries(client, merchant, link):
    Product.objects.for_merchant(merchant).filter(name="Old Scarf").update(removed_at=timezone.now())
    client.force_login(UserFactory())
    _open(client, link)  # first open: the member is created, the link's card cached
    with CaptureQueriesContext(connection) as ctx:
        response = _open(client, link)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Linen Shirt" in page and "Oolong Tea" in page and page.count('data-testid="unavailable"') == 1
    assert LinkClick.objects.for_merchant(merchant).count() == 2
    # The merchant, the signed-in user and the link's card come from caches: the click INSERT
    # (which finds the member itself), plus the session row where sessions are not in Redis.
    statements = _statements(ctx)
    assert sum(sql.startswith("INSERT") for sql in statements) == 1, statements
    assert len(statements) <= 2, statements
    assert not any(sql.startswith("UPDATE") for sql in statements)


def _price_shown(page, name):
    tile = page[page.index(f"<h2>{name}</h2>"):]
    return tile[tile.index('class="price">') + len('class="price">'):tile.index("</p>", tile.index('class="price">'))]


def test_catalog_edits_show_on_the_next_open(client, merchant, link):
    """The cached card never outlives an edit of what it shows: price, name, availability, staff."""
    client.force_login(UserFactory())
    assert _price_shown(_open(client, link).content.decode(), "Linen Shirt") == "NT$100.00"

    item = RecommendationItem.objects.for_merchant(merchant).select_related("variation__product").get(position=0)
    item.variation.price = "99.50"
    item.variation.save()
    product = RecommendationItem.objects.for_merchant(merchant).get(position=1).variation.product
    product.name = "Jasmine Tea"
    product.published = False
    product.save()
    link.staff.display_name = "Bella"
    link.staff.save()

    page = _open(client, link).content.decode()
    assert _price_shown(page, "Linen Shirt") == "NT$99.50"
    assert "Jasmine Tea" in page and "Oolong Tea" not in page and page.count('data-testid="unavailable"') == 1
    assert "Recommended by Bella" in page
    assert LinkClick.objects.for_merchant(merchant).count() == 2  # every open is still a click


def test_first_open_at_a_merchant_creates_the_member_and_later_opens_reuse_it(client, merchant, link):
    shopper = UserFactory()
    client.force_login(shopper)
    for _ in range(3):
        assert _open(client, link).status_code == 200
    clicks = LinkClick.objects.for_merchant(merchant).filter(user=shopper)
    assert clicks.count() == 3
    assert len({c.member_id for c in clicks}) == 1 and clicks[0].member.user == shopper


def test_add_to_cart_from_the_opened_link_returns_to_the_list_not_the_link(client, merchant, link):
    client.force_login(UserFactory())
    page = _open(client, link).content.decode()
    list_path = reverse("storefront:recommended", kwargs={"merchant": "acme", "token": link.token})
    assert f'name="next" value="{list_path}"' in page
    assert 'name="next" value="/m/acme/l/' not in page


def synchronous_commit_as_configured() -> bool:
    """The connection's synchronous_commit is the server's (`on` unless configured otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit') = reset_val FROM pg_settings"
                       " WHERE name = 'synchronous_commit'")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_link_opens_click_commits_alone_and_the_next_write_waits_for_its_flush(on_postgres, client, merchant, link):
    client.force_login(UserFactory())
    _open(client, link)  # the first open creates the member (an ordinary insert)
    with CaptureQueriesContext(connection) as ctx:
        assert _open(client, link).status_code == 200
    # The click's single-statement transaction asks for asynchronous commit (recommendations/services.py) ...
    inserts = [sql for sql in _statements(ctx) if "INSERT" in sql]
    assert len(inserts) == 1 and "set_config('synchronous_commit', 'off', true)" in inserts[0]
    assert LinkClick.objects.for_merchant(merchant).count() == 2  # committed: visible at once
    # ... and only that transaction: the connection's next one (an order, say) commits as configured.
    assert synchronous_commit_as_configured()


@pytest.mark.django_db(transaction=True)
def test_a_click_inside_a_larger_transaction_leaves_it_durable(on_postgres, merchant, link):
    shopper = UserFactory()
    with transaction.atomic():  # as at sign-in, where the clicks made before it are recorded
        for _ in range(2):  # the first creates the member, the second is the one-statement insert
            click_record(merchant=merchant, link=link, user=shopper)
        assert synchronous_commit_as_configured()
    assert LinkClick.objects.for_merchant(merchant).count() == 2
