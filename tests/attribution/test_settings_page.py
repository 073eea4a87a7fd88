"""Merchant admins edit the attribution settings under their prefix; the change history keeps who,
when and what (old -> new). Managers and store staff get 403, another merchant's admin 404."""

import pytest
from django.urls import reverse

from attribution.models import AttributionSettings
from attribution.rules import Reason
from attribution.services import order_attribute
from tests.factories import OrderFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(merchant):
    return reverse("attribution:settings", kwargs={"merchant": merchant.slug})


@pytest.fixture
def admin_staff(merchant, store):
    return StaffFactory(merchant=merchant, store=store, role="admin", display_name="Alice Admin")


@pytest.fixture
def admin_client(client, admin_staff):
    client.force_login(admin_staff.user)
    return client


def test_admin_sees_the_defaults_and_no_history(admin_client, merchant):
    page = admin_client.get(url(merchant)).content.decode()

    assert "24-hour window, in-store credit off" in page
    assert 'name="window_hours" value="24"' in page
    assert "Never changed: the defaults are in force." in page


def test_admin_changes_the_settings_and_the_history_shows_who_when_old_and_new(admin_client, merchant, admin_staff):
    response = admin_client.post(url(merchant), {"window_hours": "48", "in_store_credit": "on"})
    assert response.status_code == 302
    admin_client.post(url(merchant), {"window_hours": "12"})

    rows = list(AttributionSettings.objects.for_merchant(merchant).order_by("effective_from", "pk"))
    assert [(r.window_hours, r.in_store_credit, r.changed_by) for r in rows] == [
        (48, True, admin_staff), (12, False, admin_staff)
    ]
    page = admin_client.get(url(merchant)).content.decode()
    assert "In force now: 12-hour window, in-store credit off." in page
    assert page.count("Alice Admin") == 2
    # newest first: 48h/on -> 12h/off, then the defaults -> 48h/on
    newest, oldest = page.index("12-hour window, in-store credit off</td>"), page.index(
        "<td>24-hour window, in-store credit off</td>")
    assert newest < oldest
    assert "<td>48-hour window, in-store credit on</td>" in page


def test_saving_without_a_change_adds_no_history(admin_client, merchant):
    admin_client.post(url(merchant), {"window_hours": "24"})

    assert not AttributionSettings.objects.for_merchant(merchant).exists()


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "abc", "8761", ""])
def test_bad_window_is_refused_with_a_sentence(admin_client, merchant, value):
    response = admin_client.post(url(merchant), {"window_hours": value})

    assert response.status_code == 200
    page = response.content.decode()
    assert ("Enter a whole number of hours from 1 to 8760." in page
            or "Enter the attribution window in hours." in page)
    assert not AttributionSettings.objects.for_merchant(merchant).exists()


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_managers_and_store_staff_get_403(client, merchant, store, role):
    someone = StaffFactory(merchant=merchant, store=store, role=role)
    client.force_login(someone.user)

    assert client.get(url(merchant)).status_code == 403
    assert client.post(url(merchant), {"window_hours": "48"}).status_code == 403
    assert not AttributionSettings.objects.for_merchant(merchant).exists()


def test_another_merchants_admin_gets_404(client, merchant, other_merchant):
    stranger = StaffFactory(merchant=other_merchant, role="admin")
    client.force_login(stranger.user)

    assert client.get(url(merchant)).status_code == 404
    assert client.post(url(merchant), {"window_hours": "48"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, merchant):
    response = client.get(url(merchant))

    assert response.status_code == 302 and "login" in response["Location"]


def test_settings_changed_on_the_page_decide_new_orders(admin_client, merchant, member):
    admin_client.post(url(merchant), {"window_hours": "24", "in_store_credit": "on"})
    order = OrderFactory(merchant=merchant, member=member, channel="pos")

    # no click, but it is judged now (in-store credit on) rather than left as an in-store sale
    assert order_attribute(merchant_id=merchant.pk, order_id=order.pk).reason == Reason.NO_CLICK


def test_operator_sees_the_history_read_only_in_the_django_admin(client, merchant, admin_client):
    admin_client.post(url(merchant), {"window_hours": "48"})
    row = AttributionSettings.objects.for_merchant(merchant).get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:attribution_attributionsettings_changelist"))
    change = client.get(reverse("admin:attribution_attributionsettings_change", args=[row.pk]))
    add = client.get(reverse("admin:attribution_attributionsettings_add"))

    assert listing.status_code == 200 and "Alice Admin" in listing.content.decode()
    assert change.status_code == 200 and b'name="window_hours"' not in change.content
    assert add.status_code == 403
