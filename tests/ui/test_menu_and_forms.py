"""One role-aware menu on every staff page; the offer form and partner signup say things plainly."""

import pytest
from django.urls import reverse

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def menu_of(page: str) -> str:
    start = page.index('data-testid="app-menu"')
    return page[start:page.index("</ul>", start)]


def test_store_staff_see_only_what_their_role_opens_with_the_current_page_marked(staff_client, merchant):
    page = staff_client.get("/m/acme/reports/performance/").content.decode()
    menu = menu_of(page)

    assert "Find a member" in menu and "Performance" in menu
    assert "Exports" not in menu and "Campaigns" not in menu and "Loyalty offers" not in menu
    assert 'href="/m/acme/reports/performance/" aria-current="page"' in menu


@pytest.mark.parametrize("path", ["/m/acme/staff/", "/m/acme/reports/export/", "/m/acme/campaigns/",
                                  "/m/acme/loyalty/offers/", "/m/acme/settings/attribution/", "/m/acme/loyalty/cash/"])
def test_an_admin_gets_the_whole_menu_on_every_merchant_page(client, merchant, store, path):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)

    menu = menu_of(client.get(path).content.decode())

    for entry in ("Find a member", "Performance", "Exports", "Campaigns", "Loyalty offers", "Payroll", "Settings"):
        assert entry in menu, (path, entry)
    assert f'href="{path}" aria-current="page"' in menu


def test_the_offer_form_lays_out_checkboxes_with_their_labels(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)

    page = client.get(reverse("loyalty:offer_new", kwargs={"merchant": "acme"})).content.decode()

    assert "<legend>Sales channels</legend>" in page
    assert '<label class="check" for="id_active"><input type="checkbox"' in page


def test_the_offer_forms_rule_errors_are_sentences_on_their_fields(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)

    response = client.post(reverse("loyalty:offer_new", kwargs={"merchant": "acme"}), {
        "name": "Half points", "active": "on", "event": "purchase", "action": "multiplier", "value": "0.5",
        "per_amount": "100", "position": "0",
    })

    page = response.content.decode()
    assert "A multiplier must be at least 1" in page
    assert "it only applies to points per amount spent" in page
    assert "would take points away" not in page and "points_per_amount needs" not in page


def test_partner_signups_two_password_fields_share_limits_and_say_the_rule_first(client):
    page = client.get(reverse("partners:signup")).content.decode()

    for name in ("password1", "password2"):
        tag = page[page.index(f'name="{name}"') - 300:page.index(f'name="{name}"') + 300]
        assert 'minlength="8"' in tag and "maxlength=" in tag
    assert page.index("contain upper-case letters") < page.index('name="password1"')
