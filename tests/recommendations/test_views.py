import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.models import LinkClick, RecommendationLink, SmsOutbox
from tests.factories import LinkFactory, MemberFactory, ProductFactory, StaffFactory, StoreFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}




def url(name, merchant="acme", **kwargs):
    return reverse(f"recommendations:{name}", kwargs={"merchant": merchant, **kwargs})


def open_url(token, merchant="acme"):
    """The shared link the shopper opens (served by the storefront)."""
    return reverse("storefront:open", kwargs={"merchant": merchant, "token": token})


@pytest.fixture
def shirt(merchant):
    product = ProductFactory(merchant=merchant, name="Linen Shirt")
    return product, [
        VariationFactory(merchant=merchant, product=product, name="White / M", sku="SHIRT-W-M"),
        VariationFactory(merchant=merchant, product=product, name="Blue / M", sku="SHIRT-B-M"),
    ]


@pytest.fixture
def tea(merchant):
    return VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Oolong Tea"), sku="TEA-1", barcode="4710000000017")


def test_search_as_you_type_by_name_sku_and_barcode(staff_client, member, shirt, tea):
    results = url("search", member_id=member.pk)
    assert "Linen Shirt" in staff_client.get(results, {"q": "linen"}, **HX).content.decode()
    assert "Oolong Tea" in staff_client.get(results, {"q": "tea-1"}, **HX).content.decode()
    assert "Oolong Tea" in staff_client.get(results, {"q": "4710000000017"}, **HX).content.decode()
    assert "No products match" in staff_client.get(results, {"q": "zzz"}, **HX).content.decode()


def test_multi_variation_product_asks_for_a_variation(staff_client, member, shirt):
    product, variations = shirt
    page = staff_client.get(url("search", member_id=member.pk), {"q": "shirt"}, **HX).content.decode()
    picker = url("picker", member_id=member.pk, product_id=product.pk)
    assert picker in page and "Choose variation" in page
    picker_page = staff_client.get(picker, **HX).content.decode()
    assert "White / M" in picker_page and "Blue / M" in picker_page and "Confirm" in picker_page


def test_select_edit_variation_and_remove(staff_client, member, shirt, tea):
    _, (white, blue) = shirt
    select = url("select", member_id=member.pk)
    staff_client.post(select, {"variation": white.pk}, **HX)
    page = staff_client.post(select, {"variation": tea.pk}, **HX).content.decode()
    assert "Linen Shirt" in page and "Oolong Tea" in page
    # edit the variation of the selected shirt: the item keeps its place
    response = staff_client.post(select, {"variation": blue.pk, "replace": white.pk}, **HX)
    assert [i["variation"] for i in response.context["selected"]] == [blue, tea]
    response = staff_client.post(url("remove", member_id=member.pk), {"variation": tea.pk}, **HX)
    assert [i["variation"] for i in response.context["selected"]] == [blue]


def test_share_creates_the_link_and_opens_the_share_page(staff_client, merchant, staff, member, shirt, tea):
    _, (white, _) = shirt
    for v in (white, tea):
        staff_client.post(url("select", member_id=member.pk), {"variation": v.pk})
    response = staff_client.post(url("share", member_id=member.pk), **HX)
    link = RecommendationLink.objects.for_merchant(merchant).get()
    assert response["HX-Redirect"] == url("link", link_id=link.pk)
    assert (link.staff, link.store, link.member) == (staff, staff.store, member)
    page = staff_client.get(url("link", link_id=link.pk)).content.decode()
    assert f"/m/acme/l/{link.token}/" in page
    assert url("qr_svg", link_id=link.pk) in page and url("qr_png", link_id=link.pk) in page
    assert "picked products for you" in page  # the SMS preview
    # the selection is emptied for the next recommendation
    assert staff_client.get(url("compose", member_id=member.pk)).context["selected"] == []


def test_share_with_nothing_selected_explains(staff_client, member):
    response = staff_client.post(url("share", member_id=member.pk), follow=True)
    assert "Select at least one product" in response.content.decode()


