"""Partner growth (issue 15 items 4–7): clicks and conversion, fraud guards, e-mails, self-service."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from commerce.models import Order
from omo.api.publicid import public_id
from partners import applications, clicks, guards, notifications, payouts, referrals, selectors, services
from partners.models import (
    CampaignApplication,
    CampaignClick,
    CampaignCoupon,
    CampaignDay,
    CampaignOrder,
    NotificationKind,
    PartnerDigest,
    PartnerEmailOptOut,
)
from partners.tasks import digest_sweep_task, partner_digest_task
from tests.factories import MemberFactory, ProductFactory, StaffFactory, UserFactory, VariationFactory
from tests.order_api import order_payload, post_order
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


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
def tea(merchant):
    return VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Tea"), price=D("100.00"))


@pytest.fixture
def campaign(merchant, kim):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    return campaign


def open_link(client, merchant, campaign, *, ua=BROWSER, ip="203.0.113.7"):
    return client.get(
        reverse("campaigns:referral", kwargs={"merchant": merchant.slug, "code": campaign.code}),
        HTTP_USER_AGENT=ua, REMOTE_ADDR=ip,
    )


def clicks_of(merchant, campaign):
    return sum(CampaignDay.objects.for_merchant(merchant).filter(campaign=campaign).values_list("clicks", flat=True))


# --- clicks -----------------------------------------------------------------------------------


def test_repeated_opens_by_one_visitor_within_30_minutes_count_once(client, merchant, campaign):
    assert open_link(client, merchant, campaign).status_code == 302
    open_link(client, merchant, campaign)
    open_link(client, merchant, campaign)
    assert clicks_of(merchant, campaign) == 1
    open_link(client, merchant, campaign, ip="198.51.100.9")  # another visitor
    assert clicks_of(merchant, campaign) == 2


def test_bots_and_scripts_are_not_clicks(client, merchant, campaign):
    for ua in ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
               "facebookexternalhit/1.1", "curl/8.4.0", "python-requests/2.32", ""):
        assert open_link(client, merchant, campaign, ua=ua).status_code == 302
    assert clicks_of(merchant, campaign) == 0


def test_the_same_visitor_counts_again_after_30_minutes(merchant, campaign):
    start = timezone.now()
    args = {"merchant": merchant, "campaign": campaign, "visitor": "v1", "user_agent": BROWSER}
    assert clicks.click_record(**args, now=start)
    assert not clicks.click_record(**args, now=start + timedelta(minutes=29))
    assert clicks.click_record(**args, now=start + timedelta(minutes=31))
    assert clicks_of(merchant, campaign) == 2


def test_the_visitor_is_stored_as_a_hash_never_the_ip(client, merchant, campaign):
    open_link(client, merchant, campaign, ip="203.0.113.77")
    click = CampaignClick.objects.for_merchant(merchant).get()
    assert "203.0.113.77" not in click.visitor and len(click.visitor) == 32
    assert click.visitor == clicks.visitor_id(merchant_id=merchant.pk, ip="203.0.113.77", user_agent=BROWSER)


def test_an_ended_campaigns_link_is_404_and_not_a_click(client, merchant, kim):
    now = timezone.now()
    ended = make_campaign(merchant, starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=1))
    assert open_link(client, merchant, ended).status_code == 404
    assert not CampaignClick.objects.for_merchant(merchant).exists()


# --- last partner link wins, within the lifetime -----------------------------------------------


@pytest.fixture
def shopper_client(client, merchant, tea):
    user = UserFactory(email="shopper@example.com")
    client.force_login(user)
    return client


def _checkout(client, merchant, tea, **data):
    client.post(reverse("storefront:cart_add", kwargs={"merchant": merchant.slug}), {"variation": tea.pk})
    return client.post(reverse("storefront:checkout", kwargs={"merchant": merchant.slug}), data)


def test_the_last_partner_link_opened_credits_the_order(shopper_client, merchant, tea, campaign, run_on_commit):
    other = make_campaign(merchant, name="Other KOL")
    bind(merchant, other, verified_partner("lee@example.com", name="Lee"))
    open_link(shopper_client, merchant, campaign)
    open_link(shopper_client, merchant, other)
    response = run_on_commit(_checkout, shopper_client, merchant, tea)
    assert response.status_code == 302
    order = Order.objects.for_merchant(merchant).get()
    assert order.campaign_code == other.code
    assert CampaignOrder.objects.for_merchant(merchant).get().campaign == other


def _request_with_cookie(response, merchant):
    request = RequestFactory().get("/")
    request.COOKIES[referrals.cookie_name(merchant)] = response.cookies[referrals.cookie_name(merchant)].value
    return request


def test_a_remembered_link_credits_only_within_the_campaigns_lifetime(client, merchant, kim):
    campaign = make_campaign(merchant)
    campaign.link_lifetime_days = 7
    campaign.save(update_fields=["link_lifetime_days"])
    request = _request_with_cookie(open_link(client, merchant, campaign), merchant)
    now = timezone.now()
    assert referrals.remembered_code(request, merchant=merchant, now=now + timedelta(days=6)) == campaign.code
    assert referrals.remembered_code(request, merchant=merchant, now=now + timedelta(days=8)) == ""


def test_a_tampered_referral_cookie_credits_nothing(merchant, campaign):
    request = RequestFactory().get("/")
    request.COOKIES[referrals.cookie_name(merchant)] = f"{campaign.code}:{int(timezone.now().timestamp())}:forged"
    assert referrals.remembered_code(request, merchant=merchant) == ""


def test_the_default_link_lifetime_is_30_days(merchant):
    assert make_campaign(merchant).link_lifetime_days == 30


# --- self orders ----------------------------------------------------------------------------------


def test_the_partners_own_order_is_listed_without_commission_with_its_reason(
    client, merchant, campaign, kim, tea, run_on_commit
):
    own = MemberFactory(merchant=merchant, email="KIM@example.com")
    shopper = MemberFactory(merchant=merchant, email="shopper@example.com")
    run_on_commit(referred_order, merchant, campaign, number="S-1", lines=[line(tea, 2, "100")], member=own)
    run_on_commit(referred_order, merchant, campaign, number="S-2", lines=[line(tea, 1, "100")], member=shopper)
    records = {r.order.number: r for r in CampaignOrder.objects.for_merchant(merchant).select_related("order")}
    assert records["S-1"].commission == D("0.00") and records["S-1"].settlement == D("200.00")
    assert records["S-1"].not_commissioned_reason == guards.SELF_ORDER
    assert records["S-2"].commission == D("10.00") and records["S-2"].not_commissioned_reason == ""
    assert selectors.campaign_overview(merchant=merchant, campaign=campaign).commission_total == D("10.00")

    client.force_login(kim.user)
    page = client.get(reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": campaign.code}))
    assert page.status_code == 200 and "The partner&#x27;s own order" in page.content.decode()

    admin = StaffFactory(merchant=merchant, role="admin")
    client.force_login(admin.user)
    page = client.get(reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="not-commissioned"' in body and "S-1" in body and "S-2" not in body.split("Orders without commission")[1]


def test_the_partner_csv_report_gives_the_own_order_reason(client, merchant, campaign, kim, tea, run_on_commit):
    own = MemberFactory(merchant=merchant, email="KIM@example.com")
    shopper = MemberFactory(merchant=merchant, email="shopper@example.com")
    run_on_commit(referred_order, merchant, campaign, number="S-1", lines=[line(tea, 2, "100")], member=own)
    run_on_commit(referred_order, merchant, campaign, number="S-2", lines=[line(tea, 1, "100")], member=shopper)
    client.force_login(kim.user)
    response = client.get(reverse("partners:report", kwargs={"merchant_slug": merchant.slug, "code": campaign.code}))
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = {row[0]: row for row in csv.reader(io.StringIO(body))}
    column = rows["Order number"].index("Not commissioned because")
    assert rows["S-1"][column] == "The partner's own order" and rows["S-1"][7] == "0.00"
    assert rows["S-2"][column] == "" and rows["S-2"][7] == "10.00"


def test_an_order_with_the_partners_verified_phone_is_a_self_order(merchant, campaign, kim, tea, run_on_commit):
    kim.user.phone, kim.user.phone_verified = "+886912000111", True
    kim.user.save(update_fields=["phone", "phone_verified"])
    member = MemberFactory(merchant=merchant, phone="+886912000111", email="")
    run_on_commit(referred_order, merchant, campaign, number="P-1", lines=[line(tea, 1, "100")], member=member)
    record = CampaignOrder.objects.for_merchant(merchant).get()
    assert record.commission == D("0.00") and record.not_commissioned_reason == guards.SELF_ORDER


def test_an_unverified_email_of_the_partner_proves_nothing(merchant, tea, run_on_commit):
    partner = make_partner(email="new@example.com")  # never verified
    campaign = make_campaign(merchant)
    bind(merchant, campaign, partner)
    member = MemberFactory(merchant=merchant, email="new@example.com")
    run_on_commit(referred_order, merchant, campaign, number="U-1", lines=[line(tea, 1, "100")], member=member)
    assert CampaignOrder.objects.for_merchant(merchant).get().commission == D("10.00")


def test_self_order_rule():
    partner = guards.Contact(emails=frozenset({"kim@x.io"}), phones=frozenset({"+886900"}), user_id=5)
    assert guards.self_order_reason(guards.Contact(user_id=5), partner) == guards.SELF_ORDER
    assert guards.self_order_reason(guards.Contact(phones=frozenset({"+886900"})), partner) == guards.SELF_ORDER
    assert guards.self_order_reason(guards.Contact(emails=frozenset({"lee@x.io"}), user_id=6), partner) == ""


# --- the date-range overview -----------------------------------------------------------------------


def test_portal_overview_shows_clicks_orders_conversion_and_commission_over_the_chosen_range(
    client, merchant, campaign, kim, tea, run_on_commit
):
    today = timezone.localtime(timezone.now(), merchant.tzinfo)
    for n, ip in enumerate(("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4")):
        open_link(client, merchant, campaign, ip=ip)
    run_on_commit(referred_order, merchant, campaign, number="R-1", lines=[line(tea, 2, "100")],
                  member=MemberFactory(merchant=merchant))
    old = today - timedelta(days=40)
    run_on_commit(referred_order, merchant, campaign, number="R-0", lines=[line(tea, 5, "100")],
                  member=MemberFactory(merchant=merchant), placed_at=old)

    client.force_login(kim.user)
    url = reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": campaign.code})
    page = client.get(url)  # default: the last 30 days
    body = page.content.decode()
    assert 'data-figure="clicks">4<' in body and 'data-figure="range-orders">1<' in body
    assert 'data-figure="conversion">25.0 %<' in body and "20.00" in body
    chart = json.loads(page.content.decode().split('id="partner-chart-data" type="application/json">')[1].split("</script>")[0])
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == today.date().isoformat() and sum(chart["clicks"]) == 4
    assert 'src="/static/partners/overview.js"' in body and "<script>" not in body.replace("<script src", "")

    wide = client.get(url, {"from": (old.date() - timedelta(days=1)).isoformat(), "to": today.date().isoformat()})
    assert 'data-figure="range-orders">2<' in wide.content.decode()
    assert wide.context["range_overview"].commission == D("70.00")


def test_day_figures_follow_a_cancelled_order(merchant, campaign, tea, run_on_commit):
    from commerce.services import order_cancel

    order = run_on_commit(referred_order, merchant, campaign, number="C-1", lines=[line(tea, 1, "100")],
                          member=MemberFactory(merchant=merchant))
    day = CampaignDay.objects.for_merchant(merchant).get(campaign=campaign)
    assert (day.order_count, day.commission) == (1, D("10.00"))
    run_on_commit(order_cancel, merchant=merchant, order=order)
    day.refresh_from_db()
    assert (day.order_count, day.commission) == (0, D("0.00"))


def test_day_rebuild_matches_the_incremental_figures(merchant, campaign, tea, run_on_commit):
    for n in range(3):
        run_on_commit(referred_order, merchant, campaign, number=f"B-{n}", lines=[line(tea, n + 1, "100")],
                      member=MemberFactory(merchant=merchant))
    before = list(CampaignDay.objects.for_merchant(merchant).values_list("day", "order_count", "commission"))
    services.campaign_stats_rebuild(merchant=merchant, campaign=campaign)
    assert list(CampaignDay.objects.for_merchant(merchant).values_list("day", "order_count", "commission")) == before


def test_overview_range_is_clamped(merchant):
    first, last = selectors.overview_range(merchant=merchant, today=date(2026, 5, 1), first="2020-01-01", last="2026-05-01")
    assert (last - first).days == selectors.OVERVIEW_MAX_DAYS - 1
    assert selectors.overview_range(merchant=merchant, today=date(2026, 5, 1), first="bad", last="2026-04-30") == (
        date(2026, 4, 1), date(2026, 4, 30))
    assert selectors.overview_range(merchant=merchant, first="2026-03-02", last="2026-03-01") == (
        date(2026, 3, 1), date(2026, 3, 2))


# --- coupon codes --------------------------------------------------------------------------------------


def test_a_bound_partner_gets_a_coupon_code_that_credits_them_at_checkout(
    shopper_client, merchant, tea, campaign, kim, run_on_commit
):
    coupon = CampaignCoupon.objects.for_merchant(merchant).get(campaign=campaign)
    assert coupon.code.startswith("KIMKOL") and coupon.code != campaign.code
    response = run_on_commit(_checkout, shopper_client, merchant, tea, referral_code=coupon.code.lower())
    assert response.status_code == 302
    assert CampaignOrder.objects.for_merchant(merchant).get().campaign == campaign


def test_the_order_apis_campaign_code_accepts_the_coupon(client, merchant, campaign, run_on_commit):
    coupon = CampaignCoupon.objects.for_merchant(merchant).get(campaign=campaign)
    member = MemberFactory(merchant=merchant)
    payload = order_payload("API-1", member, timezone.now(), campaign_code=coupon.code)
    response = run_on_commit(post_order, client, merchant, payload)
    assert response.status_code in (200, 201), response.content
    record = CampaignOrder.objects.for_merchant(merchant).get()
    assert record.campaign == campaign and record.order.number == "API-1"


def test_another_merchants_coupon_credits_nothing(merchant, other_merchant, campaign):
    coupon = CampaignCoupon.objects.for_merchant(merchant).get(campaign=campaign)
    with pytest.raises(Exception):
        selectors.campaign_for_code(merchant=other_merchant, code=coupon.code, placed_at=timezone.now())


def test_qr_code_of_the_link_for_the_partner_only(client, merchant, campaign, kim):
    url = lambda fmt: reverse("partners:qr", kwargs={"merchant_slug": merchant.slug, "code": campaign.code, "fmt": fmt})  # noqa: E731
    client.force_login(kim.user)
    svg = client.get(url("svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(url("png"))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(url("gif")).status_code == 404
    client.force_login(verified_partner("lee@example.com", name="Lee").user)
    assert client.get(url("svg")).status_code == 404


# --- applications -------------------------------------------------------------------------------------


@pytest.fixture
def public_campaign(merchant):
    campaign = make_campaign(merchant, name="Open to all", rate="12")
    campaign.is_public = True
    campaign.link_lifetime_days = 14
    campaign.save(update_fields=["is_public", "link_lifetime_days"])
    return campaign


@pytest.fixture
def admin(merchant):
    return StaffFactory(merchant=merchant, role="admin", user=UserFactory(email="boss@acme.example"))


def test_a_partner_applies_and_the_merchant_approves(client, merchant, public_campaign, admin, run_on_commit):
    lee = verified_partner("lee@example.com", name="Lee")
    client.force_login(lee.user)
    join = reverse("partners:join", kwargs={"merchant_slug": merchant.slug})
    assert "Open to all" in client.get(join).content.decode()
    response = run_on_commit(client.post, join, {"campaign": public_campaign.pk, "message": "I post tea reviews"})
    assert response.status_code == 302
    application = CampaignApplication.objects.for_merchant(merchant).get()
    assert application.status == "pending"
    assert [m.to for m in mail.outbox] == [["boss@acme.example"]] and "applied" in mail.outbox[0].subject
    assert client.post(join, {"campaign": public_campaign.pk}).status_code == 409  # only once

    mail.outbox.clear()
    client.force_login(admin.user)
    decide = reverse("campaigns:application-decide", kwargs={
        "merchant": merchant.slug, "campaign_id": public_campaign.pk, "application_id": application.pk})
    run_on_commit(client.post, decide, {"decision": "approve"})
    application.refresh_from_db()
    own = application.campaign_created
    assert application.status == "approved" and own.partner == lee and own.code != public_campaign.code
    assert (own.rate, own.link_lifetime_days, own.is_public) == (D("12.00"), 14, False)
    assert CampaignCoupon.objects.for_merchant(merchant).filter(campaign=own).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@acme.example", "lee@example.com"]

    client.force_login(lee.user)
    page = client.get(reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": own.code}))
    assert page.status_code == 200


def test_an_approved_application_copies_the_payout_terms_and_tiers(merchant, public_campaign, admin, run_on_commit):
    payouts.campaign_payout_terms_set(
        merchant=merchant, campaign=public_campaign, return_window_days=21,
        tiers=[payouts.TierInput(from_sales=D("50000.00"), rate=D("15.00"))],
    )
    lee = verified_partner("lee@example.com", name="Lee")
    application = run_on_commit(applications.application_create, merchant=merchant, campaign=public_campaign, partner=lee)
    run_on_commit(applications.application_approve, merchant=merchant, application=application, user=admin.user)
    application.refresh_from_db()
    own = application.campaign_created
    assert payouts.return_window_days(merchant=merchant, campaign_id=own.pk) == 21
    assert [(t.from_sales, t.rate) for t in payouts.campaign_tiers(merchant=merchant, campaign_id=own.pk)] == [
        (D("50000.00"), D("15.00"))]
    assert payouts.commission_rule(merchant=merchant, campaign=own).tiers == payouts.commission_rule(
        merchant=merchant, campaign=public_campaign).tiers
    # The public offer keeps its own rows: changing the partner's copy leaves it alone.
    payouts.campaign_payout_terms_set(merchant=merchant, campaign=own, return_window_days=7, tiers=[])
    assert payouts.return_window_days(merchant=merchant, campaign_id=public_campaign.pk) == 21
    assert len(payouts.campaign_tiers(merchant=merchant, campaign_id=public_campaign.pk)) == 1


def test_an_application_to_a_campaign_without_terms_gets_the_defaults(merchant, public_campaign, admin):
    lee = verified_partner("lee@example.com", name="Lee")
    application = applications.application_create(merchant=merchant, campaign=public_campaign, partner=lee)
    own = applications.application_approve(merchant=merchant, application=application, user=admin.user).campaign_created
    assert payouts.return_window_days(merchant=merchant, campaign_id=own.pk) == payouts.DEFAULT_RETURN_WINDOW_DAYS
    assert payouts.campaign_tiers(merchant=merchant, campaign_id=own.pk) == ()


def test_the_merchant_declines_an_application(merchant, public_campaign, admin, run_on_commit):
    lee = verified_partner("lee@example.com", name="Lee")
    application = run_on_commit(applications.application_create, merchant=merchant, campaign=public_campaign, partner=lee)
    run_on_commit(applications.application_reject, merchant=merchant, application=application, user=admin.user)
    application.refresh_from_db()
    assert application.status == "rejected" and application.campaign_created is None
    assert "declined" in mail.outbox[-1].subject and mail.outbox[-1].to == ["lee@example.com"]
    with pytest.raises(Exception):
        applications.application_approve(merchant=merchant, application=application, user=admin.user)


def test_a_campaign_not_open_is_404_on_the_join_page(client, merchant, campaign):
    lee = verified_partner("lee@example.com", name="Lee")
    client.force_login(lee.user)
    join = reverse("partners:join", kwargs={"merchant_slug": merchant.slug})
    assert client.post(join, {"campaign": campaign.pk}).status_code == 404
    assert client.post(join, {"campaign": "x"}).status_code == 404
    assert not CampaignApplication.objects.for_merchant(merchant).exists()


def test_another_merchants_admin_cannot_decide(client, merchant, other_merchant, public_campaign):
    application = applications.application_create(
        merchant=merchant, campaign=public_campaign, partner=verified_partner("lee@example.com", name="Lee"))
    outsider = StaffFactory(merchant=other_merchant, role="admin")
    client.force_login(outsider.user)
    url = reverse("campaigns:application-decide", kwargs={
        "merchant": other_merchant.slug, "campaign_id": public_campaign.pk, "application_id": application.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 404
    application.refresh_from_db()
    assert application.status == "pending"


# --- e-mails ----------------------------------------------------------------------------------------------


def test_merchant_admins_hear_when_a_partner_accepts_an_invitation(merchant, admin, run_on_commit):
    campaign = make_campaign(merchant)
    invitation = services.invitation_create(merchant=merchant, campaign=campaign)
    lee = verified_partner("lee@example.com", name="Lee")
    run_on_commit(services.invitation_accept, invitation=invitation, user=lee.user)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@acme.example"]
    assert "Lee" in mail.outbox[0].subject and campaign.code in mail.outbox[0].body


def test_a_partner_who_opted_out_of_invitations_is_not_mailed(merchant, run_on_commit):
    lee = verified_partner("lee@example.com", name="Lee")
    PartnerEmailOptOut.objects.create(partner=lee, kind=NotificationKind.INVITATION)
    campaign = make_campaign(merchant)
    run_on_commit(services.invitation_create, merchant=merchant, campaign=campaign, email="lee@example.com",
                  invite_url_builder=lambda inv: "https://x.test/i")
    run_on_commit(services.invitation_create, merchant=merchant, campaign=make_campaign(merchant, name="B"),
                  email="new@example.com", invite_url_builder=lambda inv: "https://x.test/j")
    assert [m.to for m in mail.outbox] == [["new@example.com"]] and "https://x.test/j" in mail.outbox[0].body


def test_the_partner_turns_e_mail_kinds_off_in_the_portal(client, kim, campaign):
    client.force_login(kim.user)
    url = reverse("partners:notifications")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kinds": [NotificationKind.COMMISSION_APPROVED, NotificationKind.PAYOUT_PAID]})
    assert response.status_code == 302
    assert notifications.opt_outs(kim) == {NotificationKind.REFERRED_ORDERS, NotificationKind.INVITATION}
    client.post(url, {"kinds": list(NotificationKind.values)})
    assert notifications.opt_outs(kim) == set()


def test_daily_digest_once_a_day_with_only_the_new_orders(merchant, campaign, kim, tea, run_on_commit):
    for n in (1, 2):
        run_on_commit(referred_order, merchant, campaign, number=f"D-{n}", lines=[line(tea, n, "100")],
                      member=MemberFactory(merchant=merchant))
    day = date(2026, 12, 2)
    assert digest_sweep_task(day.isoformat()) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kim@example.com"]
    assert "2 new referred orders" in mail.outbox[0].subject
    assert "D-1" in mail.outbox[0].body and "D-2" in mail.outbox[0].body and "Acme Taiwan" in mail.outbox[0].body

    assert partner_digest_task(kim.pk, day.isoformat()) == 0  # the same day again: nothing
    assert len(mail.outbox) == 1
    assert partner_digest_task(kim.pk, "2026-12-03") == 0  # no new order: no mail
    run_on_commit(referred_order, merchant, campaign, number="D-3", lines=[line(tea, 1, "100")],
                  member=MemberFactory(merchant=merchant))
    assert partner_digest_task(kim.pk, "2026-12-04") == 1
    assert "D-3" in mail.outbox[-1].body and "D-1" not in mail.outbox[-1].body
    assert PartnerDigest.objects.filter(partner=kim).count() == 2


def test_no_digest_for_a_partner_who_opted_out(merchant, campaign, kim, tea, run_on_commit):
    PartnerEmailOptOut.objects.create(partner=kim, kind=NotificationKind.REFERRED_ORDERS)
    run_on_commit(referred_order, merchant, campaign, number="N-1", lines=[line(tea, 1, "100")],
                  member=MemberFactory(merchant=merchant))
    assert digest_sweep_task("2026-12-02") == 0
    assert partner_digest_task(kim.pk, "2026-12-02") == 0 and not mail.outbox


def test_commission_approved_and_payout_paid_mails(merchant, campaign, kim, tea, run_on_commit):
    run_on_commit(referred_order, merchant, campaign, number="M-1", lines=[line(tea, 3, "100")],
                  member=MemberFactory(merchant=merchant))
    record = CampaignOrder.objects.for_merchant(merchant).get()
    run_on_commit(notifications.notify_commission_approved, merchant_id=merchant.pk, campaign_order_id=record.pk)
    assert mail.outbox[-1].to == ["kim@example.com"] and "M-1" in mail.outbox[-1].subject
    assert "30.00" in mail.outbox[-1].body
    run_on_commit(notifications.notify_payout_paid, merchant_id=merchant.pk, partner_id=kim.pk, amount=D("30.00"),
                  currency="TWD", reference="PO-7", order_count=1)
    assert "PO-7" in mail.outbox[-1].body and "TWD 30.00" in mail.outbox[-1].body
    PartnerEmailOptOut.objects.create(partner=kim, kind=NotificationKind.PAYOUT_PAID)
    sent = len(mail.outbox)
    run_on_commit(notifications.notify_payout_paid, merchant_id=merchant.pk, partner_id=kim.pk, amount=D("1"),
                  currency="TWD")
    assert len(mail.outbox) == sent


# --- the merchant API -------------------------------------------------------------------------------------


def test_clicks_in_the_merchant_api(client, merchant, other_merchant, campaign, admin):
    open_link(client, merchant, campaign, ip="203.0.113.1")
    open_link(client, merchant, campaign, ip="203.0.113.2")
    other = make_campaign(other_merchant)
    open_link(client, other_merchant, other)
    client.force_login(admin.user)
    url = f"/m/{merchant.slug}/api/v1/campaign-clicks/"
    rows = client.get(url, {"campaign": public_id(campaign)}).json()["results"]
    assert len(rows) == 1 and rows[0]["clicks"] == 2 and rows[0]["campaign"] == public_id(campaign)
    assert rows[0]["id"].startswith("cday_") and rows[0]["updated_at"]
    one = client.get(f"{url}{rows[0]['id']}/")
    assert one.status_code == 200 and one["ETag"]
    assert client.get(url, {"campaign": public_id(other)}).json()["results"] == []
    assert client.get(url, {"campaign": campaign.pk}).status_code == 400  # a numeric id is not an id
    assert client.get(url, {"colour": "red"}).status_code == 400
    today = timezone.localtime(timezone.now(), merchant.tzinfo).date()
    assert client.get(url, {"since": (today + timedelta(days=1)).isoformat()}).json()["results"] == []
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert client.get(url, {"updated_after": later}).json()["results"] == []
    open_link(client, merchant, campaign, ip="203.0.113.3")  # a new click changes the day
    client.force_login(admin.user)
    assert [r["clicks"] for r in client.get(url, {"updated_after": rows[0]["updated_at"]}).json()["results"]] == [3]
    assert client.get(f"/m/{other_merchant.slug}/api/v1/campaign-clicks/{rows[0]['id']}/").status_code in (403, 404)


def test_old_click_rows_are_pruned_and_the_day_counts_stay(merchant, campaign, settings):
    from partners.tasks import clicks_prune_task

    settings.PARTNER_CLICK_RETENTION_DAYS = 90
    now = timezone.now()
    clicks.click_record(merchant=merchant, campaign=campaign, visitor="old", user_agent=BROWSER, now=now - timedelta(days=91))
    clicks.click_record(merchant=merchant, campaign=campaign, visitor="new", user_agent=BROWSER, now=now)
    assert clicks_prune_task() == 1
    assert list(CampaignClick.objects.for_merchant(merchant).values_list("visitor", flat=True)) == ["new"]
    assert clicks_of(merchant, campaign) == 2
