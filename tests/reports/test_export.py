import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import storages

from commerce.models import Order
from omo.tenancy.models import Staff
from partners import commission
from partners.models import Campaign, CampaignOrder
from reports import services
from reports.models import ExportJob
from reports.selectors import ExportFilters
from tests.factories import MemberFactory, StaffFactory, StoreFactory
from tests.reports.helpers import credited_order, local, uncredited_order

BOM = b"\xef\xbb\xbf"
HEADER = [
    "Order number", "Created at", "Channel", "Order Created From", "Order Source", "Order From", "Sales",
    "Credited", "Member", "Member phone", "Status", "Payment status", "Currency", "Item subtotal", "Discounts",
    "Store credit", "Points", "Shipping", "Tax", "Order total", "Settlement amount", "Campaign", "Commission",
]


@pytest.fixture
def admin(merchant):
    return StaffFactory(merchant=merchant, store=None, display_name="Ada", role=Staff.Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


def _rows(content: bytes):
    assert content.startswith(BOM), "Excel needs the UTF-8 byte order mark first"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _export(client, merchant, **data):
    response = client.post(f"/m/{merchant.slug}/reports/export/", data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return _rows(b"".join(response.streaming_content))


def _by_number(rows):
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def _campaign(merchant, name="Spring KOL"):
    return Campaign.objects.for_merchant(merchant).create(
        merchant=merchant,
        name=name,
        starts_at=local(2026, 1, 1),
        ends_at=local(2026, 12, 31),
        currency="TWD",
        condition=Campaign.Condition.WHOLE_ORDER,
        commission_type=Campaign.CommissionType.PERCENTAGE,
        rate=Decimal("10"),
    )


def test_credited_and_uncredited_orders_in_the_csv(admin_client, merchant, store, staff):
    # Given an online order credited to Amy through a campaign, and a POS order nobody is credited with
    cashier = StaffFactory(merchant=merchant, store=store, display_name="Cathy")
    member = MemberFactory(merchant=merchant, name="Lin", phone="+886912345678")
    online = credited_order(
        merchant, staff, at=local(2026, 3, 1, 9, 30, 5), number="W-1", total="1180.00", channel=Order.Channel.WEB,
        created_from="Storefront", source_store=store, member=member, closing_staff=cashier,
        status=Order.Status.CONFIRMED, payment_status=Order.PaymentStatus.PAID,
        item_subtotal=Decimal("1200.00"), discounts=Decimal("100.00"), store_credit=Decimal("20.00"),
        points_redeemed=Decimal("30.00"), returned_amount=Decimal("50.00"), shipping=Decimal("60.00"),
        tax=Decimal("70.00"),
    )
    CampaignOrder.objects.for_merchant(merchant).create(
        merchant=merchant, order=online, campaign=_campaign(merchant), placed_at=online.placed_at,
        settlement=Decimal("1000.00"), commission=Decimal("100.00"), order_total=Decimal("1180.00"), counted=True,
    )
    uncredited_order(
        merchant, at=local(2026, 3, 2, 18, 0), number="P-1", total="90.00", channel=Order.Channel.POS,
        created_from="POS", source_store=store, member=None, closing_staff=cashier,
        item_subtotal=Decimal("90.00"), status=Order.Status.COMPLETED,
    )

    rows = _export(admin_client, merchant)

    assert rows[0] == HEADER
    by_number = _by_number(rows)
    assert by_number["W-1"] == {
        "Order number": "W-1",
        "Created at": "2026-03-01 09:30:05",
        "Channel": "Online store",
        "Order Created From": "Storefront",
        "Order Source": "Taipei 101",
        "Order From": "Taipei 101",
        "Sales": "Amy",
        "Credited": "Yes",
        "Member": "Lin",
        "Member phone": "'+886912345678",  # text in Excel (issue 14)
        "Status": "Confirmed",
        "Payment status": "Paid",
        "Currency": "TWD",
        "Item subtotal": "1200.00",
        "Discounts": "100.00",
        "Store credit": "20.00",
        "Points": "30.00",
        "Shipping": "60.00",
        "Tax": "70.00",
        "Order total": "1180.00",
        "Settlement amount": "1000.00",
        "Campaign": "Spring KOL",
        "Commission": "100.00",
    }
    pos = by_number["P-1"]
    # An in-store order no link was credited with: the store that rang it up and its cashier.
    assert (pos["Channel"], pos["Order Source"], pos["Order From"], pos["Sales"], pos["Credited"]) == (
        "Retail store", "Taipei 101", "Taipei 101", "Cathy", "No"
    )
    assert (pos["Member"], pos["Campaign"], pos["Commission"], pos["Settlement amount"]) == ("", "", "", "90.00")
    assert [row[0] for row in rows[1:]] == ["W-1", "P-1"]  # oldest first


@pytest.mark.parametrize(
    "money",
    [
        {"item_subtotal": "1200.00", "discounts": "100.00", "store_credit": "20.00", "points_redeemed": "30.00", "returned_amount": "50.00"},
        {"item_subtotal": "100.00", "discounts": "80.00", "returned_amount": "60.00"},  # deductions exceed the goods
        {"item_subtotal": "0.10", "discounts": "0.05"},
    ],
)
def test_settlement_column_matches_the_commission_rules(admin_client, merchant, money):
    values = {key: Decimal(value) for key, value in money.items()}
    order = uncredited_order(merchant, at=local(2026, 3, 1, 9, 0), number="S-1", **values)

    rows = _export(admin_client, merchant)

    reference = commission.settlement_amount(
        commission.OrderMoney(
            item_subtotal=order.item_subtotal, discounts=order.discounts, store_credit=order.store_credit,
            points_redeemed=order.points_redeemed, returned_amount=order.returned_amount, shipping=order.shipping,
            surcharge=order.surcharge, tax=order.tax, paid_amount=order.paid_amount,
            unpaid_amount=order.unpaid_amount, lines=(), currency=order.currency,
        )
    )
    assert _by_number(rows)["S-1"]["Settlement amount"] == str(reference)


def test_chinese_and_cyrillic_names_round_trip(admin_client, merchant):
    store = StoreFactory(merchant=merchant, name="台北信義店")
    seller = StaffFactory(merchant=merchant, store=store, display_name="Анна Петрова")
    member = MemberFactory(merchant=merchant, name="王小明")
    credited_order(merchant, seller, at=local(2026, 3, 1, 9, 0), number="U-1", source_store=store, member=member)

    response = admin_client.post(f"/m/{merchant.slug}/reports/export/", {})
    content = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    row = _by_number(_rows(content))["U-1"]
    assert (row["Order Source"], row["Sales"], row["Member"]) == ("台北信義店", "Анна Петрова", "王小明")
    assert "王小明".encode() in content and "Анна".encode() in content


def test_filters_by_local_dates_store_and_channel(admin_client, merchant, store):
    other = StoreFactory(merchant=merchant, name="Kaohsiung")
    uncredited_order(merchant, at=local(2026, 2, 28, 23, 59, 59), number="before", source_store=store)
    uncredited_order(merchant, at=local(2026, 3, 1, 0, 0), number="first", source_store=store)
    uncredited_order(merchant, at=local(2026, 3, 2, 23, 59, 59), number="last", source_store=store)
    uncredited_order(merchant, at=local(2026, 3, 3, 0, 0), number="after", source_store=store)
    uncredited_order(merchant, at=local(2026, 3, 1, 12, 0), number="elsewhere", source_store=other)
    uncredited_order(merchant, at=local(2026, 3, 1, 12, 0), number="pos", source_store=store, channel=Order.Channel.POS)

    dated = _export(admin_client, merchant, date_from="2026-03-01", date_to="2026-03-02")
    narrowed = _export(
        admin_client, merchant, date_from="2026-03-01", date_to="2026-03-02", store=store.pk, channel="web"
    )

    assert sorted(_by_number(dated)) == ["elsewhere", "first", "last", "pos"]
    assert sorted(_by_number(narrowed)) == ["first", "last"]


def test_invalid_filters_are_refused_with_the_form_again(admin_client, merchant, other_merchant):
    foreign = StoreFactory(merchant=other_merchant)

    bad_store = admin_client.post(f"/m/{merchant.slug}/reports/export/", {"store": foreign.pk})
    bad_dates = admin_client.post(f"/m/{merchant.slug}/reports/export/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert bad_store.status_code == 400 and "Choose a store" in bad_store.content.decode()
    assert bad_dates.status_code == 400


def test_only_merchant_admins_can_export(client, merchant, staff):
    manager = StaffFactory(merchant=merchant, store=staff.store, role=Staff.Role.MANAGER)
    client.force_login(manager.user)

    assert client.get(f"/m/{merchant.slug}/reports/export/").status_code == 403
    assert client.post(f"/m/{merchant.slug}/reports/export/", {}).status_code == 403


def test_another_merchants_orders_are_never_exported(admin_client, merchant, other_merchant):
    uncredited_order(merchant, at=local(2026, 3, 1, 9, 0), number="MINE")
    uncredited_order(other_merchant, at=local(2026, 3, 1, 9, 0), number="THEIRS")

    rows = _export(admin_client, merchant)

    assert list(_by_number(rows)) == ["MINE"]


def test_large_export_runs_in_the_background_with_progress_and_a_download(
    admin_client, merchant, settings, tmp_path, django_capture_on_commit_callbacks
):
    # Given a threshold of 3 rows and 5 orders
    settings.REPORTS_EXPORT_STREAM_MAX_ROWS = 3
    settings.REPORTS_EXPORT_PROGRESS_EVERY = 2
    settings.MEDIA_ROOT = tmp_path
    for n in range(5):
        uncredited_order(merchant, at=local(2026, 3, 1, 9, n), number=f"B-{n}", member=MemberFactory(merchant=merchant, name="Пётр"))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/m/{merchant.slug}/reports/export/", {"date_from": "2026-03-01"})

    job = ExportJob.objects.for_merchant(merchant).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/reports/export/jobs/{job.pk}/")
    page = admin_client.get(response["Location"]).content.decode()
    assert "<progress" in page
    progress = admin_client.get(f"/m/{merchant.slug}/reports/export/jobs/{job.pk}/progress").json()
    assert progress["status"] == "done" and progress["percent"] == 100
    assert (progress["rows_written"], progress["total_rows"]) == (5, 5)
    download = admin_client.get(progress["download_url"])
    rows = _rows(b"".join(download.streaming_content))
    assert len(rows) == 6 and rows[1][8] == "Пётр"
    # The same bytes as a direct download of the same rows.
    streamed = b"".join(services.export_stream(merchant=merchant, filters=ExportFilters(start=local(2026, 3, 1))))
    assert b"".join(admin_client.get(progress["download_url"]).streaming_content) == streamed


def test_progress_is_saved_while_the_worker_writes(merchant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for n in range(5):
        uncredited_order(merchant, at=local(2026, 3, 1, 9, n), number=f"G-{n}")
    seen = []

    written = services.export_write(
        merchant=merchant, filters=ExportFilters(), out=io.BytesIO(), on_progress=seen.append, every=1
    )

    assert written == 5 and seen and seen[-1] <= 5


def test_another_merchants_export_job_is_not_found(client, merchant, other_merchant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=admin)
    services.export_job_run(merchant=merchant, job_id=job.pk)
    outsider = StaffFactory(merchant=other_merchant, store=None, role=Staff.Role.ADMIN)
    client.force_login(outsider.user)

    for suffix in ("", "progress", "download"):
        assert client.get(f"/m/{merchant.slug}/reports/export/jobs/{job.pk}/{suffix}").status_code == 404
        assert client.get(f"/m/{other_merchant.slug}/reports/export/jobs/{job.pk}/{suffix}").status_code == 404


def test_an_unfinished_job_has_no_download(admin_client, merchant, admin):
    job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=admin)

    progress = admin_client.get(f"/m/{merchant.slug}/reports/export/jobs/{job.pk}/progress").json()

    assert progress["download_url"] is None and progress["status"] == "pending"
    assert admin_client.get(f"/m/{merchant.slug}/reports/export/jobs/{job.pk}/download").status_code == 404


def test_export_page_lists_stores_and_channels(admin_client, merchant, store):
    page = admin_client.get(f"/m/{merchant.slug}/reports/export/").content.decode()

    assert "Taipei 101" in page and "Web store" in page and 'type="date"' in page


def test_the_worker_run_is_idempotent_once_done(merchant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    uncredited_order(merchant, at=local(2026, 3, 1, 9, 0), number="I-1")
    job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=admin)

    first = services.export_job_run(merchant=merchant, job_id=job.pk)
    again = services.export_job_run(merchant=merchant, job_id=job.pk)

    assert first.status == again.status == ExportJob.Status.DONE
    assert again.file.name == first.file.name
    assert first.finished_at - first.created_at < timedelta(minutes=1)


def test_names_that_excel_would_run_as_formulas_are_defused(admin_client, merchant, staff):
    member = MemberFactory(merchant=merchant, name='=HYPERLINK("http://evil.example","x")')
    store = StoreFactory(merchant=merchant, name="@Store")
    credited_order(merchant, staff, at=local(2026, 3, 1, 9, 0), number="F-1", member=member, store=store,
                   created_from="-Storefront")

    row = _by_number(_export(admin_client, merchant))["F-1"]

    assert row["Member"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert (row["Order Source"], row["Order Created From"], row["Sales"]) == ("'@Store", "'-Storefront", "Amy")


def test_order_source_and_order_from_follow_the_credited_store(admin_client, merchant, store, staff):
    """SPEC section 2: the credited store, whatever store or device the order names; an online
    order no link was credited with has none."""
    other = StoreFactory(merchant=merchant, name="Banqiao")
    credited_order(merchant, staff, at=local(2026, 3, 1, 9, 0), number="C-1", channel=Order.Channel.WEB,
                   source_store=other)
    uncredited_order(merchant, at=local(2026, 3, 1, 10, 0), number="U-1", channel=Order.Channel.WEB,
                     source_store=other)

    by_number = _by_number(_export(admin_client, merchant))

    assert (by_number["C-1"]["Order Source"], by_number["C-1"]["Order From"], by_number["C-1"]["Sales"]) == (
        "Taipei 101", "Taipei 101", "Amy"
    )
    assert (by_number["U-1"]["Order Source"], by_number["U-1"]["Order From"]) == ("", "")


def test_the_workers_export_file_is_kept_in_the_exports_storage(client, merchant, admin, settings, tmp_path):
    # STORAGES["exports"]: the local disk by default, S3-compatible object storage when configured.
    settings.MEDIA_ROOT = tmp_path
    uncredited_order(merchant, at=local(2026, 3, 1, 9, 0), number="S-1")
    job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=admin)

    job = services.export_job_run(merchant=merchant, job_id=job.pk)

    exports = storages["exports"]
    assert job.file.name.startswith("exports/") and exports.exists(job.file.name)
    with exports.open(job.file.name, "rb") as stored:
        assert b"S-1" in stored.read()
    client.force_login(admin.user)
    download = client.get(f"/m/{merchant.slug}/reports/export/jobs/{job.pk}/download")
    assert b"S-1" in b"".join(download.streaming_content)
