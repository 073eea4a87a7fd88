"""One-time form tokens: a double tap or a re-sent form acts once; the repeat gets the first answer."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from commerce.models import Order
from partners.models import Invitation
from recommendations.models import SmsOutbox
from tests.factories import LinkFactory, ProductFactory, StaffFactory, UserFactory, VariationFactory
from tests.partners.helpers import make_campaign
from tests.races import at_once

HX = {"HTTP_HX_REQUEST": "true"}


def token_of(page: str) -> str:
    return re.search(r'name="form_once" value="([^"]+)"', page).group(1)


@pytest.mark.django_db
def test_two_posts_of_the_same_sms_form_send_one_sms(staff_client, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    page = staff_client.get(reverse("recommendations:link", kwargs={"merchant": "acme", "link_id": link.pk}))
    form = {"form_once": token_of(page.content.decode())}
    sms_url = reverse("recommendations:sms", kwargs={"merchant": "acme", "link_id": link.pk})

    first = staff_client.post(sms_url, form, **HX)
    second = staff_client.post(sms_url, form, **HX)

    assert SmsOutbox.objects.for_merchant(merchant).count() == 1
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and "Text message sent" in second.content.decode()
    assert second["X-Form-Once"] == "repeat"


@pytest.mark.django_db
def test_a_new_page_gives_a_new_token_and_a_second_sms(staff_client, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    link_url = reverse("recommendations:link", kwargs={"merchant": "acme", "link_id": link.pk})
    sms_url = reverse("recommendations:sms", kwargs={"merchant": "acme", "link_id": link.pk})

    for _ in range(2):
        token = token_of(staff_client.get(link_url).content.decode())
        staff_client.post(sms_url, {"form_once": token}, **HX)

    assert SmsOutbox.objects.for_merchant(merchant).count() == 2


@pytest.mark.django_db
def test_re_posting_the_invitation_form_sends_one_invitation(client, merchant, store, django_capture_on_commit_callbacks):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)
    campaign = make_campaign(merchant)
    detail = client.get(reverse("campaigns:detail", kwargs={"merchant": "acme", "campaign_id": campaign.pk}))
    form = {"email": "kol@example.com", "form_once": token_of(detail.content.decode())}
    invite_url = reverse("campaigns:invite", kwargs={"merchant": "acme", "campaign_id": campaign.pk})

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(invite_url, form)
    with django_capture_on_commit_callbacks(execute=True):
        reload = client.post(invite_url, form)  # the browser's "send the form again?" after a reload

    assert Invitation.objects.for_merchant(merchant).count() == 1
    assert len(mail.outbox) == 1
    assert reload.status_code == first.status_code == 200
    assert reload.content == first.content


@pytest.mark.django_db
def test_a_refused_form_keeps_no_record_so_the_corrected_form_goes_through(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)
    campaign = make_campaign(merchant)
    invite_url = reverse("campaigns:invite", kwargs={"merchant": "acme", "campaign_id": campaign.pk})
    token = "x" * 24

    refused = client.post(invite_url, {"email": "not an email", "form_once": token})
    accepted = client.post(invite_url, {"email": "kol@example.com", "form_once": token})

    assert refused.status_code == 400
    assert accepted.status_code == 200 and not accepted.has_header("X-Form-Once")
    assert Invitation.objects.for_merchant(merchant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_parallel_checkout_posts_give_one_order_and_no_500(merchant, staff, member):
    shopper = UserFactory(email="shopper@example.com")
    tea = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), price=Decimal("120"))
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    link.items.model.objects.for_merchant(merchant).create(merchant=merchant, link=link, variation=tea, position=0)
    client = Client()
    client.force_login(shopper)
    client.get(reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}))
    client.post(reverse("storefront:cart_add", kwargs={"merchant": "acme"}), {"variation": tea.pk})
    checkout_url = reverse("storefront:checkout", kwargs={"merchant": "acme"})
    token = token_of(client.get(checkout_url).content.decode())
    tap = Client()
    tap.cookies = client.cookies  # the same browser, two taps

    results = at_once([lambda: client.post(checkout_url, {"form_once": token}),
                       lambda: tap.post(checkout_url, {"form_once": token})])

    assert [r.status_code for r in results] == [302, 302], results
    assert results[0]["Location"] == results[1]["Location"]
    assert sorted(r.get("X-Form-Once", "") for r in results) == ["", "repeat"]
    assert Order.objects.for_merchant(merchant).count() == 1