def test_qr_code_png_and_svg(staff_client, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    png = staff_client.get(url("qr_png", link_id=link.pk))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = staff_client.get(url("qr_svg", link_id=link.pk))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_sms_send_and_rate_limit_answer_429(staff_client, merchant, staff, settings):
    settings.SMS_RATE_PER_MEMBER = 1
    link = LinkFactory(merchant=merchant, staff=staff)
    first = staff_client.post(url("sms", link_id=link.pk), **HX)
    assert first.status_code == 200 and "Text message sent" in first.content.decode()
    second = staff_client.post(url("sms", link_id=link.pk), **HX)
    assert second.status_code == 429
    assert "already been sent 1 texts" in second.content.decode()
    assert SmsOutbox.objects.for_merchant(merchant).count() == 1


def test_logged_in_shopper_open_is_a_click_then_the_list(client, merchant):
    link = LinkFactory(merchant=merchant)
    shopper = UserFactory()
    client.force_login(shopper)
    response = client.get(open_url(link.token), HTTP_USER_AGENT="Mozilla/5.0 (Android 14) Mobile")
    assert response.status_code == 200 and "Picked for you" in response.content.decode()  # the list, no redirect
    click = LinkClick.objects.for_merchant(merchant).get()
    assert click.member.user == shopper and click.device == "phone" and click.clicked_at <= timezone.now()


def test_anonymous_open_lands_on_the_sign_in_page_that_leads_back_to_the_list(client, merchant):
    link = LinkFactory(merchant=merchant)
    response = client.get(open_url(link.token))
    assert response.status_code == 200
    assert f"/accounts/login/?next=%2Fm%2Facme%2Fshop%2Fr%2F{link.token}%2F" in response.content.decode()


def test_unknown_or_foreign_token_is_404(client, merchant, other_merchant):
    foreign = LinkFactory(merchant=other_merchant)
    assert client.get(open_url("nope")).status_code == 404
    assert client.get(open_url(foreign.token)).status_code == 404


def test_staff_pages_of_another_merchant_are_404(staff_client, merchant, other_merchant):
    other_member = MemberFactory(merchant=other_merchant)
    other_link = LinkFactory(merchant=other_merchant)
    other_product = ProductFactory(merchant=other_merchant)
    other_variation = VariationFactory(merchant=other_merchant)
    assert staff_client.get(url("compose", member_id=other_member.pk)).status_code == 404
    assert staff_client.get(url("search", member_id=other_member.pk), {"q": "x"}).status_code == 404
    assert staff_client.get(url("picker", member_id=other_member.pk, product_id=other_product.pk)).status_code == 404
    assert staff_client.post(url("select", member_id=other_member.pk), {"variation": 1}).status_code == 404
    assert staff_client.post(url("remove", member_id=other_member.pk), {"variation": 1}).status_code == 404
    assert staff_client.post(url("share", member_id=other_member.pk)).status_code == 404
    for name in ("link", "qr_png", "qr_svg"):
        assert staff_client.get(url(name, link_id=other_link.pk)).status_code == 404
    assert staff_client.post(url("sms", link_id=other_link.pk)).status_code == 404
    # an own member with a foreign product id: not found either
    own_member = MemberFactory(merchant=merchant)
    assert staff_client.post(url("select", member_id=own_member.pk), {"variation": other_variation.pk}).status_code == 404
    assert staff_client.get(url("picker", member_id=own_member.pk, product_id=other_product.pk)).status_code == 404


def test_search_never_returns_another_merchants_products(staff_client, member, other_merchant):
    VariationFactory(merchant=other_merchant, product=ProductFactory(merchant=other_merchant, name="Secret Shirt"), sku="SEC-1")
    page = staff_client.get(url("search", member_id=member.pk), {"q": "Secret"}).content.decode()
    assert "Secret Shirt" not in page
    assert "Secret Shirt" not in staff_client.get(url("search", member_id=member.pk), {"q": "SEC-1"}).content.decode()


def test_other_merchants_staff_cannot_open_our_staff_pages(client, merchant, other_merchant, member):
    outsider = StaffFactory(merchant=other_merchant, store=StoreFactory(merchant=other_merchant))
    client.force_login(outsider.user)
    assert client.get(url("compose", member_id=member.pk)).status_code == 404


def test_sharing_through_the_share_button_earns_the_staff_share_points(staff_client, merchant, staff, member, tea):
    from loyalty.models import Offer
    from loyalty.selectors import points_balance

    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Share", event="share", action="fixed_points", value=30
    )
    staff_client.post(url("select", member_id=member.pk), {"variation": tea.pk})
    staff_client.post(url("share", member_id=member.pk), **HX)
    assert points_balance(merchant=merchant, staff=staff) == 30
