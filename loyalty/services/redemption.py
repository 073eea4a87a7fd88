"""Spending points: at checkout (points + cash) and, for staff, for cash with the payroll."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from commerce.models import Order
from omo.money import quantize_money
from omo.tenancy.models import Staff

from .. import offers as rules
from .. import selectors
from .ledger import CashRedemptionRefused, Entry, Kind, Source, _post, account_lock
from .settings import settings_for


@dataclass(frozen=True)
class Redemption:
    entry: Entry
    # What the points pay for, in the merchant's currency (rounded down to its minor unit: the cent, the fils).
    amount: Decimal


def points_value(*, merchant, points: int) -> Decimal:
    return quantize_money(Decimal(points) * settings_for(merchant).point_value, merchant.currency, ROUND_DOWN)


@transaction.atomic
def points_redeem_for_order(*, merchant, member, points: int, order: Order) -> Redemption:
    """Pay part of an order with points (points + cash at checkout).

    How checkout uses it, inside its own transaction after creating the order:
        redemption = points_redeem_for_order(merchant=m, member=member, points=n, order=order)
        order.points_redeemed = redemption.amount   # and lower total / unpaid by it
    Raises `NotEnoughPoints` (a ValidationError, message for the shopper) when
    the balance is short, which rolls the checkout back. One redemption per
    order: calling it again returns the first one. A cancelled order gives the
    points back (see `order_points_settle`).
    """
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    if member.merchant_id != merchant.pk or order.merchant_id != merchant.pk:
        raise ValidationError(_("The member and the order must belong to this merchant."))
    if order.member_id is not None and order.member_id != member.pk:
        raise ValidationError(_("This order belongs to another member."))
    account = account_lock(merchant=merchant, member=member)
    key = f"order:{order.pk}:checkout"
    existing = Entry.objects.for_merchant(merchant).filter(idempotency_key=key).first()
    if existing is not None:
        return Redemption(existing, points_value(merchant=merchant, points=-existing.points))
    amount = points_value(merchant=merchant, points=points)
    entry = _post(
        account,
        kind=Kind.REDEEM,
        points=-points,
        source=Source.CHECKOUT,
        key=key,
        order=order,
        store=order.source_store,
        description=_("Order %(number)s") % {"number": order.number},
    )
    return Redemption(entry, amount)


@transaction.atomic
def cash_redemption_request(*, merchant, staff, points: int, at=None) -> Entry:
    """A staff member exchanges points for cash, paid with the month's salary.

    Only on the merchant's days of the month (`LoyaltySettings.cash_redemption_first_day` to
    `_last_day`, local time): outside them `CashRedemptionRefused` says when it opens next.
    At most once per calendar month in the merchant's time zone: the second
    request is refused with `CashRedemptionRefused` (also enforced by the
    ledger key `cash:<account>:<YYYY-MM>`). Shoppers cannot redeem for cash.
    The entry records the staff member's store for the payroll report.
    """
    if not isinstance(staff, Staff) or staff.merchant_id != merchant.pk:
        raise CashRedemptionRefused(_("Only staff can redeem points for cash."))
    if not staff.is_employed:
        raise CashRedemptionRefused(_("Staff who have left cannot redeem points for cash."))
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    at = at or timezone.now()
    window = selectors.cash_redemption_window(merchant=merchant, at=at)
    if not window.is_open:
        raise CashRedemptionRefused(window.explanation)
    account = account_lock(merchant=merchant, staff=staff)
    previous = list(
        Entry.objects.for_merchant(merchant)
        .filter(account=account, source=Source.CASH)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    tz = merchant.tzinfo
    if not rules.cash_redemption_allowed(previous_cash_redemptions=previous, at=at, tz=tz):
        local = rules.local_day(at, tz)
        last = next(p for p in previous if rules.local_day(p, tz).replace(day=1) == local.replace(day=1))
        next_month = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
        raise CashRedemptionRefused(
            _(
                "You already redeemed points for cash this month (on %(last)s). "
                "Cash redemption is allowed once per calendar month; you can redeem again from %(next)s."
            )
            % {
                "last": formats.date_format(rules.local_day(last, tz)),
                "next": formats.date_format(next_month),
            }
        )
    amount = points_value(merchant=merchant, points=points)
    month = rules.local_day(at, tz).strftime("%Y-%m")
    entry = _post(
        account,
        kind=Kind.REDEEM,
        points=-points,
        source=Source.CASH,
        key=f"cash:{account.pk}:{month}",
        at=at,
        store=staff.store,
        cash_amount=amount,
        description=_("Cash with the %(month)s payroll") % {"month": month},
    )
    if entry is None:  # the month's key exists: a concurrent request won
        raise CashRedemptionRefused(_("You already redeemed points for cash this month."))
    return entry
