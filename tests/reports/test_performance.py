from datetime import timedelta
from decimal import Decimal

import pytest

from commerce.models import Order
from omo.api.publicid import public_id
from omo.tenancy.models import Staff
from tests.factories import MerchantFactory, StaffFactory, StoreFactory
from tests.reports.helpers import credited_order, local, now_at, registered_member, uncredited_order

NOW = local(2026, 3, 10, 15, 0)  # Tuesday afternoon in Taipei


@pytest.fixture
def team(merchant, store, staff, monkeypatch):
    """Taipei 101: Amy (staff), Bob (staff), Mia (manager). Kaohsiung: Carl. Plus an admin."""
    now_at(monkeypatch, NOW)
    other_store = StoreFactory(merchant=merchant, name="Kaohsiung", code="khh")
    bob = StaffFactory(merchant=merchant, store=store, display_name="Bob")
    mia = StaffFactory(merchant=merchant, store=store, display_name="Mia", role=Staff.Role.MANAGER)
    carl = StaffFactory(merchant=merchant, store=other_store, display_name="Carl")
    admin = StaffFactory(merchant=merchant, store=None, display_name="Ada", role=Staff.Role.ADMIN)
    day = local(2026, 3, 10, 11, 0)
    credited_order(merchant, staff, at=day, total="300.00")
    credited_order(merchant, staff, at=day, total="100.00")
    credited_order(merchant, bob, at=day, total="50.00")
    credited_order(merchant, carl, at=day, total="1000.00")
    # Neither counts: a cancelled credited order and an order nobody is credited with.
    credited_order(merchant, bob, at=day, total="999.00", status=Order.Status.CANCELLED)
    uncredited_order(merchant, at=day, total="777.00")
    registered_member(merchant, staff, at=day)
    registered_member(merchant, carl, at=day)
    registered_member(merchant, carl, at=day)
    return {"amy": staff, "bob": bob, "mia": mia, "carl": carl, "admin": admin, "taipei": store, "khh": other_store}


def _api(client, merchant, path="", **params):
    response = client.get(f"/m/{merchant.slug}/api/v1/performance/{path}", {"range": "today", **params})
    assert response.status_code == 200, response.content
    return response.json()


def _names(rows):
    return [row["name"] for row in rows]


def test_staff_see_only_their_own_figures(client, merchant, team):
    client.force_login(team["amy"].user)

    summary = _api(client, merchant)
    staff = _api(client, merchant, "staff/")
    stores = _api(client, merchant, "stores/")
    page = client.get(f"/m/{merchant.slug}/reports/performance/", {"range": "today"}).content.decode()

    assert summary["totals"] == {"orders": 2, "sales": "400.00", "average": "200.00", "new_members": 1}
    assert _names(staff["results"]) == ["Amy"]
    assert stores["results"] == []
    assert "Amy" in page and "Bob" not in page and "Carl" not in page and "Kaohsiung" not in page


def test_manager_sees_the_staff_of_their_store_ranked(client, merchant, team):
    client.force_login(team["mia"].user)

    summary = _api(client, merchant)
    staff = _api(client, merchant, "staff/")["results"]
    stores = _api(client, merchant, "stores/")["results"]
    page = client.get(f"/m/{merchant.slug}/reports/performance/", {"range": "today"}).content.decode()

    assert summary["totals"]["orders"] == 3 and summary["totals"]["sales"] == "450.00"
    assert [(r["rank"], r["name"], r["orders"], r["sales"]) for r in staff] == [
        (1, "Amy", 2, "400.00"),
        (2, "Bob", 1, "50.00"),
        (3, "Mia", 0, "0.00"),
    ]
    assert [(r["name"], r["orders"], r["new_members"]) for r in stores] == [("Taipei 101", 3, 1)]
    assert "Staff of Taipei 101." in page
    assert "Carl" not in page and "Kaohsiung" not in page


def test_merchant_admin_sees_every_store_and_staff(client, merchant, team):
    client.force_login(team["admin"].user)

    summary = _api(client, merchant)
    staff = _api(client, merchant, "staff/")["results"]
    stores = _api(client, merchant, "stores/")["results"]

    assert summary["totals"] == {"orders": 4, "sales": "1450.00", "average": "362.50", "new_members": 3}
    assert _names(staff) == ["Carl", "Amy", "Bob", "Mia"]
    assert [(r["name"], r["sales"], r["average"], r["new_members"]) for r in stores] == [
        ("Kaohsiung", "1000.00", "1000.00", 2),
        ("Taipei 101", "450.00", "150.00", 1),
    ]


