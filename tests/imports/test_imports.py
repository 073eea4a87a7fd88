"""Catalog, members and past orders import (issue 16 item 4): dry run with per-row errors first,
scoped to the merchant, one transaction, through the services; the sample files import."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.models import Order, OrderLine, Product, Variation
from imports import services
from imports.models import ImportJob
from members.models import Member
from omo.tenancy.models import Staff
from tests.factories import MemberFactory, ProductFactory, StaffFactory, StoreFactory, VariationFactory

pytestmark = pytest.mark.django_db

DOCS = Path(settings.BASE_DIR) / "docs" / "import"


@pytest.fixture
def admin(merchant):
    return StaffFactory(merchant=merchant, store=None, display_name="Ada", role=Staff.Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


def check(merchant, kind, text, name="file.csv"):
    return services.import_check(merchant=merchant, kind=kind, file_name=name, content=text.encode())


def apply(merchant, job):
    return services.import_apply(merchant=merchant, job=job)


def test_sample_files_import_in_order(merchant, django_capture_on_commit_callbacks):
    StoreFactory(merchant=merchant, code="taipei-101", name="Taipei 101")
    for kind in ("catalog", "members", "orders"):
        job, result = services.import_check(merchant=merchant, kind=kind, file_name=f"{kind}.csv",
                                            content=(DOCS / f"{kind}.csv").read_bytes())
        assert services.result_rows(result) == [], (kind, services.result_rows(result))
        with django_capture_on_commit_callbacks(execute=True):
            job, _ = apply(merchant, job)
        assert job.status == ImportJob.Status.IMPORTED
    assert Variation.objects.for_merchant(merchant).count() == 4
    assert Product.objects.for_merchant(merchant).count() == 3
    amy = Member.objects.for_merchant(merchant).get(phone="+886912345678")
    assert amy.email == "amy.chen@example.com" and str(amy.birthday) == "1990-06-10"
    h1001 = Order.objects.for_merchant(merchant).get(number="H-1001")
    assert h1001.member == amy and h1001.source_store.code == "taipei-101"
    assert OrderLine.objects.for_merchant(merchant).filter(order=h1001).count() == 2
    assert h1001.total == h1001.paid_amount == Decimal("35480.00") and h1001.unpaid_amount == 0
    assert Order.objects.for_merchant(merchant).count() == 3
    # The same file again: orders already here are skipped, nothing doubles
    job, result = services.import_check(merchant=merchant, kind="orders", file_name="orders.csv",
                                        content=(DOCS / "orders.csv").read_bytes())
    assert job.totals["skip"] == 4 and job.totals["new"] == 0
    apply(merchant, job)
    assert Order.objects.for_merchant(merchant).count() == 3


def test_dry_run_lists_row_errors_and_writes_nothing(merchant):
    text = "name,phone,email\nAmy,0912 345 678,amy@example.com\nBad,12,\nNone,,\nCarl,,not-an-email\n"
    job, result = check(merchant, "members", text)
    assert job.status == ImportJob.Status.INVALID
    problems = {row["number"]: dict(row["errors"]) for row in services.result_rows(result)}
    assert set(problems) == {2, 3, 4}
    assert "phone" in problems[2] and "email" in problems[4]
    assert not Member.objects.for_merchant(merchant).exists()
    # and a file with errors cannot be imported
    with pytest.raises(Exception):
        apply(merchant, job)
    assert not Member.objects.for_merchant(merchant).exists()


def test_a_dry_run_of_a_good_file_writes_nothing_until_imported(merchant, django_capture_on_commit_callbacks):
    job, result = check(merchant, "members", "name,phone\nAmy,0912345678\n")
    assert job.status == ImportJob.Status.CHECKED and job.totals["new"] == 1
    assert not Member.objects.for_merchant(merchant).exists()
    with django_capture_on_commit_callbacks(execute=True):
        apply(merchant, job)
    assert Member.objects.for_merchant(merchant).get().phone == "+886912345678"
    with pytest.raises(Exception):
        apply(merchant, job)  # once


def test_existing_members_are_updated_by_phone_or_email(merchant):
    amy = MemberFactory(merchant=merchant, phone="+886912345678", email="", name="A.")
    job, _ = check(merchant, "members", "name,phone,email\nAmy Chen,0912-345-678,AMY@example.com\n")
    assert job.totals["update"] == 1
    apply(merchant, job)
    amy.refresh_from_db()
    assert (amy.name, amy.email) == ("Amy Chen", "amy@example.com")
    assert Member.objects.for_merchant(merchant).count() == 1


def test_another_merchants_ids_are_row_errors_never_writes(merchant, other_merchant):
    theirs = MemberFactory(merchant=other_merchant, name="Theirs", phone="+886911000000")
    their_variation = VariationFactory(merchant=other_merchant, product=ProductFactory(merchant=other_merchant),
                                       sku="OTHER-1")
    job, result = check(merchant, "members", f"id,name,phone\n{theirs.pk},Hijack,0912345678\n")
    assert job.status == ImportJob.Status.INVALID
    assert "id" in dict(services.result_rows(result)[0]["errors"])
    job, result = check(merchant, "catalog",
                        f"id,product,sku,price\n{their_variation.pk},Hijack,OTHER-1,1.00\n")
    assert job.status == ImportJob.Status.INVALID
    job, result = check(merchant, "orders",
                        f"order_number,placed_at,member_id,product_name,unit_price\nX-1,2025-01-01,{theirs.pk},A,1\n")
    assert job.status == ImportJob.Status.INVALID
    theirs.refresh_from_db()
    their_variation.refresh_from_db()
    assert theirs.name == "Theirs" and their_variation.product.name != "Hijack"
    assert not Order.objects.for_merchant(merchant).exists()
    # The same SKU at another merchant is simply this merchant's new SKU
    job, _ = check(merchant, "catalog", "product,sku,price\nMine,OTHER-1,9.90\n")
    apply(merchant, job)
    assert Variation.objects.for_merchant(merchant).get().price == Decimal("9.90")
    assert Variation.objects.for_merchant(other_merchant).get().product.name == their_variation.product.name


def test_an_order_the_service_refuses_rolls_back_the_whole_import(merchant):
    text = ("order_number,placed_at,product_name,quantity,unit_price,member_phone\n"
            "O-1,2025-01-01T10:00:00+08:00,A,1,10.00,0912345678\n"
            "O-2,2999-01-01T10:00:00+08:00,B,1,10.00,\n")
    job, result = check(merchant, "orders", text)
    assert job.status == ImportJob.Status.INVALID
    assert [row["number"] for row in services.result_rows(result)] == [2]
    assert not Order.objects.for_merchant(merchant).exists()
    assert not Member.objects.for_merchant(merchant).exists()


def test_xlsx_files_import(merchant):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Product", "SKU", "Price", "Published"])
    sheet.append(["Kettle", "KT-1", 990, "yes"])
    buffer = io.BytesIO()
    book.save(buffer)
    job, result = services.import_check(merchant=merchant, kind="catalog", file_name="catalog.xlsx",
                                        content=buffer.getvalue())
    assert services.result_rows(result) == []
    apply(merchant, job)
    assert Variation.objects.for_merchant(merchant).get(sku="KT-1").price == Decimal("990.00")


def test_merchant_page_checks_then_imports(admin_client, merchant):
    url = f"/m/{merchant.slug}/imports/"
    response = admin_client.post(url, {"kind": "members",
                                       "file": SimpleUploadedFile("m.csv", b"name,phone\nAmy,0912345678\nBad,1\n")},
                                 follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-status="invalid"' in page and 'data-row="2"' in page
    assert "is not a phone number" in page
    assert not Member.objects.for_merchant(merchant).exists()
    response = admin_client.post(url, {"kind": "members", "file": SimpleUploadedFile("m.csv", b"name,phone\nAmy,0912345678\n")},
                                 follow=True)
    job = ImportJob.objects.for_merchant(merchant).first()
    assert 'data-status="checked"' in response.content.decode()
    response = admin_client.post(f"{url}{job.pk}/import/")
    assert response.status_code == 302
    assert Member.objects.for_merchant(merchant).get().name == "Amy"
    assert 'data-status="imported"' in admin_client.get(f"{url}{job.pk}/").content.decode()
    # once only
    admin_client.post(f"{url}{job.pk}/import/")
    assert Member.objects.for_merchant(merchant).count() == 1


def test_large_files_are_checked_and_imported_in_the_background_with_progress(
    admin_client, merchant, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_BACKGROUND_ROWS = 2
    url = f"/m/{merchant.slug}/imports/"
    rows = "".join(f"M{i},09123456{i:02d}\n" for i in range(10, 15)).encode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(url, {"kind": "members", "file": SimpleUploadedFile("m.csv", b"name,phone\n" + rows)})
    job = ImportJob.objects.for_merchant(merchant).get()
    page = admin_client.get(response.url).content.decode()
    assert 'data-status="checking"' in page and "<progress" in page and 'http-equiv="refresh"' in page
    for callback in queued:
        callback()  # the worker runs the check
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.totals["new"] == 5
    with django_capture_on_commit_callbacks(execute=False) as queued:
        admin_client.post(f"{url}{job.pk}/import/")
    assert 'data-status="importing"' in admin_client.get(f"{url}{job.pk}/").content.decode()
    assert not Member.objects.for_merchant(merchant).exists()
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert Member.objects.for_merchant(merchant).count() == 5


def test_page_is_for_merchant_admins_and_jobs_are_tenant_scoped(client, admin_client, merchant, other_merchant, staff):
    their_job, _ = check(other_merchant, "members", "name,phone\nAmy,0912345678\n")
    assert admin_client.post(f"/m/{merchant.slug}/imports/{their_job.pk}/import/").status_code == 404
    assert not Member.objects.for_merchant(other_merchant).exists()
    client.force_login(staff.user)  # store staff of this merchant: the role-limit page
    assert client.get(f"/m/{merchant.slug}/imports/").status_code == 403


def test_unreadable_files_are_form_errors(admin_client, merchant):
    response = admin_client.post(f"/m/{merchant.slug}/imports/",
                                 {"kind": "catalog", "file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert response.status_code == 200 and "Upload a .csv or .xlsx file." in response.content.decode()
    response = admin_client.post(f"/m/{merchant.slug}/imports/",
                                 {"kind": "catalog", "file": SimpleUploadedFile("x.xlsx", b"not a zip")})
    assert response.status_code == 200 and "could not be read" in response.content.decode()


def test_platform_admin_imports_for_a_chosen_merchant_in_django_admin(client, merchant, other_merchant):
    from tests.factories import UserFactory

    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    url = "/admin/imports/importjob/import/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"merchant": merchant.pk, "resource": 1, "format": 0,
                                 "import_file": SimpleUploadedFile("m.csv", b"name,phone\nAmy,0912345678\n")})
    assert response.status_code == 200, response.content
    assert not Member.objects.for_merchant(merchant).exists()  # the dry run wrote nothing
    confirm = response.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    response = client.post("/admin/imports/importjob/process_import/", data)
    assert response.status_code == 302
    assert Member.objects.for_merchant(merchant).get().phone == "+886912345678"
    assert not Member.objects.for_merchant(other_merchant).exists()


def test_a_catalog_file_without_a_column_leaves_that_field_alone(merchant):
    job, _ = check(merchant, "catalog", "product,category,variation,sku,barcode,price\nTea,drinks,Green,T-1,471,50\n")
    apply(merchant, job)
    job, _ = check(merchant, "catalog", "product,sku,price\nTea,T-1,55\n")
    assert job.totals["update"] == 1
    apply(merchant, job)
    variation = Variation.objects.for_merchant(merchant).select_related("product").get(sku="T-1")
    assert (variation.price, variation.name, variation.barcode) == (Decimal("55.00"), "Green", "471")
    assert variation.product.category == "drinks" and variation.product.published
