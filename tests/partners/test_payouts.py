"""Commission lifecycle: pending -> approved after the return window (or early, or rejected), payout
batches per period and currency, paid, and a clawback adjustment after a refund; tiers in the rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commerce.services import order_update
from omo.audit.models import AuditEvent
from partners import payouts, selectors
from partners.commission import CommissionRule, Tier, tiered_amount
from partners.models import Commission, CommissionAdjustment, CommissionTotals, PayoutLine
from partners.tasks import sweep_commissions_due_task
from tests.factories import VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def setup(merchant, run):
    campaign = make_campaign(merchant, rate="10")
    partner = make_partner(email="kol@example.com")
    bind(merchant, campaign, partner)
    tea = VariationFactory(merchant=merchant, product__name="Tea", price=D("100"))
    return campaign, partner, tea


def _order(merchant, run, campaign, tea, number, qty=2, **kwargs):
    kwargs.setdefault("paid_amount", D(100 * qty))
    kwargs.setdefault("payment_status", "paid")
    return run(referred_order, merchant, campaign, number=number, lines=[line(tea, qty, "100.00")], **kwargs)


def _commission(merchant, order):
    return Commission.objects.for_merchant(merchant).get(campaign_order__order=order)


def _totals(merchant, campaign):
    t = CommissionTotals.objects.for_merchant(merchant).get(campaign=campaign)
    return {"pending": t.pending, "approved": t.approved, "rejected": t.rejected, "paid": t.paid, "adjusted": t.adjusted}


def _line(merchant, payout):
    return PayoutLine.objects.for_merchant(merchant).get(payout=payout)


def _actions(merchant):
    return list(AuditEvent.objects.for_merchant(merchant).order_by("pk").values_list("action", flat=True))


def test_pending_until_the_return_window_passes_then_approved_by_the_sweep(merchant, run, setup):
    campaign, partner, tea = setup
    run(payouts.campaign_payout_terms_set, merchant=merchant, campaign=campaign, return_window_days=7, tiers=[])
    order = _order(merchant, run, campaign, tea, "P-1")
    item = _commission(merchant, order)
    assert (item.status, item.amount, item.due_at) == ("pending", D("20.00"), None)  # not completed: no clock yet

    run(order_update, merchant=merchant, order=order, changes={"status": "completed"})
    item.refresh_from_db()
    assert item.due_at == item.completed_at + timedelta(days=7)
    sweep_commissions_due_task()
    item.refresh_from_db()
    assert item.status == "pending"  # window still open

    Commission.objects.for_merchant(merchant).filter(pk=item.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    sweep_commissions_due_task()
    item.refresh_from_db()
    assert item.status == "approved"
    assert _totals(merchant, campaign)["approved"] == D("20.00") and _totals(merchant, campaign)["pending"] == 0
    assert "commission.approve" in _actions(merchant)


def test_merchant_approves_early_or_rejects_with_a_reason_the_partner_sees(merchant, run, setup):
    campaign, partner, tea = setup
    early = _commission(merchant, _order(merchant, run, campaign, tea, "P-1"))
    rejected = _commission(merchant, _order(merchant, run, campaign, tea, "P-2", qty=1))
    payouts.commission_approve(merchant=merchant, commission=early)
    payouts.commission_reject(merchant=merchant, commission=rejected, reason="Test order by the partner")
    assert _totals(merchant, campaign) == {
        "pending": 0, "approved": D("20.00"), "rejected": D("10.00"), "paid": 0, "adjusted": 0,
    }
    with pytest.raises(ValidationError):
        payouts.commission_approve(merchant=merchant, commission=rejected)
    with pytest.raises(ValidationError):
        payouts.commission_reject(merchant=merchant, commission=early, reason="")
    rows = {row.order.number: row for row in selectors.campaign_orders(merchant=merchant, campaign=campaign)}
    assert rows["P-2"].lifecycle.reject_reason == "Test order by the partner"
    assert _actions(merchant).count("commission.reject") == 1


def test_payout_batch_paid_then_refund_claws_back_into_the_next_payout(merchant, run, setup):
    campaign, partner, tea = setup
    paid_order = _order(merchant, run, campaign, tea, "P-1", qty=3)  # 30.00
    other = _order(merchant, run, campaign, tea, "P-2", qty=1)  # 10.00, stays pending
    payouts.commission_approve(merchant=merchant, commission=_commission(merchant, paid_order))
    today = timezone.localdate(timezone=merchant.tzinfo)
    with pytest.raises(ValidationError):
        payouts.payout_create(merchant=merchant, period_start=today, period_end=today, currency="EUR")

    payout = payouts.payout_create(
        merchant=merchant, period_start=today - timedelta(days=30), period_end=today, currency=campaign.currency
    )
    assert payout.total == D("30.00") and _line(merchant, payout).partner == partner
    with pytest.raises(ValidationError):  # nothing left for the same period
        payouts.payout_create(
            merchant=merchant, period_start=today - timedelta(days=30), period_end=today, currency=campaign.currency
        )
    payouts.payout_mark_paid(merchant=merchant, payout=payout)
    item = _commission(merchant, paid_order)
    assert item.status == "paid" and item.paid_at is not None
    assert _commission(merchant, other).status == "pending"
    assert _totals(merchant, campaign)["paid"] == D("30.00")

    # One unit returned and refunded after payment: -10.00 carried into the next payout.
    run(order_update, merchant=merchant, order=paid_order, changes={"returned_amount": D("100.00")},
        lines=[line(tea, 3, "100.00", returned_quantity=1, returned_amount=D("100.00"))])
    adjustment = CommissionAdjustment.objects.for_merchant(merchant).get()
    assert adjustment.amount == D("-10.00") and adjustment.payout_line is None
    item.refresh_from_db()
    assert item.amount == D("30.00")  # what was paid stays; the difference is the adjustment
    assert _totals(merchant, campaign)["adjusted"] == D("-10.00")

    # The refund replayed changes nothing more (idempotent).
    run(order_update, merchant=merchant, order=paid_order, changes={"payment_status": "paid"})
    assert CommissionAdjustment.objects.for_merchant(merchant).count() == 1

    # Next payout: the approved 10.00 and the -10.00 leave nothing to pay -> carried again.
    payouts.commission_approve(merchant=merchant, commission=_commission(merchant, other))
    with pytest.raises(ValidationError):
        payouts.payout_create(merchant=merchant, period_start=today - timedelta(days=30), period_end=today,
                              currency=campaign.currency)
    more = _commission(merchant, _order(merchant, run, campaign, tea, "P-3", qty=5))  # 50.00
    payouts.commission_approve(merchant=merchant, commission=more)
    second = payouts.payout_create(merchant=merchant, period_start=today - timedelta(days=30), period_end=today,
                                   currency=campaign.currency)
    second_line = _line(merchant, second)
    assert (second_line.commission_total, second_line.adjustment_total, second_line.amount) == (
        D("60.00"), D("-10.00"), D("50.00")
    )
    assert {"payout.create", "payout.paid", "commission.adjust"} <= set(_actions(merchant))


def test_full_refund_after_payment_claws_back_the_whole_commission(merchant, run, setup):
    campaign, partner, tea = setup
    order = _order(merchant, run, campaign, tea, "P-1")
    payouts.commission_approve(merchant=merchant, commission=_commission(merchant, order))
    today = timezone.localdate(timezone=merchant.tzinfo)
    payout = payouts.payout_create(merchant=merchant, period_start=today, period_end=today, currency=campaign.currency)
    payouts.payout_mark_paid(merchant=merchant, payout=payout)
    run(order_update, merchant=merchant, order=order, changes={"payment_status": "refunded"})
    assert [a.amount for a in CommissionAdjustment.objects.for_merchant(merchant)] == [D("-20.00")]


def test_payout_period_is_the_order_date_in_merchant_time(merchant, run, setup):
    campaign, partner, tea = setup
    old = _order(merchant, run, campaign, tea, "P-OLD", placed_at=timezone.now() - timedelta(days=40))
    payouts.commission_approve(merchant=merchant, commission=_commission(merchant, old))
    today = timezone.localdate(timezone=merchant.tzinfo)
    with pytest.raises(ValidationError):
        payouts.payout_create(merchant=merchant, period_start=today - timedelta(days=7), period_end=today,
                              currency=campaign.currency)
    assert payouts.payout_create(merchant=merchant, period_start=date(2000, 1, 1), period_end=today,
                                 currency=campaign.currency).total == D("20.00")


def test_other_merchant_cannot_touch_a_commission(merchant, other_merchant, run, setup):
    campaign, partner, tea = setup
    item = _commission(merchant, _order(merchant, run, campaign, tea, "P-1"))
    with pytest.raises(Commission.DoesNotExist):
        payouts.commission_approve(merchant=other_merchant, commission=item)


# --- tiers -----------------------------------------------------------------------------------

RULE = CommissionRule(condition="whole_order", commission_type="percentage", rate=D("10"),
                      tiers=(Tier(from_sales=D("50000"), rate=D("12")),))


@pytest.mark.parametrize(
    "prior, base, expected",
    [
        ("0", "50000", "5000"),  # exactly up to the threshold: all at 10 %
        ("49999", "1", "0.1"),  # the last unit below the threshold
        ("50000", "1", "0.12"),  # the first unit at the threshold: 12 %
        ("49999", "2", "0.22"),  # straddles: 1 at 10 % + 1 at 12 %
        ("0", "60000", "6200"),  # 50,000 x 10 % + 10,000 x 12 %
        ("70000", "100", "12"),  # well above
    ],
)
def test_tier_boundaries(prior, base, expected):
    assert tiered_amount(D(base), D(prior), RULE) == D(expected)


def test_tiers_do_not_depend_on_the_order_of_orders():
    orders = [D("30000"), D("25000"), D("5000")]
    total, prior = D(0), D(0)
    for base in orders:
        total += tiered_amount(base, prior, RULE)
        prior += base
    assert total == D("6200")  # as one order of 60,000


def test_tiers_need_a_percentage_commission():
    with pytest.raises(ValueError):
        CommissionRule(condition="whole_order", commission_type="fixed", rate=D("50"),
                       tiers=(Tier(from_sales=D("100"), rate=D("60")),))


def test_tiers_applied_by_the_worker_across_the_month(merchant, run, setup):
    campaign, partner, tea = setup
    run(payouts.campaign_payout_terms_set, merchant=merchant, campaign=campaign, return_window_days=14,
        tiers=[payouts.TierInput(from_sales=D("500"), rate=D("12"))])
    now = timezone.now()
    first = _order(merchant, run, campaign, tea, "T-1", qty=4, placed_at=now - timedelta(minutes=3))  # 400 @10 %
    second = _order(merchant, run, campaign, tea, "T-2", qty=2, placed_at=now - timedelta(minutes=2))
    # 400 before: 100 at 10 % + 100 at 12 % = 22.00
    assert (_commission(merchant, first).amount, _commission(merchant, second).amount) == (D("40.00"), D("22.00"))
    # The first order is partly returned: the second now starts from 300 -> all 200 at 10 %.
    run(order_update, merchant=merchant, order=first, changes={"returned_amount": D("100.00")},
        lines=[line(tea, 4, "100.00", returned_quantity=1, returned_amount=D("100.00"))])
    assert (_commission(merchant, first).amount, _commission(merchant, second).amount) == (D("30.00"), D("20.00"))
    assert "campaign.payout_terms" in _actions(merchant)


def test_tiers_refused_on_a_fixed_campaign(merchant):
    campaign = make_campaign(merchant, commission_type="fixed", rate="50")
    with pytest.raises(ValidationError):
        payouts.campaign_payout_terms_set(merchant=merchant, campaign=campaign, return_window_days=7,
                                          tiers=[payouts.TierInput(from_sales=D("100"), rate=D("5"))])
