"""Points expiry (issue 17 item 7): points expire N months after they were earned, oldest first,
by the beat job; consenting members hear about it first; the admin sees the liability.

The merchant is in Asia/Taipei (UTC+8): 04:00 UTC is noon there.
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from loyalty import expiry as rules
from loyalty import selectors, services, tasks
from loyalty.models import ExpiryNotice, LoyaltySettings, PointsLedgerEntry
from loyalty.services import expiry
from loyalty.services.ledger import Kind, Source, _post, account_lock
from members.models import Member
from members.services import member_for_user
from tests.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

JAN_10 = datetime(2025, 1, 10, 4, 0, tzinfo=UTC)
FEB_20 = datetime(2025, 2, 20, 4, 0, tzinfo=UTC)
MAR_05 = datetime(2025, 3, 5, 4, 0, tzinfo=UTC)


def policy(merchant, months=6, notice_days=14, point_value=D("0.10")):
    LoyaltySettings.objects.for_merchant(merchant).update_or_create(
        merchant=merchant,
        defaults={"points_expire_months": months, "expiry_notice_days": notice_days, "point_value": point_value},
    )


def post(merchant, member, points, at, kind=Kind.ADJUST, source=Source.MANUAL):
    """A ledger movement at a given time (the services stamp 'now')."""
    with transaction.atomic():
        account = account_lock(merchant=merchant, member=member)
        return _post(account, kind=kind, points=points, source=source, key=f"test:{at.isoformat()}:{points}", at=at)


def balance(merchant, member):
    return selectors.points_balance(merchant=merchant, member=member)


def expired_entries(merchant):
    return list(PointsLedgerEntry.objects.for_merchant(merchant).filter(kind=Kind.EXPIRE).order_by("id"))


# --- The rules -------------------------------------------------------------------------------

def test_months_later_keeps_the_day_or_takes_the_months_last():
    assert rules.add_months(datetime(2025, 1, 31, 12, tzinfo=UTC), 1) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert rules.add_months(datetime(2025, 8, 10, tzinfo=UTC), 6) == datetime(2026, 2, 10, tzinfo=UTC)


def test_spending_takes_the_oldest_points_first():
    movements = [rules.Movement(1, JAN_10, 100), rules.Movement(2, FEB_20, 50), rules.Movement(3, MAR_05, -120)]

    lots = rules.open_lots(movements, months=6, tz=UTC)

    assert [(lot.entry_id, lot.remaining) for lot in lots] == [(2, 30)]
    assert lots[0].expires_at == datetime(2025, 8, 20, 4, 0, tzinfo=UTC)


# --- Expiry through the ledger ---------------------------------------------------------------

def test_points_expire_six_months_after_they_were_earned_oldest_first(merchant, member):
    policy(merchant, months=6)
    post(merchant, member, 100, JAN_10)
    post(merchant, member, 50, FEB_20)
    post(merchant, member, -30, MAR_05, kind=Kind.REDEEM, source=Source.CHECKOUT)  # takes January's points

    nothing_yet = expiry.merchant_points_expire(merchant=merchant, now=datetime(2025, 7, 10, 3, 0, tzinfo=UTC))
    july = expiry.merchant_points_expire(merchant=merchant, now=datetime(2025, 7, 10, 5, 0, tzinfo=UTC))

    assert nothing_yet == 0
    assert july == 1
    assert [(e.points, e.source, e.balance_after) for e in expired_entries(merchant)] == [(-70, "expiry", 50)]
    assert balance(merchant, member) == 50  # February's points live until August 20

    expiry.merchant_points_expire(merchant=merchant, now=datetime(2025, 8, 21, tzinfo=UTC))

    assert [e.points for e in expired_entries(merchant)] == [-70, -50]
    assert balance(merchant, member) == 0


def test_running_the_expiry_again_expires_nothing_more(merchant, member):
    policy(merchant, months=6)
    post(merchant, member, 100, JAN_10)
    later = datetime(2025, 9, 1, tzinfo=UTC)

    expiry.merchant_points_expire(merchant=merchant, now=later)
    again = expiry.merchant_points_expire(merchant=merchant, now=later)
    account = member.points_account
    third = expiry.account_points_expire(merchant=merchant, account_id=account.pk, now=later)

    assert (again, third) == (0, [])
    assert [e.points for e in expired_entries(merchant)] == [-100]
    assert balance(merchant, member) == 0


def test_points_earned_after_a_redemption_are_not_taken_by_it(merchant, member):
    policy(merchant, months=6)
    post(merchant, member, 40, JAN_10)
    post(merchant, member, -40, FEB_20, kind=Kind.REDEEM, source=Source.CHECKOUT)
    post(merchant, member, 25, MAR_05)

    expiry.merchant_points_expire(merchant=merchant, now=datetime(2025, 8, 1, tzinfo=UTC))

    assert expired_entries(merchant) == []  # January's 40 were spent; March's 25 run until September
    assert balance(merchant, member) == 25


def test_no_policy_no_expiry(merchant, member):
    post(merchant, member, 100, JAN_10)

    assert expiry.merchant_points_expire(merchant=merchant, now=datetime(2030, 1, 1, tzinfo=UTC)) == 0
    assert balance(merchant, member) == 100


def test_the_beat_job_queues_each_merchant_with_a_policy(merchant, other_merchant, member):
    policy(merchant, months=1)
    post(merchant, member, 80, datetime(2020, 1, 1, tzinfo=UTC))
    other = MemberFactory(merchant=other_merchant)
    post(other_merchant, other, 80, datetime(2020, 1, 1, tzinfo=UTC))

    assert tasks.expiry_sweep_task() == 1

    assert balance(merchant, member) == 0
    assert balance(other_merchant, other) == 80  # no policy there


def test_the_beat_schedule_runs_the_expiry(settings):
    assert settings.CELERY_BEAT_SCHEDULE["loyalty-expiry-sweep"]["task"] == "loyalty.expiry_sweep"


# --- Notices ---------------------------------------------------------------------------------

def test_a_consenting_member_gets_one_text_per_expiring_batch(merchant, member, caplog):
    policy(merchant, months=6, notice_days=14)
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(points_notices=True, phone="+886912345678")
    post(merchant, member, 100, JAN_10)  # expires 2025-07-10 at noon in Taipei
    caplog.set_level("INFO", logger="omo.sms")

    too_early = expiry.expiry_notices_send(merchant=merchant, now=datetime(2025, 6, 20, tzinfo=UTC))
    first = expiry.expiry_notices_send(merchant=merchant, now=datetime(2025, 6, 30, tzinfo=UTC))
    second = expiry.expiry_notices_send(merchant=merchant, now=datetime(2025, 7, 1, tzinfo=UTC))

    assert (too_early, first, second) == (0, 1, 0)
    notice = ExpiryNotice.objects.for_merchant(merchant).get()
    assert (notice.points, notice.expires_on, notice.channel) == (100, date(2025, 7, 10), "sms")
    assert "100 points of yours expire on" in caplog.text


def test_no_notice_without_consent(merchant, member):
    policy(merchant, months=6)
    post(merchant, member, 100, JAN_10)

    assert expiry.expiry_notices_send(merchant=merchant, now=datetime(2025, 7, 1, tzinfo=UTC)) == 0
    assert not ExpiryNotice.objects.for_merchant(merchant).exists()


def test_email_notice_when_the_member_has_no_phone_and_its_stop_link_opts_out(client, merchant):
    policy(merchant, months=6)
    member = MemberFactory(merchant=merchant, phone="", email="ann@example.com", points_notices=True)
    post(merchant, member, 60, JAN_10)

    assert expiry.expiry_notices_send(merchant=merchant, now=datetime(2025, 7, 1, tzinfo=UTC)) == 1

    (message,) = mail.outbox
    assert message.to == ["ann@example.com"]
    assert "60 points of yours expire on" in message.body
    stop = message.body.rsplit(" ", 1)[-1]
    path = stop.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    member.refresh_from_db()
    assert member.points_notices is True  # a link preview (GET) changes nothing
    assert client.post("/" + path).status_code == 200
    member.refresh_from_db()
    assert member.points_notices is False


def test_a_forged_stop_link_is_404(client, merchant, other_merchant):
    member = MemberFactory(merchant=other_merchant, points_notices=True)
    token = expiry.notices_opt_out_token(member)  # another merchant's member

    response = client.post(reverse("loyalty:notices_stop", kwargs={"merchant": merchant.slug, "token": token}))
    forged = client.post(reverse("loyalty:notices_stop", kwargs={"merchant": merchant.slug, "token": "x:y"}))

    assert (response.status_code, forged.status_code) == (404, 404)


def test_a_shopper_turns_notices_on_and_off(client, merchant):
    user = UserFactory(email="bob@example.com")
    member = member_for_user(merchant=merchant, user=user)
    client.force_login(user)
    url = reverse("loyalty:notices", kwargs={"merchant": merchant.slug})

    assert member.points_notices is False  # off until they agree
    client.post(url, {"consent": "on"})
    member.refresh_from_db()
    assert member.points_notices is True
    client.post(url, {})
    member.refresh_from_db()
    assert member.points_notices is False


# --- Liability report ------------------------------------------------------------------------

@pytest.fixture
def admin_client(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)
    return client


def test_liability_by_expiry_month_with_money_value(admin_client, merchant, member, staff):
    policy(merchant, months=6, point_value=D("0.50"))
    post(merchant, member, 100, JAN_10)
    post(merchant, member, -30, MAR_05, kind=Kind.REDEEM, source=Source.CHECKOUT)
    post(merchant, member, 50, FEB_20)
    services.points_adjust(merchant=merchant, staff=staff, points=10, reason="Bonus")  # now: expires later
    url = reverse("loyalty:liability", kwargs={"merchant": merchant.slug})

    response = admin_client.get(url)
    report = response.context["report"]

    assert [(row.month, row.points, row.value) for row in report.rows[:2]] == [
        (date(2025, 7, 1), 70, D("35.00")),
        (date(2025, 8, 1), 50, D("25.00")),
    ]
    assert (report.points, report.value) == (130, D("65.00"))
    assert "35.00" in response.content.decode()

    csv_response = admin_client.get(reverse("loyalty:liability_csv", kwargs={"merchant": merchant.slug}))
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    assert rows[1] == ["2025-07", "70", "35.00", merchant.currency]
    assert rows[-1] == ["Total", "130", "65.00", merchant.currency]


def test_liability_without_expiry_is_one_never_row(admin_client, merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=40, reason="Gift")

    report = admin_client.get(reverse("loyalty:liability", kwargs={"merchant": merchant.slug})).context["report"]

    assert [(row.month, row.points, row.value) for row in report.rows] == [(None, 40, D("4.00"))]


def test_liability_is_for_admins_only(staff_client, client, merchant, other_merchant):
    # As every merchant-admin loyalty page: their merchant's staff are told it is not for their role (403).
    assert staff_client.get(reverse("loyalty:liability", kwargs={"merchant": merchant.slug})).status_code == 403
    other_admin = StaffFactory(merchant=other_merchant, role="admin")
    client.force_login(other_admin.user)
    assert client.get(reverse("loyalty:liability_csv", kwargs={"merchant": merchant.slug})).status_code == 404


def test_expiry_settings_on_the_settings_form(admin_client, merchant):
    response = admin_client.get(reverse("loyalty:settings", kwargs={"merchant": merchant.slug}))

    assert "points_expire_months" in response.context["form"].fields
    assert LoyaltySettings(merchant=merchant).points_expire_months is None  # none by default
