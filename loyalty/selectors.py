"""Reads on loyalty points. Public API used by other apps:

- `points_balance(*, merchant, member) -> int`
- `ledger_list(*, merchant, member)` -> queryset of `PointsLedgerEntry`, newest first.

A member whose shopper account is also a staff account at this merchant has one
balance: the staff account (staff and shoppers share one balance model, see
`account_owner`). A member of another merchant has no balance here (0, empty).
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.shortcuts import get_object_or_404
from django_scopes import scopes_disabled

from commerce import selectors as commerce_selectors
from members.models import Member

from omo.tenancy.models import Staff, Store

from . import offers as rules
from .models import LoyaltySettings, Offer, PointsAccount, PointsBudget, PointsLedgerEntry, Tier


def account_owner(*, merchant, member=None, staff=None) -> dict:
    """The lookup of the account that holds this person's points: {"member": m} or {"staff": s}.

    A shopper who is (or was) staff of this merchant earns into the staff
    account, so purchase points and share points are one balance (source:
    "積分是一樣的,不需要分開,只是權限不同").
    """
    if staff is not None:
        return {"staff": staff}
    if member.user_id:
        person_staff = Staff.objects.for_merchant(merchant).filter(user_id=member.user_id).first()
        if person_staff is not None:
            return {"staff": person_staff}
    return {"member": member}


def _account(*, merchant, member=None, staff=None) -> PointsAccount | None:
    owner = member if member is not None else staff
    if owner is None or owner.merchant_id != merchant.pk:
        return None
    return PointsAccount.objects.for_merchant(merchant).filter(**account_owner(
        merchant=merchant, member=member, staff=staff
    )).first()


def points_balance(*, merchant, member=None, staff=None) -> int:
    """Current points of a member (or staff member); 0 when they never earned any."""
    account = _account(merchant=merchant, member=member, staff=staff)
    return account.balance if account else 0


def ledger_list(*, merchant, member=None, staff=None) -> QuerySet[PointsLedgerEntry]:
    """Ledger history of a member (or staff member), newest first."""
    entries = PointsLedgerEntry.objects.for_merchant(merchant).select_related("offer", "order", "store")
    account = _account(merchant=merchant, member=member, staff=staff)
    if account is None:
        return entries.none()
    return entries.filter(account=account).order_by("-created_at", "-id")


def loyalty_settings_get(*, merchant) -> LoyaltySettings:
    """The merchant's settings row (defaults when never saved; not written here)."""
    settings = LoyaltySettings.objects.for_merchant(merchant).filter().first()
    return settings or LoyaltySettings(merchant=merchant)


def offer_list(*, merchant, event=None, active=None) -> QuerySet[Offer]:
    offers = Offer.objects.for_merchant(merchant).prefetch_related("stores")
    if event is not None:
        offers = offers.filter(event=event)
    if active is not None:
        offers = offers.filter(active=active)
    return offers.order_by("position", "id")


def offer_get(*, merchant, offer_id) -> Offer:
    return get_object_or_404(Offer.objects.for_merchant(merchant), pk=offer_id)


def tier_list(*, merchant) -> list[Tier]:
    """The merchant's tiers, lowest threshold first."""
    return list(Tier.objects.for_merchant(merchant).order_by("threshold", "id"))


def member_twelve_month_spending(*, merchant, member, at=None, exclude_order_id=None) -> Decimal:
    """What the member spent in the 12 months (365 days) before `at`, from commerce's orders."""
    at = at or timezone.now()
    return commerce_selectors.member_paid_spending(
        merchant=merchant, member=member, since=at - timedelta(days=365), until=at, exclude_order_id=exclude_order_id
    )


def member_tier(*, merchant, member, at=None, exclude_order_id=None) -> Tier | None:
    """The member's tier now: the highest tier whose threshold their 12-month spending reaches.
    Computed on every call from the orders (nothing cached, so a refund moves it at once)."""
    if member is None:
        return None
    tiers = tier_list(merchant=merchant)
    if not tiers:
        return None
    spent = member_twelve_month_spending(merchant=merchant, member=member, at=at, exclude_order_id=exclude_order_id)
    reached = [tier for tier in tiers if spent >= tier.threshold]
    return reached[-1] if reached else None


