"""Must-fix 1: a login claims a staff-registered member only by an email or phone it has verified.

The attack: sign up with someone else's email (never verified), open any page of the merchant,
and the member the staff registered with that email (points, orders) becomes yours.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.models import Member
from members.services import member_for_user
from omo.accounts.verification import EmailNotVerified
from tests.factories import LinkFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Tea-2026!x"


@pytest.fixture
def victim(merchant):
    """A member the staff registered at the counter, not yet linked to any login."""
    return MemberFactory(merchant=merchant, name="Lin Mei", email="lin.mei@example.com", phone="+886912345678")


def open_link(client, merchant, link):
    return client.get(reverse("storefront:open", kwargs={"merchant": merchant.slug, "token": link.token}))


def test_an_unverified_email_does_not_claim_the_staff_registered_member(client, merchant, staff, victim):
    attacker = UserFactory(email="lin.mei@example.com")  # typed into a signup form, never verified
    client.force_login(attacker)

    link_open = open_link(client, merchant, LinkFactory(merchant=merchant, staff=staff))
    points_page = client.get(reverse("loyalty:my_points", kwargs={"merchant": merchant.slug}))

    victim.refresh_from_db()
    assert victim.user is None
    assert not Member.objects.for_merchant(merchant).filter(user=attacker).exists()
    # Sent to verify the address instead of seeing anybody's points.
    assert link_open.status_code == 302 and link_open["Location"] == reverse("account_email")
    assert points_page.status_code == 302 and points_page["Location"] == reverse("account_email")


def test_an_unverified_phone_does_not_claim_the_member_either(merchant, victim):
    attacker = UserFactory(email="someone.else@example.com", phone=victim.phone, phone_verified=False)

    member = member_for_user(merchant=merchant, user=attacker)

    victim.refresh_from_db()
    assert victim.user is None and member != victim
    assert member.phone == ""  # the number belongs to someone else's record


def test_a_verified_email_claims_the_member(merchant, victim):
    owner = UserFactory(email="lin.mei@example.com")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)

    assert member_for_user(merchant=merchant, user=owner) == victim
    victim.refresh_from_db()
    assert victim.user == owner


def test_a_verified_phone_claims_the_member(merchant, victim):
    owner = UserFactory(email="other.address@example.com", phone=victim.phone, phone_verified=True)

    assert member_for_user(merchant=merchant, user=owner) == victim


def test_an_unverified_login_with_a_fresh_email_gets_its_own_member(merchant, victim):
    newcomer = UserFactory(email="new.shopper@example.com")

    member = member_for_user(merchant=merchant, user=newcomer)

    assert member != victim and member.user == newcomer and member.email == "new.shopper@example.com"


def test_unverified_and_the_email_taken_raises(merchant, victim):
    with pytest.raises(EmailNotVerified):
        member_for_user(merchant=merchant, user=UserFactory(email="lin.mei@example.com"))


def test_shopper_signup_verifies_the_email_before_the_member_is_claimed(client, merchant, staff, victim):
    link = LinkFactory(merchant=merchant, staff=staff, member=victim)
    next_url = reverse("storefront:open", kwargs={"merchant": merchant.slug, "token": link.token})

    signup = client.post(reverse("account_signup"), {
        "email": "lin.mei@example.com", "password1": PASSWORD, "password2": PASSWORD, "phone": "", "next": next_url,
    })

    # Not signed in, nothing claimed: a verification mail went to the address.
    assert signup.status_code == 302 and signup["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    victim.refresh_from_db()
    assert victim.user is None
    confirm_url = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)

    # The address's owner confirms it (same browser): signed in, back on the link, member claimed.
    confirmed = client.post(confirm_url)
    assert confirmed["Location"] == next_url
    assert open_link(client, merchant, link).status_code == 200
    victim.refresh_from_db()
    assert victim.user is not None and victim.user.email == "lin.mei@example.com"
