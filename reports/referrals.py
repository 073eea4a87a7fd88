"""Referral-split performance (issue 17 item 5, SPEC section 6): the traffic and sales points the
ledger's referral entries gave each earner in a period, with the sales behind them.

Read from the loyalty ledger (`referral_traffic` / `referral_sales` entries, reversals
included, so a cancelled sale's points net out). Earners: referrer stores, referrer people
(staff or members) and the staff who closed or linked the sales. A manager's scope is their
store: its own account and its staff's.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from commerce.models import Order
from loyalty.models import LoyaltySettings, PointsAccount, PointsLedgerEntry
from omo.money import quantize_money

from .periods import Period
from .selectors import Scope

ZERO = Decimal("0.00")
Source = PointsLedgerEntry.Source


@dataclass
class ReferralFigures:
    kind: str  # "store", "staff" or "member"
    name: str
    store: str = ""
    traffic_points: int = 0
    sales_points: int = 0
    orders: int = 0
    amount: Decimal = ZERO  # the referred sales behind the points (total less refunds)
    value: Decimal = ZERO  # the points' money value at the merchant's point value

    @property
    def points(self) -> int:
        return self.traffic_points + self.sales_points


@dataclass
class ReferralPerformance:
    rows: list[ReferralFigures]
    traffic_points: int
    sales_points: int
    value: Decimal


def _earner(account: PointsAccount) -> tuple[str, str, str]:
    if account.store_id:
        return "store", account.store.name, account.store.name
    if account.staff_id:
        staff = account.staff
        return "staff", staff.display_name, staff.store.name if staff.store else ""
    return "member", str(account.member), ""


def referral_split_get(*, merchant, scope: Scope, period: Period) -> ReferralPerformance:
    entries = PointsLedgerEntry.objects.for_merchant(merchant).filter(
        source__in=(Source.REFERRAL_TRAFFIC, Source.REFERRAL_SALES),
        created_at__gte=period.start,
        created_at__lt=period.end,
    )
    if scope.store_id is not None:
        entries = entries.filter(Q(account__store_id=scope.store_id) | Q(account__staff__store_id=scope.store_id))
    if scope.staff_id is not None:
        entries = entries.filter(account__staff_id=scope.staff_id)
    sums = entries.values("account_id", "source", "order_id").annotate(points=Sum("points")).order_by()

    points = defaultdict(lambda: {Source.REFERRAL_TRAFFIC: 0, Source.REFERRAL_SALES: 0})
    orders_of = defaultdict(set)
    for row in sums:
        points[row["account_id"]][row["source"]] += row["points"]
        if row["points"] and row["order_id"]:
            orders_of[row["account_id"]].add(row["order_id"])
    if not points:
        return ReferralPerformance(rows=[], traffic_points=0, sales_points=0, value=ZERO)

    order_ids = set().union(*orders_of.values())
    amounts = {
        pk: total - returned
        for pk, total, returned in Order.objects.for_merchant(merchant)
        .filter(pk__in=order_ids)
        .values_list("pk", "total", "returned_amount")
    }
    settings = LoyaltySettings.objects.for_merchant(merchant).filter(merchant=merchant).first()
    point_value = settings.point_value if settings else LoyaltySettings._meta.get_field("point_value").default
    accounts = PointsAccount.objects.for_merchant(merchant).select_related("store", "staff__store", "member").in_bulk(
        list(points)
    )
    rows = []
    for account_id, by_source in points.items():
        kind, name, store = _earner(accounts[account_id])
        traffic, sales = by_source[Source.REFERRAL_TRAFFIC], by_source[Source.REFERRAL_SALES]
        rows.append(ReferralFigures(
            kind=kind,
            name=name,
            store=store,
            traffic_points=traffic,
            sales_points=sales,
            orders=len(orders_of[account_id]),
            amount=sum((amounts.get(pk, ZERO) for pk in orders_of[account_id]), ZERO),
            value=quantize_money((traffic + sales) * point_value, merchant.currency),
        ))
    rows.sort(key=lambda r: (-r.points, -r.amount, r.name.casefold()))
    traffic_total = sum(row.traffic_points for row in rows)
    sales_total = sum(row.sales_points for row in rows)
    return ReferralPerformance(
        rows=rows,
        traffic_points=traffic_total,
        sales_points=sales_total,
        value=quantize_money((traffic_total + sales_total) * point_value, merchant.currency),
    )