def budget_list(*, merchant) -> list[PointsBudget]:
    """Deduction accounts with `awarded` (net points charged to each) and `remaining` (budget left)."""
    budgets = list(
        PointsBudget.objects.for_merchant(merchant)
        .annotate(awarded_sum=Sum("entries__points"))
        .order_by("name", "id")
    )
    for budget in budgets:
        budget.awarded = budget.awarded_sum or 0
        budget.remaining = max(budget.budget - budget.awarded, 0)
    return budgets


def local_day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    """[start, end) of a merchant's local day as aware datetimes (DST-safe)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def local_month_bounds(year: int, month: int, tz) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=tz)
    days = calendar.monthrange(year, month)[1]
    return start, datetime.combine(date(year, month, days) + timedelta(days=1), time.min, tzinfo=tz)


@dataclass(frozen=True)
class CashWindow:
    first_day: int
    last_day: int
    # None while the window is open; otherwise the merchant-local day it opens next.
    next_open: date | None

    @property
    def is_open(self) -> bool:
        return self.next_open is None

    @property
    def restricted(self) -> bool:
        return (self.first_day, self.last_day) != (1, 31)

    @property
    def explanation(self) -> str:
        """The window in words for staff, with the next day it opens when it is closed now."""
        text = _("Cash can be requested on days %(first)s to %(last)s of each month.") % {
            "first": self.first_day, "last": self.last_day,
        }
        if self.next_open is not None:
            text += " " + _("The next chance is %(day)s.") % {"day": formats.date_format(self.next_open)}
        return text


def cash_redemption_window(*, merchant, at=None) -> CashWindow:
    """Whether staff may request cash now (the merchant's days of the month, local time)."""
    settings = loyalty_settings_get(merchant=merchant)
    first, last = settings.cash_redemption_first_day, settings.cash_redemption_last_day
    day = rules.local_day(at or timezone.now(), merchant.tzinfo)
    return CashWindow(first, last, rules.cash_window_next_open(day, first_day=first, last_day=last))


def cash_redemption_list(*, merchant, year: int, month: int) -> QuerySet[PointsLedgerEntry]:
    """Staff cash redemptions of a local calendar month, for payroll: by store, then staff."""
    start, end = local_month_bounds(year, month, merchant.tzinfo)
    return (
        PointsLedgerEntry.objects.for_merchant(merchant)
        .filter(source=PointsLedgerEntry.Source.CASH, created_at__gte=start, created_at__lt=end)
        .select_related("account__staff__user", "store")
        .order_by("store__name", "account__staff__display_name", "created_at", "id")
    )


def birthday_member_ids(*, merchant, day: date) -> list[int]:
    """Members whose birthday is `day` (29 February birthdays on 28 February in common years)."""
    members = Member.objects.for_merchant(merchant).filter(birthday__month=day.month, birthday__day=day.day)
    ids = list(members.values_list("pk", flat=True))
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        leap = Member.objects.for_merchant(merchant).filter(birthday__month=2, birthday__day=29)
        ids += list(leap.values_list("pk", flat=True))
    return ids


def merchants_with_active_offers(*, event) -> list[int]:
    """Ids of merchants with at least one active offer for `event` (a platform-wide sweep)."""
    with scopes_disabled():
        return sorted(set(Offer.objects.filter(event=event, active=True).values_list("merchant_id", flat=True)))


def referral_store_list(*, merchant) -> QuerySet[Store]:
    """Open stores whose referral QR codes the merchant admin can print."""
    return Store.objects.for_merchant(merchant).filter(removed_at__isnull=True).order_by("name")


def referral_store_get(*, merchant, code: str) -> Store:
    """An open store of this merchant by its code, or 404."""
    return get_object_or_404(referral_store_list(merchant=merchant), code=code)


def points_redeemable(*, merchant, member, amount: Decimal) -> int:
    """Most points the member can use on `amount` at checkout (their balance, and no more than it pays)."""
    value = loyalty_settings_get(merchant=merchant).point_value
    if value <= 0 or amount <= 0:
        return 0
    return min(points_balance(merchant=merchant, member=member), int(amount / value))


def order_points_used(*, merchant, order) -> int:
    """Points the shopper used on `order` at checkout (0 when none), net of any given back."""
    total = (
        PointsLedgerEntry.objects.for_merchant(merchant)
        .filter(order=order, source=PointsLedgerEntry.Source.CHECKOUT)
        .aggregate(points=Sum("points"))["points"]
    )
    return max(-(total or 0), 0)
