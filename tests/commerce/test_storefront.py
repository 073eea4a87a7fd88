from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attribution.models import Attribution
from commerce.models import Order
from storefront.services import storefront_checkout
from members.models import Member
from tests.factories import LinkFactory, ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"storefront:{name}", kwargs={"merchant": "acme", **kwargs})


@pytest.fixture
def shopper(client):
    user = UserFactory(email="shopper@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def link(merchant, staff, member):
    published = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), price=D("120"))
    hidden = VariationFactory(
        merchant=merchant, product=ProductFactory(merchant=merchant, name="Old Mug", published=False), price=D("80")
    )
    removed = VariationFactory(
        merchant=merchant,
        product=ProductFactory(merchant=merchant, name="Gone Vase", removed_at=timezone.now()),
        price=D("500"),
    )
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    for position, v in enumerate((published, hidden, removed)):
        link.items.model.objects.for_merchant(merchant).create(merchant=merchant, link=link, variation=v, position=position)
    link.variations = (published, hidden, removed)
    return link


def test_recommended_list_needs_login(client, link):
    response = client.get(url("recommended", token=link.token))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_recommended_list_shows_unpublished_and_removed_as_unavailable(client, shopper, link):
    page = client.get(url("recommended", token=link.token)).content.decode()
    assert "Green Tea" in page and "Old Mug" in page and "Gone Vase" in page
    assert page.count('data-testid="unavailable"') == 2
    assert page.count("Add to cart") == 1


def test_unpublished_or_removed_products_cannot_be_added_to_the_cart(client, shopper, link):
    published, hidden, removed = link.variations
    for variation in (hidden, removed):
        response = client.post(url("cart_add"), {"variation": variation.pk}, follow=True)
        assert "not available in the online store" in response.content.decode()
    client.post(url("cart_add"), {"variation": published.pk})
    lines = client.get(url("cart")).context["lines"]
    assert [line.variation for line in lines] == [published]


def test_checkout_refuses_a_product_unpublished_after_it_was_added(merchant, client, shopper, link):
    published = link.variations[0]
    client.post(url("cart_add"), {"variation": published.pk})
    published.product.published = False
    published.product.save()
    response = client.post(url("checkout"))
    assert response.status_code == 400 and "not available in the online store" in response.content.decode()
    assert not Order.objects.for_merchant(merchant).exists()


def test_cart_quantities_change_and_remove(client, shopper, merchant, link):
    published = link.variations[0]
    other = VariationFactory(merchant=merchant, price=D("10"))
    client.post(url("cart_add"), {"variation": published.pk})
    client.post(url("cart_add"), {"variation": other.pk})
    client.post(url("cart_update"), {"variation": published.pk, "quantity": 3})
    response = client.get(url("cart"))
    assert response.context["total"] == D("370")
    client.post(url("cart_update"), {"variation": other.pk, "quantity": 0})
    assert client.get(url("cart")).context["total"] == D("360")


