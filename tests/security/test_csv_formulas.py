"""Issue 13, must-fix 7: no CSV cell may start like a spreadsheet formula.

Every text column of every CSV download (order export streamed and as a job, the SQL behind the
COPY baseline, performance, partner report, payroll) is fed a formula; each must come out defused
(a leading apostrophe). The order number comes from the order API's `order_id`.
"""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client

from loyalty import services as loyalty_services
from omo.spreadsheet import csv_lines
from reports import csv_columns
from reports.selectors import ExportFilters, order_export_rows
from tests.factories import MemberFactory, OrderFactory, StaffFactory, StoreFactory
from tests.partners.helpers import bind, make_campaign, make_partner, referred_order

pytestmark = pytest.mark.django_db

FORMULAS = ["=1+2", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def parse(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def assert_defused(rows, *, skip_header=True):
    for row in rows[1 if skip_header else 0:]:
        for cell in row:
            assert not cell.startswith(DANGEROUS), row


@pytest.mark.parametrize("formula", FORMULAS)
def test_order_export_defuses_every_text_column(client, merchant, formula):
    store = StoreFactory(merchant=merchant, name=formula, code="s1")
    admin = StaffFactory(merchant=merchant, store=store, role="admin", display_name=formula)
    member = MemberFactory(merchant=merchant, name=formula, phone=formula)
    OrderFactory(merchant=merchant, number=formula, member=member, source_store=store, closing_staff=admin,
                 created_from=formula, currency=formula[:3], channel="pos")
    client.force_login(admin.user)

    rows = parse(client.post(f"/m/{merchant.slug}/reports/export/", {}))
    sql_rows = list(order_export_rows(merchant=merchant, filters=ExportFilters()))

    assert len(rows) == 2
    assert_defused(rows)
    assert_defused([[str(v) for v in row if v is not None] for row in sql_rows], skip_header=False)
    number = rows[1][csv_columns.KEYS.index("number")]
    assert number == "'" + formula


def test_phones_stay_text_in_excel(client, merchant, store):
    """Issue 14: a bare +886912345678 opens in Excel as 8.86912E+11; typed text stays as it is."""
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    OrderFactory(merchant=merchant, member=MemberFactory(merchant=merchant, phone="+886912345678"))
    client.force_login(admin.user)
    rows = parse(client.post(f"/m/{merchant.slug}/reports/export/", {}))
    assert rows[1][csv_columns.KEYS.index("member_phone")] == "'+886912345678"


@pytest.mark.parametrize("formula", FORMULAS)
def test_performance_csv_defuses_names(client, merchant, formula):
    store = StoreFactory(merchant=merchant, name=formula, code="s1")
    admin = StaffFactory(merchant=merchant, store=store, role="admin", display_name=formula)
    client.force_login(admin.user)
    rows = parse(client.get(f"/m/{merchant.slug}/reports/performance.csv"))
    assert len(rows) >= 2
    assert_defused(rows)


@pytest.mark.parametrize("formula", FORMULAS)
def test_partner_report_defuses_order_numbers_and_orderers(merchant, formula):
    campaign = make_campaign(merchant)
    partner = make_partner()
    bind(merchant, campaign, partner)
    referred_order(merchant, campaign, number=formula, lines=[])
    client = Client()
    client.force_login(partner.user)
    rows = parse(client.get(f"/partners/{merchant.slug}/campaigns/{campaign.code}/report.csv"))
    assert_defused(rows)


@pytest.mark.parametrize("formula", FORMULAS)
def test_payroll_csv_defuses_store_staff_and_email(client, merchant, formula):
    store = StoreFactory(merchant=merchant, name=formula, code="s1")
    worker = StaffFactory(merchant=merchant, store=store, display_name=formula)
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    loyalty_services.points_adjust(merchant=merchant, staff=worker, points=1000, reason="Bonus")
    loyalty_services.cash_redemption_request(merchant=merchant, staff=worker, points=300,
                                             at=datetime(2025, 11, 5, 2, tzinfo=UTC))
    client.force_login(admin.user)
    rows = parse(client.get(f"/m/{merchant.slug}/loyalty/payroll.csv?month=2025-11"))
    assert len(rows) == 2
    assert_defused(rows)


def test_the_shared_csv_writer_defuses_every_text_cell():
    lines = "".join(csv_lines(["a"] * len(FORMULAS), [FORMULAS, [Decimal("-1.00"), -5, "ok", "", None, "x"]]))
    rows = list(csv.reader(io.StringIO(lines.lstrip("\ufeff"))))
    assert all(cell.startswith("'") for cell in rows[1])
    assert rows[2][:3] == ["-1.00", "-5", "ok"]  # numbers are numbers
