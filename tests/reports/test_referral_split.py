"""Referral-split performance on the performance page and in its CSV (issue 17 item 5).

The split is settled through the loyalty services: 25 % traffic / 75 % sales of the points
the sale earns (1 point per 10.00), so a 200.00 referred sale gives 5 traffic and 15 sales
points, a 2,000.00 one 50 and 150.
"""

import csv
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone

from commerce.services import LineInput
from loyalty import services
from omo.tenancy.models import Staff
from tests.factories import MemberFactory, StaffFactory, StoreFactory
from tests.loyalty.test_services import _referred_member, base_offer, paid_order, settle

pytestmark = pytest.mark.django_db


def lines(amount):
    return [LineInput(variation=None, quantity=1, unit_price=D(amount), product_name="Sofa", category="sofa")]


@pytest.fixture
def split(merchant, store, staff):
    """Sister brand (a partner store) referred Ann; Amy (Taipei 101) closed Ann's 200.00 sale in
    store. Carl (Kaohsiung) closed the 2,000.00 sale of Ben, whom the member Zoe referred."""
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25, point_value=D("0.10"))
    sister = StoreFactory(merchant=merchant, name="Sister brand", code="sister")
    kaohsiung = StoreFactory(merchant=merchant, name="Kaohsiung", code="khh")
    carl = StaffFactory(merchant=merchant, store=kaohsiung, display_name="Carl")
    zoe = MemberFactory(merchant=merchant, name="Zoe")
    ann = _referred_member(merchant, sister)
    ben = _referred_member(merchant, zoe, "member")
    now = timezone.now()
    settle(merchant, paid_order(merchant, ann, lines=lines("200.00"), store=store, closing_staff=staff, placed_at=now))
    settle(merchant, paid_order(merchant, ben, lines=lines("2000.00"), store=kaohsiung, closing_staff=carl,
                                placed_at=now))
    return {"sister": sister, "kaohsiung": kaohsiung, "carl": carl}


def page(client, merchant, **params):
    return client.get(f"/m/{merchant.slug}/reports/performance/", {"range": "7d", **params})


def figures(response):
    return {
        row.name: (row.traffic_points, row.sales_points, row.orders, row.amount, row.value)
        for row in response.context["referrals"].rows
    }


def test_admin_sees_traffic_and_sales_points_per_earner(client, merchant, store, split):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    client.force_login(admin.user)

    response = page(client, merchant)

    assert figures(response) == {
        "Zoe": (50, 0, 1, D("2000.00"), D("5.00")),
        "Carl": (0, 150, 1, D("2000.00"), D("15.00")),
        "Sister brand": (5, 0, 1, D("200.00"), D("0.50")),
        "Amy": (0, 15, 1, D("200.00"), D("1.50")),
    }
    html = response.content.decode()
    assert 'id="referral-chart"' in html and "referrals.js" in html
    chart = response.context["referral_chart"]  # most points first
    assert chart == {"labels": ["Carl", "Zoe", "Amy", "Sister brand"], "traffic": [0, 50, 0, 5], "sales": [150, 0, 15, 0]}


def test_manager_sees_their_store_only(client, merchant, store, split):
    mia = StaffFactory(merchant=merchant, store=split["kaohsiung"], role=Staff.Role.MANAGER, display_name="Mia")
    client.force_login(mia.user)

    assert figures(page(client, merchant)) == {"Carl": (0, 150, 1, D("2000.00"), D("15.00"))}


def test_staff_see_no_referral_split(client, merchant, staff, split):
    client.force_login(staff.user)

    response = page(client, merchant)
    rows = list(csv.reader(io.StringIO(
        b"".join(client.get(f"/m/{merchant.slug}/reports/performance.csv", {"range": "7d"}).streaming_content)
        .decode("utf-8-sig")
    )))

    assert response.context["referrals"] is None
    assert 'id="referral-chart"' not in response.content.decode()
    assert len(rows[0]) == 11 and not any(row[0].startswith("Referral") for row in rows)


def test_the_csv_carries_the_split(client, merchant, split):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    client.force_login(admin.user)

    response = client.get(f"/m/{merchant.slug}/reports/performance.csv", {"range": "7d"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0][11:] == ["Traffic points", "Sales points", "Referred orders", "Referred sales", "Points value"]
    split_rows = {row[1]: [row[0], row[2], *row[11:]] for row in rows[1:] if row[0].startswith("Referral")}
    assert split_rows["Sister brand"] == ["Referral: store", "Sister brand", "5", "0", "1", "200.00", "0.50"]
    assert split_rows["Carl"] == ["Referral: staff", "Kaohsiung", "0", "150", "1", "2000.00", "15.00"]
    assert split_rows["Zoe"] == ["Referral: member", "", "50", "0", "1", "2000.00", "5.00"]
    amy = next(row for row in rows[1:] if row[0] == "Staff" and row[1] == "Amy")
    assert amy[11:] == ["", "", "", "", ""]  # the sales rows keep their own columns


def test_another_merchants_store_is_404(client, merchant, other_merchant, split):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    theirs = StoreFactory(merchant=other_merchant)
    client.force_login(admin.user)

    assert page(client, merchant, store=theirs.pk).status_code == 404
