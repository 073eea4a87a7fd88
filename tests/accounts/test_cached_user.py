"""The signed-in user is read from the cache between requests; any change to the account still
takes effect at the person's next request."""

import pytest
from django.urls import reverse

from tests.factories import LinkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(merchant):
    link = LinkFactory(merchant=merchant)
    return reverse("storefront:recommended", kwargs={"merchant": merchant.slug, "token": link.token})


def _signed_in(client, page):
    return client.get(page).status_code == 200


def test_a_password_change_signs_out_the_other_sessions_at_their_next_request(client, page):
    user = UserFactory()
    client.force_login(user)
    assert _signed_in(client, page)  # the user is now in the cache
    user.set_password("Another-Secret-2026!")
    user.save()
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, page):
    user = UserFactory()
    client.force_login(user)
    assert _signed_in(client, page)
    user.is_active = False
    user.save()
    assert not _signed_in(client, page)


def test_a_renamed_user_is_shown_with_the_new_name(client, merchant):
    user = UserFactory(name="Old Name")
    client.force_login(user)
    home = reverse("home")
    client.get(home)
    user.name = "New Name"
    user.save()
    from django.contrib.auth import get_user

    request = client.get(home).wsgi_request
    assert get_user(request).name == "New Name"