def test_merchant_admin_can_narrow_to_one_store(client, merchant, team):
    client.force_login(team["admin"].user)

    staff = _api(client, merchant, "staff/", store=public_id(team["khh"]))["results"]

    assert _names(staff) == ["Carl"]


def test_a_manager_cannot_widen_their_scope_with_a_store_parameter(client, merchant, team):
    client.force_login(team["mia"].user)

    staff = _api(client, merchant, "staff/", store=public_id(team["khh"]))["results"]

    assert "Carl" not in _names(staff)


def test_cancelled_and_uncredited_orders_are_not_performance(client, merchant, team):
    client.force_login(team["bob"].user)

    summary = _api(client, merchant)

    assert summary["totals"]["orders"] == 1 and summary["totals"]["sales"] == "50.00"


def test_page_shows_the_totals_and_the_ranking(client, merchant, team):
    client.force_login(team["mia"].user)

    page = client.get(f"/m/{merchant.slug}/reports/performance/", {"range": "today"}).content.decode()

    assert 'data-kpi="orders">3<' in page
    assert "450.00" in page and "150.00" in page
    assert 'id="performance-chart"' in page and "vendor/chart.umd.min.js" in page


def _period_totals(client, merchant, **params):
    response = client.get(f"/m/{merchant.slug}/api/v1/performance/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_range_boundaries_are_local_midnights_of_the_merchant(client, merchant, staff, monkeypatch):
    # Given orders around the edges of 1-7 March in Taipei (UTC+8)
    now_at(monkeypatch, NOW)
    client.force_login(staff.user)
    credited_order(merchant, staff, at=local(2026, 2, 28, 23, 59, 59), total="1.00")  # before
    credited_order(merchant, staff, at=local(2026, 3, 1, 0, 0, 0), total="10.00")  # first instant
    credited_order(merchant, staff, at=local(2026, 3, 7, 23, 59, 59), total="100.00")  # last second
    credited_order(merchant, staff, at=local(2026, 3, 8, 0, 0, 0), total="1000.00")  # after
    registered_member(merchant, staff, at=local(2026, 3, 1, 0, 0, 0))
    registered_member(merchant, staff, at=local(2026, 3, 8, 0, 0, 0))

    result = _period_totals(client, merchant, range="custom", start="2026-03-01", end="2026-03-07")

    assert result["totals"]["orders"] == 2 and result["totals"]["sales"] == "110.00"
    assert result["totals"]["new_members"] == 1
    assert result["period"]["start"] == "2026-03-01T00:00:00+08:00"
    assert result["period"]["end"] == "2026-03-08T00:00:00+08:00"
    series = {point["bucket"]: point["sales"] for point in result["series"]}
    assert len(series) == 7 and series["2026-03-01"] == "10.00" and series["2026-03-07"] == "100.00"


def test_today_is_the_merchants_day_not_the_servers(client, merchant, staff, monkeypatch):
    # 01:30 in Taipei is still the previous day in UTC.
    now_at(monkeypatch, local(2026, 3, 10, 1, 30))
    client.force_login(staff.user)
    credited_order(merchant, staff, at=local(2026, 3, 10, 0, 15), total="20.00")
    credited_order(merchant, staff, at=local(2026, 3, 9, 23, 45), total="40.00")

    result = _period_totals(client, merchant, range="today")

    assert result["period"]["first_day"] == "2026-03-10"
    assert result["totals"]["sales"] == "20.00"
    hourly = [point for point in result["series"] if point["orders"]]
    assert hourly == [{"bucket": "0", "orders": 1, "sales": "20.00"}]  # a string, as documented


def test_last_7_days_includes_today_and_six_days_before(client, merchant, staff, monkeypatch):
    now_at(monkeypatch, NOW)
    client.force_login(staff.user)
    credited_order(merchant, staff, at=local(2026, 3, 4, 0, 0), total="7.00")
    credited_order(merchant, staff, at=local(2026, 3, 3, 23, 59), total="8.00")

    result = _period_totals(client, merchant, range="7d")

    assert (result["period"]["first_day"], result["period"]["last_day"]) == ("2026-03-04", "2026-03-10")
    assert result["totals"]["sales"] == "7.00"


def test_another_timezone_moves_the_boundaries(client, staff, monkeypatch):
    moscow = MerchantFactory(slug="msk", timezone="Europe/Moscow", currency="RUB")
    store = StoreFactory(merchant=moscow, name="Тверская")
    ivan = StaffFactory(merchant=moscow, store=store, display_name="Иван")
    now_at(monkeypatch, NOW)
    client.force_login(ivan.user)
    # 23:30 Moscow on 9 March is 04:30 on 10 March in Taipei: it belongs to Moscow's 9 March.
    credited_order(moscow, ivan, at=local(2026, 3, 9, 23, 30, tz=moscow.tzinfo), total="5.00")

    result = _period_totals(client, moscow, range="custom", start="2026-03-09", end="2026-03-09")

    assert result["totals"]["sales"] == "5.00"
    assert result["period"]["timezone"] == "Europe/Moscow"


def test_a_reversed_custom_range_is_refused(client, merchant, staff):
    client.force_login(staff.user)

    api = client.get(f"/m/{merchant.slug}/api/v1/performance/", {"range": "custom", "start": "2026-03-05", "end": "2026-03-01"})
    page = client.get(f"/m/{merchant.slug}/reports/performance/", {"range": "custom", "start": "2026-03-05", "end": "2026-03-01"})

    assert api.status_code == 400
    assert page.status_code == 200 and "must not be after" in page.content.decode()


def test_other_merchants_cannot_see_the_overview(client, merchant, other_merchant, team):
    outsider = StaffFactory(merchant=other_merchant, role=Staff.Role.ADMIN)
    client.force_login(outsider.user)

    assert client.get(f"/m/{merchant.slug}/reports/performance/").status_code == 404
    assert client.get(f"/m/{merchant.slug}/api/v1/performance/staff/").status_code == 404


def test_a_store_of_another_merchant_is_not_found(client, merchant, other_merchant, team):
    foreign_store = StoreFactory(merchant=other_merchant)
    client.force_login(team["admin"].user)

    assert client.get(f"/m/{merchant.slug}/api/v1/performance/", {"store": public_id(foreign_store)}).status_code == 404
    assert client.get(f"/m/{merchant.slug}/reports/performance/", {"store": foreign_store.pk}).status_code == 404


def test_the_other_merchants_figures_never_count(client, merchant, other_merchant, team):
    foreign = StaffFactory(merchant=other_merchant)
    credited_order(other_merchant, foreign, at=NOW - timedelta(hours=1), total="5000.00")
    client.force_login(team["admin"].user)

    summary = _api(client, merchant)

    assert summary["totals"]["sales"] == "1450.00"


def test_the_ranking_api_is_paginated(client, merchant, team):
    client.force_login(team["admin"].user)

    body = _api(client, merchant, "staff/")

    assert body["count"] == 4 and body["next"] is None and "period" in body


def test_average_order_value_rounds_to_cents(merchant, staff, monkeypatch):
    from reports import periods, selectors

    now_at(monkeypatch, NOW)
    for total in ("10.00", "10.00", "10.01"):
        credited_order(merchant, staff, at=NOW - timedelta(hours=1), total=total)
    period = periods.period_resolve(key="today", tz=merchant.tzinfo, now=NOW)

    result = selectors.performance_get(merchant=merchant, scope=selectors.Scope(staff_id=staff.pk), period=period)

    assert result.totals.average == Decimal("10.00")


def _csv(client, merchant, **params):
    import csv
    import io

    response = client.get(f"/m/{merchant.slug}/reports/performance.csv", {"range": "today", **params})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_performance_csv_has_the_pages_figures_within_the_viewers_scope(client, merchant, team):
    client.force_login(team["mia"].user)
    rows = _csv(client, merchant)
    assert rows[0][:8] == ["Level", "Name", "Store", "Rank", "Credited orders", "Sales", "Average order value",
                           "New members"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Amy"][4:8] == ["2", "400.00", "200.00", "1"]
    assert "Carl" not in by_name and "Kaohsiung" not in by_name  # another store's staff

    client.force_login(team["admin"].user)
    assert "Carl" in {row[1] for row in _csv(client, merchant)[1:]}


def test_performance_csv_of_another_merchant_is_404(client, merchant, other_merchant, team):
    client.force_login(team["admin"].user)
    assert client.get(f"/m/{other_merchant.slug}/reports/performance.csv").status_code == 404
