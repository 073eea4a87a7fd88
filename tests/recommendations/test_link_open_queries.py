"""A shopper's link open is one request with a handful of queries (the benchmarked path)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commerce.models import Product
from recommendations.models import LinkClick, RecommendationItem
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
    return client.get(reverse("recommendations:open", kwargs={"merchant": "acme", "token": link.token}))


def _statements(ctx):
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_open_shows_the_list_records_the_click_in_few_queries(client, merchant, link):
    Product.objects.for_merchant(merchant).filter(name="Old Scarf").update(removed_at=timezone.now())
    client.force_login(UserFactory())
    _open(client, link)  # first open: the member is created, the session remembers the link
    with CaptureQueriesContext(connection) as ctx:
        response = _open(client, link)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Linen Shirt" in page and "Oolong Tea" in page and page.count('data-testid="unavailable"') == 1
    assert LinkClick.objects.for_merchant(merchant).count() == 2
    # merchant, session, user, link, member, click insert, items (with variations and products);
    # no session UPDATE when nothing in it changed.
    statements = _statements(ctx)
    assert len(statements) <= 7, statements
    assert not any(sql.startswith("UPDATE") for sql in statements)


def test_add_to_cart_from_the_opened_link_returns_to_the_list_not_the_link(client, merchant, link):
    client.force_login(UserFactory())
    page = _open(client, link).content.decode()
    list_path = reverse("commerce:recommended", kwargs={"merchant": "acme", "token": link.token})
    assert f'name="next" value="{list_path}"' in page
    assert f'name="next" value="/m/acme/l/' not in page
