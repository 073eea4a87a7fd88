"""The partner portal as a partner uses it: scoping, tabs, switcher, order list window, CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from commerce.models import Order
from partners.models import CampaignOrder
from tests.factories import MemberFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal


def verified_partner(email, name="Kim KOL"):
    partner = make_partner(email=email, name=name)
    EmailAddress.objects.create(user=partner.user, email=partner.user.email, verified=True, primary=True)
    return partner


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def kim(db):
    return verified_partner("kim@example.com")


@pytest.fixture
def kim_client(client, kim):
    client.force_login(kim.user)
    return client


def _campaign_url(merchant, campaign, name="partners:campaign"):
    return reverse(name, kwargs={"merchant_slug": merchant.slug, "code": campaign.code})


def test_portal_needs_login(client, db):
    response = client.get(reverse("partners:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("partners:login"))


def test_unverified_partner_is_asked_to_verify_email(client, merchant):
    partner = make_partner(email="new@example.com")
    bind(merchant, make_campaign(merchant), partner)
    client.force_login(partner.user)
    response = client.get(reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug}))
    assert response.status_code == 403
    assert b"Verify your email" in response.content


def test_home_goes_to_the_partners_merchant(kim_client, kim, merchant):
    bind(merchant, make_campaign(merchant), kim)
    response = kim_client.get(reverse("partners:home"))
    assert response["Location"] == reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug})


def test_ongoing_and_ended_tabs(kim_client, kim, merchant):
    now = timezone.now()
    bind(merchant, make_campaign(merchant, name="Summer live"), kim)
    bind(merchant, make_campaign(merchant, name="Winter sale", starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=1)), kim)
    url = reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug})

    ongoing = kim_client.get(url).content.decode()
    ended = kim_client.get(url + "?tab=ended").content.decode()

    assert "Summer live" in ongoing and "Winter sale" not in ongoing
    assert "Winter sale" in ended and "Summer live" not in ended


def test_switcher_lists_each_merchant_with_logo_or_initials(kim_client, kim, merchant, other_merchant):
    merchant.logo = "merchant-logos/acme.png"
    merchant.save()
    bind(merchant, make_campaign(merchant), kim)
    bind(other_merchant, make_campaign(other_merchant, name="Other live"), kim)

    page = kim_client.get(reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug})).content.decode()

    assert "merchant-logos/acme.png" in page
    assert reverse("partners:campaigns", kwargs={"merchant_slug": other_merchant.slug}) in page
    assert ">OT<" in page  # Other Brand has no logo: initials
    other_page = kim_client.get(reverse("partners:campaigns", kwargs={"merchant_slug": other_merchant.slug}))
    assert "Other live" in other_page.content.decode()


def test_partner_of_merchant_a_sees_nothing_of_merchant_b(kim_client, kim, merchant, other_merchant):
    bind(merchant, make_campaign(merchant), kim)
    theirs = make_campaign(other_merchant, name="B only")
    bind(other_merchant, theirs, make_partner(email="lee@example.com"))

    assert kim_client.get(reverse("partners:campaigns", kwargs={"merchant_slug": other_merchant.slug})).status_code == 404
    assert kim_client.get(_campaign_url(other_merchant, theirs)).status_code == 404
    assert kim_client.get(_campaign_url(other_merchant, theirs, "partners:report")).status_code == 404
    # Nor through its own merchant's URL with the other merchant's code.
    assert kim_client.get(_campaign_url(merchant, theirs)).status_code == 404


def test_partner_sees_nothing_of_another_partner_at_the_same_merchant(kim_client, kim, merchant):
    bind(merchant, make_campaign(merchant, name="Kim live"), kim)
    lees = make_campaign(merchant, name="Lee live")
    bind(merchant, lees, make_partner(email="lee@example.com"))

    listing = kim_client.get(reverse("partners:campaigns", kwargs={"merchant_slug": merchant.slug})).content.decode()
    assert "Kim live" in listing and "Lee live" not in listing
    for name in ("partners:campaign", "partners:rules", "partners:report"):
        assert kim_client.get(_campaign_url(merchant, lees, name)).status_code == 404


def test_campaign_page_shows_overview_ranking_info_and_masked_orderer(kim_client, kim, merchant, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant, product__name="Oolong tea")
    shopper = MemberFactory(merchant=merchant, name="Wang Xiaoming")
    run_on_commit(
        referred_order, merchant, campaign, number="W-100", member=shopper,
        lines=[line(tea, 3, "100.00")], paid_amount=D("300"),
    )

    page = kim_client.get(_campaign_url(merchant, campaign)).content.decode()

    assert "W-100" in page
    assert "Oolong tea" in page
    assert "W**<" in page and "Wang Xiaoming" not in page
    assert 'data-figure="order-count">1<' in page
    assert "NT$30.00" in page  # commission total
    assert "Last updated" in page
    assert campaign.code in page


def test_order_list_shows_only_the_last_two_years(kim_client, kim, merchant, run_on_commit):
    campaign = make_campaign(merchant, starts_at=timezone.now() - timedelta(days=365 * 4))
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant)
    now = timezone.now()
    for number, age in [("RECENT", 10), ("EDGE", 365 * 2 - 2), ("ARCHIVED", 365 * 2 + 5)]:
        run_on_commit(
            referred_order, merchant, campaign, number=number, placed_at=now - timedelta(days=age),
            lines=[line(tea, 1, "100.00")], paid_amount=D("100"),
        )

    page = kim_client.get(_campaign_url(merchant, campaign)).content.decode()
    report = b"".join(kim_client.get(_campaign_url(merchant, campaign, "partners:report")).streaming_content).decode()

    for text in (page, report):
        assert "RECENT" in text and "EDGE" in text
        assert "ARCHIVED" not in text


def test_csv_report(kim_client, kim, merchant, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant)
    run_on_commit(
        referred_order, merchant, campaign, number="W-1", lines=[line(tea, 2, "100.00")],
        discounts=D("10"), shipping=D("60"), paid_amount=D("250"),
    )
    cancelled = run_on_commit(
        referred_order, merchant, campaign, number="W-2", lines=[line(tea, 1, "100.00")], paid_amount=D("100")
    )
    Order.objects.for_merchant(merchant).filter(pk=cancelled.pk).update(status="cancelled")
    from partners.tasks import order_campaign_update_task

    order_campaign_update_task.delay(merchant.pk, cancelled.pk)

    response = kim_client.get(_campaign_url(merchant, campaign, "partners:report"))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows["Order number"][6:9] == ["Order settlement amount", "Commission", "Order total"]
    assert rows["W-1"][6:10] == ["190.00", "19.00", "250.00", "yes"]
    assert rows["W-2"][2] == "Cancelled" and rows["W-2"][9] == "no"


def test_rules_page(kim_client, kim, merchant):
    tea = VariationFactory(merchant=merchant, product__name="Oolong tea")
    campaign = make_campaign(merchant, condition="specific_products", commission_type="fixed", rate="20", products=[tea.product])
    bind(merchant, campaign, kim)
    page = kim_client.get(_campaign_url(merchant, campaign, "partners:rules")).content.decode()
    assert "Oolong tea" in page and "per unit" in page
    assert "Shipping, surcharges and taxes are not included" in page


def test_referral_link_remembers_the_code_for_checkout(client, merchant):
    campaign = make_campaign(merchant)
    response = client.get(reverse("campaigns:referral", kwargs={"merchant": merchant.slug, "code": campaign.code}))
    assert response.status_code == 302
    assert client.session["campaign_code"] == campaign.code


def test_referral_link_of_another_merchant_is_404(client, merchant, other_merchant):
    theirs = make_campaign(other_merchant)
    response = client.get(reverse("campaigns:referral", kwargs={"merchant": merchant.slug, "code": theirs.code}))
    assert response.status_code == 404
    assert "campaign_code" not in client.session


def test_referred_order_record_is_per_order(merchant, run_on_commit):
    campaign = make_campaign(merchant)
    tea = VariationFactory(merchant=merchant)
    order = run_on_commit(referred_order, merchant, campaign, number="X", lines=[line(tea, 1, "100.00")])
    assert order.campaign_order.campaign == campaign
    assert CampaignOrder.objects.for_merchant(merchant).count() == 1


def test_referral_link_to_checkout_credits_the_campaign(client, merchant, kim, django_capture_on_commit_callbacks):
    """The shopper opens the campaign link, shops and checks out: the partner's figures move."""
    from partners.selectors import campaign_overview
    from tests.factories import UserFactory

    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant, price=D("250.00"))
    client.force_login(UserFactory())

    client.get(reverse("campaigns:referral", kwargs={"merchant": merchant.slug, "code": campaign.code}))
    client.post(reverse("storefront:cart_add", kwargs={"merchant": merchant.slug}), {"variation": tea.pk, "quantity": 2})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("storefront:checkout", kwargs={"merchant": merchant.slug}), {"referral_code": ""})

    assert response.status_code == 302
    record = CampaignOrder.objects.for_merchant(merchant).get()
    assert record.campaign == campaign
    overview = campaign_overview(merchant=merchant, campaign=campaign)
    assert (overview.order_count, overview.order_total, overview.commission_total) == (1, D("500.00"), D("50.00"))
