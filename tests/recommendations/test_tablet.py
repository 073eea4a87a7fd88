"""Issue 14 item 4 (staff on the tablet) and item 8's texts in the member's language."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.selectors import natural_key, product_search
from recommendations import services
from recommendations.models import LinkClick
from tests.i18n.test_translations import compiled  # noqa: F401 (fixture)
from tests.factories import LinkFactory, MemberFactory, OrderFactory, ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(name, **kwargs):
    return reverse(f"recommendations:{name}", kwargs={"merchant": "acme", **kwargs})


def test_results_show_image_price_and_stock(staff_client, merchant, member):
    product = ProductFactory(merchant=merchant, name="Oolong Tea", image_url="https://cdn.example.com/oolong.jpg")
    VariationFactory(merchant=merchant, product=product, sku="TEA-S", price=D("1200"), stock=7)
    VariationFactory(merchant=merchant, product=product, sku="TEA-L", price=D("1500"), stock=0)

    page = staff_client.get(url("search", member_id=member.pk), {"q": "oolong"}, **HX).content.decode()

    assert "https://cdn.example.com/oolong.jpg" in page
    assert "NT$1,200.00" in page and "NT$1,500.00" in page
    assert "7 in stock" in page and "Out of stock" in page


def test_results_are_sorted_naturally(merchant):
    for name in ("Tea #111", "Tea #15", "Tea #2"):
        VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=name))
    assert [p.name for p in product_search(merchant=merchant, query="tea")] == ["Tea #2", "Tea #15", "Tea #111"]
    assert natural_key("a10") > natural_key("a9")


def test_a_one_character_search_asks_for_two(staff_client, merchant, member):
    VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Tea"))
    page = staff_client.get(url("search", member_id=member.pk), {"q": "t"}, **HX).content.decode()
    assert "Type at least 2 characters." in page
    page = staff_client.get(url("compose", member_id=member.pk), {"q": "t"}).content.decode()
    assert "Type at least 2 characters." in page
    assert "Type at least 2" not in staff_client.get(url("search", member_id=member.pk), {"q": ""}, **HX).content.decode()


def test_the_search_box_offers_camera_scanning_through_a_static_script(staff_client, member):
    page = staff_client.get(url("compose", member_id=member.pk)).content.decode()
    assert 'id="scan-barcode" hidden' in page and "recommendations/scan.js" in page  # shown by the script if supported


@pytest.mark.parametrize("typed", ["abc", "😀", "abc@", "<b>"])
def test_invalid_search_text_does_not_prefill_a_new_members_phone(staff_client, merchant, typed):
    page = staff_client.get(reverse("members:search", kwargs={"merchant": "acme"}), {"q": typed}).content.decode()
    assert 'name="phone"' in page  # the register form is offered...
    assert 'name="phone" value=' not in page and 'name="email" value=' not in page  # ...empty


@pytest.mark.parametrize("typed, field", [("0912 345", "phone"), ("+886 912 345 678", "phone"), ("Mei@Example.com", "email")])
def test_phone_or_email_search_text_prefills_the_registration(staff_client, merchant, typed, field):
    page = staff_client.get(reverse("members:search", kwargs={"merchant": "acme"}), {"q": typed}).content.decode()
    assert f'name="{field}" value="' in page


def test_share_page_offers_line_and_whatsapp_with_the_same_text(staff_client, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff, member=MemberFactory(merchant=merchant, phone="+886912345678"))
    page = staff_client.get(url("link", link_id=link.pk)).content.decode()
    assert 'href="https://line.me/R/share?text=Acme%20Taiwan%3A%20Amy%20at%20Taipei%20101' in page
    assert 'href="https://wa.me/886912345678?text=Acme%20Taiwan%3A' in page


def test_share_page_says_whether_the_link_was_opened_and_bought_from(staff_client, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    page = staff_client.get(url("link", link_id=link.pk)).content.decode()
    assert 'data-testid="link-not-opened"' in page and 'data-testid="link-not-bought"' in page

    services.click_record(merchant=merchant, link=link, user=UserFactory(), clicked_at=timezone.now())
    OrderFactory(merchant=merchant, member=LinkClick.objects.for_merchant(merchant).get().member, recommendation_token=link.token)
    OrderFactory(merchant=merchant, member=link.member, recommendation_token=link.token, status="cancelled")

    page = staff_client.get(url("link", link_id=link.pk)).content.decode()
    assert "Opened once, last" in page and "GMT+08:00" in page
    assert "1 order placed from it" in page


@pytest.mark.usefixtures("compiled")
def test_the_sms_is_in_the_members_language_not_the_staff_screen_language(staff_client, merchant, staff):
    member = MemberFactory(merchant=merchant, language="zh-hant")
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    text = services.link_sms_text(link=link, url="https://x.test/l/abc/")
    assert "Acme Taiwan" in text and "picked products for you" not in text  # the member's Chinese

    page = staff_client.get(url("link", link_id=link.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send by text message" in page  # the staff's screen stays English


@pytest.mark.usefixtures("compiled")
def test_the_sms_falls_back_to_the_merchants_language(merchant, staff):
    merchant.language = "ru"
    merchant.save()
    link = LinkFactory(merchant=merchant, staff=staff, member=MemberFactory(merchant=merchant))
    assert "picked products for you" not in services.link_sms_text(link=link, url="https://x.test/l/abc/")
    merchant.language = "en"
    merchant.save()
    link.member.merchant.refresh_from_db()
    link.refresh_from_db()
    assert "picked products for you" in services.link_sms_text(link=link, url="https://x.test/l/abc/")


def test_staff_register_a_members_text_language(staff_client, merchant):
    staff_client.post(
        reverse("members:register", kwargs={"merchant": "acme"}), {"phone": "0912 000 111", "language": "ru"}
    )
    from members.models import Member

    assert Member.objects.for_merchant(merchant).get(phone="+886912000111").language == "ru"
