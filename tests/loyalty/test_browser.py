"""Headless Chromium: a staff member exchanges points for cash on the tablet (and is refused a
second time that month); a shopper sees the same balance and history online."""


import pytest

from loyalty import services
from members.services import member_for_user
from tests.browser import ARTIFACTS, MARKS, signed_in_page
from tests.factories import MerchantFactory, StaffFactory, StoreFactory, UserFactory

pytestmark = [
    *MARKS,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(viewport={"width": 1024, "height": 900})
    context.set_default_timeout(15000)
    yield context
    context.close()



def test_staff_exchanges_points_for_cash_once_a_month(live_server, browser_context):
    merchant = MerchantFactory(slug="acme")
    amy = StaffFactory(merchant=merchant, store=StoreFactory(merchant=merchant, name="Taipei 101"), display_name="Amy")
    services.points_adjust(merchant=merchant, staff=amy, points=500, reason="Sales bonus")
    page = signed_in_page(browser_context, live_server, amy.user)

    page.goto(f"{live_server.url}/m/acme/loyalty/cash/")
    page.get_by_label("Points to exchange for cash").fill("200")
    page.get_by_role("button", name="Request cash").click()
    page.wait_for_selector("text=200 points exchanged for 20.00 TWD")
    balance_after_first = page.get_by_test_id("balance").inner_text()

    page.get_by_label("Points to exchange for cash").fill("100")
    page.get_by_role("button", name="Request cash").click()
    refusal = page.get_by_role("alert").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "loyalty-cash-refused.png"), full_page=True)

    assert balance_after_first == "300"
    assert "once per calendar month" in refusal
    assert page.get_by_test_id("balance").inner_text() == "300"


def test_shopper_sees_balance_and_history(live_server, browser_context):
    merchant = MerchantFactory(slug="acme")
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    services.points_adjust(merchant=merchant, member=member, points=120, reason="Welcome gift")
    page = signed_in_page(browser_context, live_server, user)

    page.goto(f"{live_server.url}/m/acme/points/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "loyalty-my-points.png"), full_page=True)

    assert page.get_by_test_id("balance").inner_text() == "120"
    assert "Welcome gift" in page.get_by_test_id("ledger").inner_text()
