"""Issue 14 item 3: the shopper's way from a shared link to their orders and points."""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from loyalty import services as loyalty_services
from members.services import member_for_user
from recommendations.models import LinkClick
from tests.factories import LinkFactory, MemberFactory, OrderFactory, ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def url(name, **kwargs):
    return reverse(f"storefront:{name}", kwargs={"merchant": "acme", **kwargs})


@pytest.fixture
def link(merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    for position, name in enumerate(["Green Tea", "Oolong", "Mug"]):
        product = ProductFactory(merchant=merchant, name=name, image_url=f"https://cdn.example.com/{position}.jpg")
        variation = VariationFactory(merchant=merchant, product=product, price=D("100"))
        link.items.model.objects.for_merchant(merchant).create(merchant=merchant, link=link, variation=variation, position=position)
    return link


@pytest.fixture
def texts(monkeypatch):
    sent = []
    monkeypatch.setattr("omo.accounts.adapter.send_sms", lambda *, to, body: sent.append((to, body)))
    return sent


def code_in(body):
    return re.search(r"is (\S+)\.$", body).group(1)


def test_a_logged_out_open_lands_on_a_page_with_the_shop_who_picked_what_and_the_ways_in(client, merchant, link):
    response = client.get(url("open", token=link.token))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="shop-name">Acme Taiwan<' in page
    assert "Amy at Taipei 101 picked 3 products for you" in page
    assert page.count("https://cdn.example.com/") == 3
    target = f"next=%2Fm%2Facme%2Fshop%2Fr%2F{link.token}%2F"
    for name in ("account_phone_signup", "account_request_login_code", "account_login", "account_signup"):
        assert f"{reverse(name)}?{target}" in page
    assert not LinkClick.objects.for_merchant(merchant).exists()  # the click waits for the login


def test_the_landing_in_chinese_uses_the_shop_name_and_counts(client, merchant, link):
    client.cookies["django_language"] = "zh-hant"
    page = client.get(url("open", token=link.token), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "Acme Taiwan" in page and "Taipei 101" in page and "3" in page


def test_the_list_still_needs_a_login(client, link):
    response = client.get(url("recommended", token=link.token))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_shopper_signs_up_with_a_phone_alone_verified_by_an_sms_code_and_gets_the_list(client, merchant, link, texts):
    client.get(url("open", token=link.token))
    target = url("recommended", token=link.token)

    response = client.post(reverse("account_phone_signup"), {"phone": "0912 345 678", "next": target})

    assert response["Location"] == reverse("account_verify_phone")
    assert texts[0][0] == "+886912345678"
    response = client.post(reverse("account_verify_phone"), {"code": code_in(texts[0][1])})
    assert response.status_code == 302 and response["Location"] == target
    user = User.objects.get(phone="+886912345678")
    assert user.email is None and user.phone_verified and not user.has_usable_password()
    assert LinkClick.objects.for_merchant(merchant).get().member.user == user  # the waiting click joined
    assert "Green Tea" in client.get(target).content.decode()


def test_a_wrong_code_does_not_log_in_and_does_not_verify(client, merchant, texts):
    client.post(reverse("account_phone_signup"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})
    client.post(reverse("account_verify_phone"), {"code": "XXXX-XXXX"})
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(phone="+886912345678").phone_verified


def test_a_second_phone_only_shopper_can_sign_up_too(client, merchant, texts):
    for phone in ("0912 345 678", "0933 111 222"):
        client.post(reverse("account_phone_signup"), {"phone": phone, "next": "/m/acme/shop/"})
        client.post(reverse("account_verify_phone"), {"code": code_in(texts[-1][1])})
        client.logout()
    assert User.objects.filter(email__isnull=True).count() == 2


def test_a_phone_shopper_logs_in_later_with_a_code(client, merchant, texts):
    client.post(reverse("account_phone_signup"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})
    client.post(reverse("account_verify_phone"), {"code": code_in(texts[-1][1])})
    client.logout()

    response = client.post(reverse("account_request_login_code"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})
    assert response.status_code == 302
    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(texts[-1][1]), "next": "/m/acme/shop/"})

    assert response.status_code == 302, (response.content.decode()[-2500:], texts)
    assert client.session["_auth_user_id"] == str(User.objects.get(phone="+886912345678").pk)


def test_a_member_registered_by_staff_is_claimed_once_the_number_is_verified(client, merchant, staff, texts):
    registered = MemberFactory(merchant=merchant, phone="+886912345678", email="", registered_by=staff)
    client.post(reverse("account_phone_signup"), {"phone": "0912345678", "next": "/m/acme/shop/"})
    user = User.objects.get(phone="+886912345678")
    registered.refresh_from_db()
    assert registered.user is None  # not before the code

    client.post(reverse("account_verify_phone"), {"code": code_in(texts[-1][1])})
    client.get(url("my_orders"))

    registered.refresh_from_db()
    assert registered.user == user


