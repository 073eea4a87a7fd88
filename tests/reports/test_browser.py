"""Headless Chromium: a store manager opens the performance overview and sees the chart drawn;
a merchant admin runs a background export and gets the download link."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from omo.tenancy.models import Staff
from tests.browser import ARTIFACTS, MARKS, signed_in_page
from tests.factories import MerchantFactory, StaffFactory, StoreFactory
from tests.reports.helpers import credited_order, uncredited_order

pytestmark = MARKS


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1024, "height": 1300})
    context.set_default_timeout(15000)
    yield context
    context.close()



def _painted_pixels(page, selector):
    return page.eval_on_selector(
        selector,
        """canvas => {
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
            return painted;
        }""",
    )


@pytest.mark.django_db(transaction=True)
def test_manager_sees_the_performance_chart(live_server, browser_context):
    merchant = MerchantFactory(name="Acme Taiwan", slug="acme")
    taipei = StoreFactory(merchant=merchant, name="Taipei 101")
    kaohsiung = StoreFactory(merchant=merchant, name="Kaohsiung")
    manager = StaffFactory(merchant=merchant, store=taipei, display_name="Mia", role=Staff.Role.MANAGER)
    amy = StaffFactory(merchant=merchant, store=taipei, display_name="Amy")
    bob = StaffFactory(merchant=merchant, store=taipei, display_name="Bob")
    carl = StaffFactory(merchant=merchant, store=kaohsiung, display_name="Carl")
    now = timezone.now()
    for days, who, total in [(0, amy, "1200.00"), (1, amy, "800.00"), (2, bob, "500.00"), (4, bob, "650.00"),
                             (5, amy, "300.00"), (1, carl, "9999.00")]:
        credited_order(merchant, who, at=now - timedelta(days=days, minutes=5), total=total)
    page = signed_in_page(browser_context, live_server, manager.user)

    page.goto(f"{live_server.url}/m/acme/reports/performance/?range=7d")
    page.wait_for_selector("#performance-chart[data-rendered=true]")
    page.wait_for_selector("#ranking-chart[data-rendered=true]")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-performance-manager.png"), full_page=True)
    assert _painted_pixels(page, "#performance-chart") > 1000
    assert _painted_pixels(page, "#ranking-chart") > 500
    assert page.locator('[data-kpi="orders"]').inner_text() == "5"
    staff_table = page.locator("#staff-title + .table-scroll").inner_text()
    assert "Amy" in staff_table and "Bob" in staff_table and "Carl" not in staff_table

    # Picking a custom day range from the date inputs.
    first_day = timezone.localtime(now - timedelta(days=1), merchant.tzinfo).date().isoformat()
    page.fill("#id_start", first_day)
    page.dispatch_event("#id_start", "change")
    page.fill("#id_end", first_day)
    page.click(".report-filter button[type=submit]")
    page.wait_for_selector("#performance-chart[data-rendered=true]")
    assert page.locator('input[name="range"][value="custom"]').is_checked()
    assert page.locator('[data-kpi="orders"]').inner_text() == "1"


@pytest.mark.django_db(transaction=True)
def test_admin_follows_a_background_export_to_its_download(live_server, browser_context, settings, tmp_path):
    settings.REPORTS_EXPORT_STREAM_MAX_ROWS = 2
    settings.MEDIA_ROOT = tmp_path
    merchant = MerchantFactory(name="Acme Taiwan", slug="acme")
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    for n in range(3):
        uncredited_order(merchant, at=timezone.now() - timedelta(hours=n), number=f"E-{n}")
    page = signed_in_page(browser_context, live_server, admin.user)

    page.goto(f"{live_server.url}/m/acme/reports/export/")
    page.click(".report-filter button[type=submit]")
    page.wait_for_selector('[data-job="download"]:not([hidden])')

    assert page.eval_on_selector('[data-job="progress"]', "bar => bar.value") == 100
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-export-job.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click('[data-job="download"] a')
    content = Path(download_info.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"E-0" in content and content.count(b"\r\n") == 4
