"""A link's card is built by the worker when the link is shared and again when what it shows
changes, so a shopper's first open (signed in or not) reads it instead of building it."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services
from recommendations.models import LinkClick, RecommendationItem, RecommendationLink
from tests.factories import ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db

CARD_TABLES = (RecommendationItem._meta.db_table, RecommendationLink._meta.db_table)


@pytest.fixture
def shopper(member):
    member.user = UserFactory()
    member.save()
    return member.user


@pytest.fixture
def variations(merchant):
    return [VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=name), price=price)
            for name, price in (("Linen Shirt", "100.00"), ("Oolong Tea", "250.00"))]


@pytest.fixture
def shared(merchant, staff, member, variations, django_capture_on_commit_callbacks):
    """A link shared through the product's share path, its after-commit work (the worker) done."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.link_create(merchant=merchant, staff=staff, member=member, variations=variations)


def _open(client, link):
    return client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}))


def _card_reads(ctx):
    """Statements of the request that read the link or its items: a card built on the request path."""
    return [q["sql"] for q in ctx.captured_queries if any(table in q["sql"] for table in CARD_TABLES)
            and not q["sql"].startswith("INSERT")]


def _price_shown(page, name):
    tile = page[page.index(f"<h2>{name}</h2>"):]
    start = tile.index('class="price">') + len('class="price">')
    return tile[start:tile.index("</p>", start)]


def test_first_signed_in_open_of_a_shared_link_finds_its_card_built(client, merchant, shared, shopper,
                                                                   django_assert_max_num_queries):
    client.force_login(shopper)
    client.get(reverse("storefront:products", kwargs={"merchant": "acme"}))  # the shop and the user, cached
    # The session row (read, and written: the link becomes the cart's source) and the click INSERT.
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(5):
        response = _open(client, shared)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="recommended-item"') == 2 and "Linen Shirt" in page and "Oolong Tea" in page
    assert "Recommended by Amy" in page
    assert _card_reads(ctx) == []
    click = LinkClick.objects.for_merchant(merchant).get()
    assert (click.link, click.user, click.member.user) == (shared, shopper, shopper)


def test_first_open_before_sign_in_shows_the_shop_staff_and_products_from_the_card(client, shared):
    with CaptureQueriesContext(connection) as ctx:
        response = _open(client, shared)
    page = response.content.decode()
    assert 'data-testid="link-landing"' in page and "Acme Taiwan" in page
    assert "Amy" in page and "Linen Shirt" in page and "Oolong Tea" in page
    assert _card_reads(ctx) == []


def test_a_price_change_is_shown_at_the_next_open_from_a_card_the_worker_rebuilt(
    client, merchant, shared, shopper, variations, django_capture_on_commit_callbacks
):
    client.force_login(shopper)
    assert _price_shown(_open(client, shared).content.decode(), "Linen Shirt") == "NT$100.00"
    with django_capture_on_commit_callbacks(execute=True):
        variations[0].price = "89.00"
        variations[0].save()
    with CaptureQueriesContext(connection) as ctx:
        page = _open(client, shared).content.decode()
    assert _price_shown(page, "Linen Shirt") == "NT$89.00"
    assert _price_shown(page, "Oolong Tea") == "NT$250.00"
    assert _card_reads(ctx) == []


def test_a_product_edit_is_shown_at_once_even_before_the_worker_runs(client, shared, shopper, variations):
    client.force_login(shopper)
    _open(client, shared)
    product = variations[1].product
    product.name, product.published = "Jasmine Tea", False
    product.save()  # the test's transaction never commits: no worker rebuild, the old card is stale
    page = _open(client, shared).content.decode()
    assert "Jasmine Tea" in page and "Oolong Tea" not in page and page.count('data-testid="unavailable"') == 1


def test_an_edit_of_another_product_leaves_this_card_warm(client, merchant, shared, shopper,
                                                          django_capture_on_commit_callbacks):
    client.force_login(shopper)
    _open(client, shared)
    with django_capture_on_commit_callbacks(execute=True):
        other = VariationFactory(merchant=merchant)
        other.price = "1.00"
        other.save()
    with CaptureQueriesContext(connection) as ctx:
        assert _open(client, shared).status_code == 200
    assert _card_reads(ctx) == []


def test_a_lost_card_is_built_at_the_open_and_kept_for_the_next(client, merchant, shared, shopper):
    cache.clear()  # Redis flushed, or the card expired
    client.force_login(shopper)
    page = _open(client, shared).content.decode()
    assert "Linen Shirt" in page and "Oolong Tea" in page
    with CaptureQueriesContext(connection) as ctx:
        assert "Linen Shirt" in _open(client, shared).content.decode()
    assert _card_reads(ctx) == []
    assert LinkClick.objects.for_merchant(merchant).count() == 2


def test_an_unknown_token_is_404_and_caches_nothing(client, shopper):
    client.force_login(shopper)
    response = client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": "nope"}))
    assert response.status_code == 404
