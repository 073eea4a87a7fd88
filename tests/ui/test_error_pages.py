"""Error pages a person meets: branded, in their language, with a next step; API paths keep JSON."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_recommendation_link_answers_a_branded_404_with_a_next_step(client, merchant):
    response = client.get("/m/acme/l/not-a-real-token/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-kind="link"' in page
    assert "Acme Taiwan" in page
    assert "Ask the store for a new link" in page
    assert 'href="/m/acme/shop/"' in page
    assert 'name="viewport"' in page


def test_the_404_page_is_in_the_visitors_language(client, merchant):
    response = client.get("/m/acme/l/not-a-real-token/", HTTP_ACCEPT_LANGUAGE="zh-Hant")

    assert response.status_code == 404
    assert '<html lang="zh-hant">' in response.content.decode()


def test_an_unknown_merchant_answers_the_plain_404_page(client, merchant):
    response = client.get("/m/nobody/l/whatever/")

    assert response.status_code == 404
    assert 'data-kind="not-found"' in response.content.decode()
    assert "Acme Taiwan" not in response.content.decode()


def test_an_unknown_invitation_says_to_ask_for_a_new_link(client, db):
    response = client.get("/partners/invite/no-such-invitation/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-kind="invitation"' in page
    assert "Ask the merchant who invited you for a new link" in page


def test_a_role_limited_page_answers_403_with_who_is_signed_in(client, merchant, staff):
    client.force_login(staff.user)  # store staff, not an admin

    response = client.get("/m/acme/reports/export/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-kind="forbidden"' in page
    assert staff.user.get_username() in page
    assert "Sign in as someone else" in page
    assert 'href="/m/acme/staff/"' in page


def test_another_merchants_staff_still_get_404_for_its_pages(client, merchant, other_merchant):
    outsider = StaffFactory(merchant=other_merchant, store=StoreFactory(merchant=other_merchant), role="admin")
    client.force_login(outsider.user)

    assert client.get("/m/acme/reports/export/").status_code == 404


def test_the_api_keeps_its_json_shape_for_a_404(client, merchant, staff):
    client.force_login(staff.user)

    response = client.get("/m/acme/api/nothing-here/")

    assert response.status_code == 404
    assert response.json()["error"]


def test_a_csrf_failure_answers_a_branded_page_that_says_to_open_the_page_again(merchant, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff.user)

    response = client.post("/m/acme/staff/members/register/", {"name": "x"}, HTTP_REFERER="http://testserver/m/acme/staff/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-kind="csrf"' in page
    assert "Acme Taiwan" in page
    assert 'href="http://testserver/m/acme/staff/"' in page


def test_too_many_unknown_links_answer_a_branded_429(client, merchant, settings):
    settings.UNKNOWN_TOKEN_LIMIT = 2
    for _ in range(2):
        client.get("/m/acme/l/wrong/")

    response = client.get("/m/acme/l/wrong/")

    assert response.status_code == 429
    assert 'data-kind="rate-limit"' in response.content.decode()
    assert response["Retry-After"]


def _boom(request, merchant):
    raise RuntimeError("boom")


urlpatterns = [path("m/<slug:merchant>/boom/", _boom)]
handler500 = "omo.api.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_answers_a_branded_500_that_says_nothing_was_saved(merchant):
    client = Client(raise_request_exception=False)

    response = client.get("/m/acme/boom/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-kind="server-error"' in page
    assert "Acme Taiwan" in page
    assert "Nothing was saved" in page


def test_allauth_and_axes_lockouts_render_the_branded_429_page(rf):
    from django.template import loader

    page = loader.get_template("429.html").render({}, rf.get("/accounts/login/"))

    assert 'data-kind="rate-limit"' in page and "Too many attempts from this device" in page
    assert 'href="/"' in page
