"""Issue 14 item 7: money, times and dates in the merchant's currency, language and time zone."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from omo.formats import format_day, format_money, format_when, merchant_money
from omo.spreadsheet import phone_cell
from omo.tenancy.middleware import MerchantScopeMiddleware
from tests.factories import OrderFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "amount, currency, decimals, language, shown",
    [
        ("1234567.5", "TWD", None, "en", "NT$1,234,567.50"),
        ("1234567.5", "TWD", 0, "en", "NT$1,234,568"),
        ("1234", "JPY", None, "en", "¥1,234"),
        ("1234.5", "KWD", None, "en", "KWD1,234.500"),
        ("1234.5", "TWD", None, "ru", "1\xa0234,50\xa0NT$"),
        ("1234.5", "TWD", None, "zh-hant", "$1,234.50"),
    ],
)
def test_one_formatter_knows_minor_units_merchant_digits_and_locale_grouping(amount, currency, decimals, language, shown):
    with translation.override(language):
        assert format_money(D(amount), currency, decimals=decimals) == shown


def test_the_merchant_chooses_twd_digits(merchant):
    merchant.money_decimals = 0
    assert merchant_money(D("1200.40"), merchant) == "NT$1,200"
    merchant.money_decimals = None
    assert merchant_money(D("1200.40"), merchant) == "NT$1,200.40"


def test_times_show_the_zone_and_dates_the_locale_format():
    moment = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
    taipei = ZoneInfo("Asia/Taipei")
    with translation.override("en"):
        assert format_when(moment, tz=taipei) == "Jan 5, 2026, 11:30:00\u202fPM GMT+08:00"
        assert format_day(date(2026, 1, 5)) == "Jan 5, 2026"
    with translation.override("zh-hant"):
        assert format_day(date(2026, 1, 5)) == "2026年1月5日"
    with translation.override("ru"):
        assert format_day(date(2026, 1, 5)) == "5 янв. 2026\u202fг."


def test_merchant_pages_run_in_the_merchants_zone(merchant):
    merchant.timezone = "Asia/Tokyo"
    merchant.save()
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    MerchantScopeMiddleware(view)(RequestFactory().get(f"/m/{merchant.slug}/shop/"))
    assert seen["tz"] == "Asia/Tokyo"
    assert timezone.get_current_timezone_name() == "UTC"  # given back after the request


def test_the_admin_shows_times_in_the_merchants_zone_with_the_zone(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin", user=UserFactory(is_staff=True, is_superuser=True))
    OrderFactory(merchant=merchant, placed_at=datetime(2026, 1, 5, 15, 30, tzinfo=UTC), number="T-1")
    client.force_login(admin.user)
    page = client.get("/admin/commerce/order/").content.decode()
    assert "11:30" in page and "CST" in page  # 15:30 UTC is 23:30 in Taipei, zone shown


def test_phone_cells_stay_text():
    assert phone_cell("+886912345678") == "'+886912345678" and phone_cell("") == ""
