"""Issue 14 items 3 and 4 where only a browser can tell: in portrait (820×1180) the selected
products and Share stay in view above a long result list; at checkout the points' money value
and the total after them follow the typing (static JS, the server stays the truth)."""

from decimal import Decimal as D

import pytest

from loyalty import services as loyalty_services
from members.services import member_for_user
from tests.browser import MARKS, screenshot, signed_in_page
from tests.factories import MemberFactory, MerchantFactory, ProductFactory, StaffFactory, StoreFactory, UserFactory, VariationFactory

pytestmark = [*MARKS, pytest.mark.django_db(transaction=True)]
PORTRAIT = {"width": 820, "height": 1180}


def in_view(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PORTRAIT["height"]


def test_in_portrait_the_selected_panel_and_share_stay_in_view(live_server, chromium):
    merchant = MerchantFactory(slug="acme")
    staff = StaffFactory(merchant=merchant, store=StoreFactory(merchant=merchant), display_name="Amy")
    member = MemberFactory(merchant=merchant, registered_store=staff.store)
    for n in range(1, 21):
        VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=f"Tea #{n}"), sku=f"TEA-{n}")
    context = chromium.new_context(viewport=PORTRAIT)
    context.set_default_timeout(15000)
    page = signed_in_page(context, live_server, staff.user)

    page.goto(f"{live_server.url}/m/acme/staff/members/{member.pk}/recommend/?q=tea")
    page.locator(".results button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=selected-item]")
    share = ".compose-selected button.btn-primary"

    assert in_view(page, share)
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(300)
    assert in_view(page, share)
    screenshot(page, "tablet-portrait-sticky-share")
    context.close()


def test_points_at_checkout_show_their_value_and_the_new_total_as_the_shopper_types(live_server, chromium):
    merchant = MerchantFactory(slug="acme")
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    loyalty_services.loyalty_settings_save(merchant=merchant, point_value=D("0.50"))
    loyalty_services.points_adjust(merchant=merchant, points=100, reason="gift", member=member)
    variation = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), price=D("120"))
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(15000)
    page = signed_in_page(context, live_server, user)
    page.goto(f"{live_server.url}/m/acme/shop/")
    page.evaluate(
        """([url, id]) => { const f = document.createElement('form'); f.method = 'post'; f.action = url;
           const t = document.querySelector('[name=csrfmiddlewaretoken]').cloneNode(); f.appendChild(t);
           const v = document.createElement('input'); v.name = 'variation'; v.value = id; f.appendChild(v);
           document.body.appendChild(f); f.submit(); }""",
        ["/m/acme/shop/cart/add/", str(variation.pk)],
    )
    page.wait_for_url("**/shop/cart/")
    page.goto(f"{live_server.url}/m/acme/shop/checkout/")

    page.fill("#id_points", "40")

    assert page.inner_text("[data-testid=points-value]") == "NT$20.00"
    assert page.inner_text("[data-testid=total-after-points]") == "NT$100.00"
    page.fill("#id_points", "500")  # more than usable: capped at the 100 points the shopper has
    assert page.inner_text("[data-testid=total-after-points]") == "NT$70.00"
    screenshot(page, "checkout-points-preview")
    context.close()
