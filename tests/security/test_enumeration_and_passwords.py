"""ASVS L2: signup and password reset do not reveal whether an email has an account; partner
passwords may be long (64+) and common ones are refused."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Tea-2026!x"
User = get_user_model()


def signup(client, email):
    return client.post(reverse("account_signup"), {
        "email": email, "password1": PASSWORD, "password2": PASSWORD, "phone": "",
    })


def test_signup_answers_the_same_for_a_known_and_an_unknown_email(client, django_user_model):
    UserFactory(email="known@example.com")

    known = signup(client, "known@example.com")
    client.logout()
    unknown = signup(client, "unknown@example.com")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="known@example.com").count() == 1
    # The known address's owner is told by mail that someone tried; no account is taken over.
    assert sorted(m.to[0] for m in mail.outbox) == ["known@example.com", "unknown@example.com"]


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_email(client):
    UserFactory(email="known@example.com")

    known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "unknown@example.com"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def partner_signup(client, password, email="kol@example.com"):
    return client.post(reverse("partners:signup"), {
        "name": "Kim", "email": email, "password1": password, "password2": password,
    })


def test_partners_may_use_a_64_character_passphrase(client):
    passphrase = ("Correct Horse Battery Staple 2026 at the Taipei night market " + "Xy9" * 10)[:64]
    assert len(passphrase) == 64

    partner_signup(client, passphrase)

    assert User.objects.filter(email="kol@example.com").exists()


def test_partners_cannot_use_a_common_password_even_if_it_fits_the_rule(client):
    response = partner_signup(client, "Password1")  # upper, lower, digit, 9 characters: and on every list

    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="kol@example.com").exists()