def test_an_unverified_number_claims_nothing(merchant, staff):
    registered = MemberFactory(merchant=merchant, phone="+886912345678", email="", registered_by=staff)
    user = UserFactory(phone="+886912345678", phone_verified=False)
    member = member_for_user(merchant=merchant, user=user)
    assert member.pk != registered.pk


def test_the_shop_menu_offers_my_orders_and_my_points_to_a_signed_in_shopper(client, merchant):
    assert "My orders" not in client.get(url("products")).content.decode()
    client.force_login(UserFactory())
    page = client.get(url("products")).content.decode()
    assert url("my_orders") in page and reverse("loyalty:my_points", kwargs={"merchant": "acme"}) in page


def test_my_orders_lists_only_my_orders_here_with_their_status(client, merchant, other_merchant):
    user = UserFactory()
    mine = member_for_user(merchant=merchant, user=user)
    OrderFactory(merchant=merchant, member=mine, number="A-1", status="completed")
    OrderFactory(merchant=merchant, member=MemberFactory(merchant=merchant), number="B-2")
    OrderFactory(merchant=other_merchant, member=member_for_user(merchant=other_merchant, user=user), number="C-3")
    client.force_login(user)

    page = client.get(url("my_orders")).content.decode()

    assert "A-1" in page and "B-2" not in page and "C-3" not in page
    assert 'data-testid="order-status">Completed' in page


def test_an_empty_cart_offers_no_checkout_and_the_checkout_page_sends_back_to_the_cart(client, merchant):
    client.force_login(UserFactory())
    assert 'data-testid="checkout-link"' not in client.get(url("cart")).content.decode()
    response = client.get(url("checkout"))
    assert response.status_code == 302 and response["Location"] == url("cart")
    response = client.post(url("checkout"), {"payment_method": "in_store"})
    assert response.status_code == 400 and "Your cart is empty" in response.content.decode()


def test_checkout_shows_the_points_money_value_hooks_and_the_confirmation_shows_lines_discounts_points_total(
    client, merchant
):
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    loyalty_services.loyalty_settings_save(merchant=merchant, point_value=D("0.50"))
    loyalty_services.points_adjust(merchant=merchant, points=100, reason="gift", member=member)
    variation = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), price=D("120"))
    client.force_login(user)
    client.post(url("cart_add"), {"variation": variation.pk, "quantity": 2})

    page = client.get(url("checkout")).content.decode()
    assert 'data-point-value="0.5000"' in page and 'data-max="100"' in page and "checkout-points.js" in page
    assert "One point is worth NT$0.50." in page  # said without the script too
    response = client.post(url("checkout"), {"payment_method": "in_store", "points": "40"})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Green Tea" in page and "2 × NT$120.00" in page
    assert "40 points used" in page and 'data-testid="order-points">− NT$20.00' in page
    assert 'data-testid="order-total"><strong>NT$220.00' in page


def test_another_shoppers_order_page_is_404(client, merchant):
    order = OrderFactory(merchant=merchant, member=MemberFactory(merchant=merchant), number="X-9")
    client.force_login(UserFactory())
    assert client.get(url("order", number=order.number)).status_code == 404


def test_a_login_code_never_opens_an_account_that_only_typed_someone_elses_number(client, merchant, texts):
    # Someone signed up with their email and password and typed a number that is not theirs.
    UserFactory(email="someone@example.com", phone="+886912345678", phone_verified=False)

    client.post(reverse("account_request_login_code"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})

    assert texts and "verification code" not in texts[-1][1]  # "no account with this number" instead
    assert "_auth_user_id" not in client.session


def test_the_numbers_owner_signs_up_with_it_even_when_another_account_typed_it_unverified(client, merchant, texts):
    squatter = UserFactory(email="someone@example.com", phone="+886912345678", phone_verified=False)

    client.post(reverse("account_phone_signup"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})
    client.post(reverse("account_verify_phone"), {"code": code_in(texts[-1][1])})

    squatter.refresh_from_db()
    owner = User.objects.get(phone="+886912345678")
    assert squatter.phone == "" and owner != squatter and owner.phone_verified
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_number_an_account_owns_is_not_taken_by_a_new_signup(client, merchant, texts):
    owner = UserFactory(email="mei@example.com", phone="+886912345678", phone_verified=True)
    client.post(reverse("account_phone_signup"), {"phone": "0912 345 678", "next": "/m/acme/shop/"})
    owner.refresh_from_db()
    assert owner.phone == "+886912345678" and User.objects.filter(phone="+886912345678").count() == 1
    assert "_auth_user_id" not in client.session
