"""The kept basis of an order's points round-trips through JSON unchanged (pure, no database)."""

import json
from datetime import date
from decimal import Decimal as D
from uuid import UUID

from loyalty import offer_snapshot
from loyalty import offers as rules


def test_offers_and_facts_survive_json_and_evaluate_alike():
    offers = [
        rules.Offer(id=1, name="1 per 10", event="order_paid", action="points_per_amount", value=D("1"),
                    per_amount=D("10.00")),
        rules.Offer(id=UUID(int=7), name="Holiday hypermarket", event="order_paid", action="fixed_points",
                    value=D("50"), campaign=True, stacking_group="promo",
                    filters=rules.Filters(holidays={date(2025, 6, 10)}, store_attributes={"format": "Hypermarket"},
                                          payment_methods={"online"}, store_ids={3, 4}, channels={"web"})),
    ]
    facts = rules.EventFacts(
        kind="order_paid", local_date=date(2025, 6, 10), channel="web", store_id=3,
        store_attributes={"format": "Hypermarket"}, payment_method="online", member_birthday=date(1990, 2, 28),
        lines=(rules.LineFacts(product_id=1, category="tea", amount=D("200.00")),), order_amount=D("200.00"),
    )
    stored_offers = json.loads(json.dumps(offer_snapshot.offers_dump(offers)))
    stored_facts = json.loads(json.dumps(offer_snapshot.facts_dump(facts)))
    assert "lines" not in stored_facts and "order_amount" not in stored_facts

    loaded = offer_snapshot.offers_load(stored_offers)
    again = offer_snapshot.facts_load(stored_facts, lines=facts.lines, order_amount=facts.order_amount)
    assert [o.id for o in loaded] == [1, str(UUID(int=7))]  # ids are only compared for equality
    assert loaded[0] == offers[0] and loaded[1].filters == offers[1].filters
    assert again == facts
    points = [a.points for a in rules.evaluate(again, loaded, stacking="sum")]
    assert points == [a.points for a in rules.evaluate(facts, offers, stacking="sum")] == [20, 50]


def test_a_snapshot_without_a_field_added_later_gets_its_default():
    stored = offer_snapshot.offers_dump([rules.Offer(id=1, name="x", event="order_paid", action="fixed_points",
                                                     value=D("5"))])
    del stored[0]["filters"]["birthday_month"]
    stored[0]["filters"]["a_field_removed_since"] = True
    assert offer_snapshot.offers_load(stored)[0].filters.birthday_month is False