def test_order_from_a_link_is_a_storefront_order_credited_to_the_staff_and_store(
    client, shopper, merchant, staff, link, django_capture_on_commit_callbacks
):
    published = link.variations[0]
    other = VariationFactory(merchant=merchant, price=D("10"))  # other products are welcome too
    client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}))
    client.get(url("recommended", token=link.token))
    client.post(url("cart_add"), {"variation": published.pk, "quantity": 2})
    client.post(url("cart_add"), {"variation": other.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("checkout"))
    order = Order.objects.for_merchant(merchant).get()
    assert response["Location"] == url("order", number=order.number)
    assert (order.channel, order.created_from, order.source_store, order.recommendation_token) == ("web", "Storefront", staff.store, link.token)
    assert (order.status, order.payment_status, order.total) == ("processing", "pending", D("250"))
    assert order.member == Member.objects.for_merchant(merchant).get(user=shopper)
    assert sorted((line.sku, line.recommended) for line in order.lines.model.objects.for_merchant(merchant)) == sorted(
        [(published.sku, True), (other.sku, False)]
    )
    attribution = Attribution.objects.for_merchant(merchant).get(order=order)
    assert attribution.credited and attribution.staff == staff and attribution.store == staff.store
    assert client.get(url("cart")).context["lines"] == []  # the cart is emptied
    assert order.number in client.get(url("order", number=order.number)).content.decode()


def test_empty_cart_cannot_check_out(client, shopper, merchant):
    response = client.post(url("checkout"))
    assert response.status_code == 400 and "Your cart is empty" in response.content.decode()


def test_wrong_referral_code_stops_the_checkout_with_its_message(client, shopper, merchant, link):
    client.post(url("cart_add"), {"variation": link.variations[0].pk})
    response = client.post(url("checkout"), {"referral_code": "NOPE"})
    assert response.status_code == 400 and "NOPE" in response.content.decode()
    assert not Order.objects.for_merchant(merchant).exists()


def test_a_remembered_campaign_code_never_blocks_the_order(client, shopper, merchant, link):
    session = client.session
    session["campaign_code"] = "STALE"
    session.save()
    client.post(url("cart_add"), {"variation": link.variations[0].pk})
    assert client.post(url("checkout")).status_code == 302
    assert Order.objects.for_merchant(merchant).count() == 1


def test_storefront_checkout_service_needs_available_products(merchant, link):
    user = UserFactory()
    with pytest.raises(ValidationError):
        storefront_checkout(merchant=merchant, user=user, cart={link.variations[1].pk: 1}, link=link)


def test_product_list_shows_published_products_only(client, merchant, other_merchant, link):
    VariationFactory(merchant=other_merchant, product=ProductFactory(merchant=other_merchant, name="Foreign Tea"))
    page = client.get(url("products")).content.decode()
    assert "Green Tea" in page and "Old Mug" not in page and "Gone Vase" not in page and "Foreign Tea" not in page


def test_other_merchants_link_order_and_variation_are_404(client, shopper, merchant, other_merchant):
    foreign_link = LinkFactory(merchant=other_merchant)
    foreign_variation = VariationFactory(merchant=other_merchant)
    assert client.get(url("recommended", token=foreign_link.token)).status_code == 404
    assert client.post(url("cart_add"), {"variation": foreign_variation.pk}).status_code == 404
    assert client.post(url("cart_update"), {"variation": foreign_variation.pk, "quantity": 1}).status_code == 404
    from tests.factories import MemberFactory, OrderFactory

    foreign_order = OrderFactory(merchant=other_merchant, member=MemberFactory(merchant=other_merchant, user=shopper))
    assert client.get(url("order", number=foreign_order.number)).status_code == 404
    assert client.get(reverse("storefront:order", kwargs={"merchant": "other", "number": foreign_order.number})).status_code == 200


def test_someone_elses_order_is_404(client, shopper, merchant):
    from tests.factories import OrderFactory

    order = OrderFactory(merchant=merchant)
    assert client.get(url("order", number=order.number)).status_code == 404


def test_order_placed_more_than_24h_after_the_click_is_not_credited(
    client, shopper, merchant, link, django_capture_on_commit_callbacks
):
    from recommendations.services import click_record

    click = click_record(merchant=merchant, link=link, user=shopper)
    click.clicked_at = timezone.now() - timedelta(hours=25)
    click.save()
    client.get(url("recommended", token=link.token))
    client.post(url("cart_add"), {"variation": link.variations[0].pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("checkout"))
    order = Order.objects.for_merchant(merchant).get()
    assert order.source_store == link.store  # the order still shows where it came from
    assert not Attribution.objects.for_merchant(merchant).get(order=order).credited


def test_add_all_recommended_adds_only_the_available_ones(client, shopper, link):
    published, hidden, removed = link.variations
    page = client.get(url("recommended", token=link.token)).content.decode()
    assert page.count('name="variation" value=') == 2  # one add button + the add-all form, published only
    response = client.post(url("cart_add"), {"variation": [published.pk, hidden.pk, removed.pk]}, follow=True)
    assert [line.variation for line in response.context["lines"]] == [published]
    assert "not available in the online store" in response.content.decode()


def test_a_double_tap_on_place_order_gives_one_order(merchant, link):
    user = UserFactory()
    cart = {link.variations[0].pk: 2}
    first = storefront_checkout(merchant=merchant, user=user, cart=cart, link=link)
    second = storefront_checkout(merchant=merchant, user=user, cart=cart, link=link)
    assert second == first and Order.objects.for_merchant(merchant).count() == 1
    # a different cart is a new order
    storefront_checkout(merchant=merchant, user=user, cart={link.variations[0].pk: 1}, link=link)
    assert Order.objects.for_merchant(merchant).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checkouts_of_one_cart_give_one_order(on_postgres, merchant, link):
    import threading

    from django.db import connection

    from members.services import member_for_user

    user = UserFactory()
    member_for_user(merchant=merchant, user=user)  # the shopper's member exists once logged in
    cart = {link.variations[0].pk: 1}
    results, barrier = [], threading.Barrier(2)

    def place():
        try:
            barrier.wait()
            results.append(storefront_checkout(merchant=merchant, user=user, cart=cart, link=link).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=place) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert Order.objects.for_merchant(merchant).count() == 1


def test_points_pay_part_of_the_order_and_a_short_balance_rolls_checkout_back(merchant, client, shopper, link):
    from loyalty.selectors import points_balance
    from loyalty.services import loyalty_settings_save, points_adjust
    from members.services import member_for_user

    # Given a shopper with 500 points worth 0.10 each
    loyalty_settings_save(merchant=merchant, point_value=D("0.10"))
    member = member_for_user(merchant=merchant, user=shopper)
    points_adjust(merchant=merchant, member=member, points=500, reason="welcome")
    cart = {link.variations[0].pk: 1}  # 120.00

    # When asking for more than the balance: refused, nothing written
    with pytest.raises(ValidationError):
        storefront_checkout(merchant=merchant, user=shopper, cart=cart, link=link, points=600)
    assert not Order.objects.for_merchant(merchant).exists()
    assert points_balance(merchant=merchant, member=member) == 500

    # When using 300 points: 30.00 off, the rest is cash
    order = storefront_checkout(merchant=merchant, user=shopper, cart=cart, link=link, points=300)
    assert (order.points_redeemed, order.total, order.unpaid_amount) == (D("30.00"), D("90.00"), D("90.00"))
    assert points_balance(merchant=merchant, member=member) == 200


@pytest.mark.parametrize(("store_format", "discount"), [("Hypermarket", D("24.00")), ("Mini-market", D("0"))])
def test_a_discount_offer_comes_off_the_checkout_total_and_the_order(
    merchant, client, shopper, link, store_format, discount
):
    # Given "10 % off in Hypermarkets" and a shopper who came through the link of a store of that format
    from loyalty.models import Offer

    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Hypermarket 10%", event="order_paid", action="discount_percentage", value=D("10"),
        store_attributes={"format": "Hypermarket"},
    )
    link.store.attributes = {"format": store_format}
    link.store.save()
    client.get(url("recommended", token=link.token))
    client.post(url("cart_add"), {"variation": link.variations[0].pk, "quantity": 2})  # 2 x 120.00

    # The checkout page shows the discount and the total to pay
    page = client.get(url("checkout"))
    total = page.content.decode().split('data-testid="checkout-total">')[1].split("</strong>")[0]
    assert total == f"NT${D('240.00') - discount}"  # one money formatter (omo.formats)
    assert ("Hypermarket 10%: 10% off" in page.content.decode()) == bool(discount)

    # The order carries it: its discounts, and a total (and settlement) without them
    client.post(url("checkout"))
    order = Order.objects.for_merchant(merchant).get()
    assert (order.item_subtotal, order.discounts, order.total) == (D("240.00"), discount, D("240.00") - discount)


def _order_from_cart(client, merchant, variation, django_capture_on_commit_callbacks):
    client.post(url("cart_add"), {"variation": variation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("checkout"))
    return Order.objects.for_merchant(merchant).order_by("-pk").first()


def test_the_order_source_is_the_last_link_opened_in_this_signed_in_session_only(
    client, shopper, merchant, staff, member, link, django_capture_on_commit_callbacks
):
    """The cart's source link (signed cookie bound to the session) is the last link opened, ends at
    sign-out like the session, and does not travel to another browser's session."""
    published = link.variations[0]
    later = LinkFactory(merchant=merchant, staff=staff, member=member)
    later.items.model.objects.for_merchant(merchant).create(merchant=merchant, link=later, variation=published, position=0)
    client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}))
    client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": later.token}))
    assert _order_from_cart(client, merchant, published, django_capture_on_commit_callbacks).recommendation_token == later.token

    stolen = client.cookies[f"omo_cart_link_{merchant.pk}"].value
    other = type(client)()
    other.force_login(UserFactory())
    other.cookies[f"omo_cart_link_{merchant.pk}"] = stolen
    assert _order_from_cart(other, merchant, published, django_capture_on_commit_callbacks).recommendation_token == ""

    client.post(reverse("account_logout"))
    client.force_login(shopper)
    assert _order_from_cart(client, merchant, published, django_capture_on_commit_callbacks).recommendation_token == ""
