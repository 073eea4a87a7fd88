"""The offers and facts an order's points were decided on, as JSON (pure: no Django, no ORM).

A paid order keeps what its points were evaluated with (`OrderPointsBasis`): the offers as the
engine saw them (holiday dates and store ids resolved into their filters) and the event facts
(local date, channel, store attributes, payment method, birthday). An edit re-evaluates that
snapshot on the order's new amounts, so a later change of offers, holiday calendars or store
formats never moves the points of past orders.

The encoding is generic over the engine's dataclasses (fields added later with a default are
filled in when an older snapshot is read): Decimal, date, sets and mappings are tagged.
"""

import dataclasses
from collections.abc import Mapping, Set
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from . import offers as rules


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Set):
        return {"$set": sorted((_encode(item) for item in value), key=repr)}
    if isinstance(value, Mapping):
        return {"$map": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$decimal" in value:
            return Decimal(value["$decimal"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$set" in value:
            return frozenset(_decode(item) for item in value["$set"])
        if "$map" in value:
            return {k: _decode(v) for k, v in value["$map"].items()}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _known(cls, data: dict) -> dict:
    """Only the fields `cls` has now (a field removed since is dropped)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def offers_dump(offers: list[rules.Offer]) -> list:
    return [_encode(offer) for offer in offers]


def offers_load(data: list) -> list[rules.Offer]:
    result = []
    for item in data:
        fields = _known(rules.Offer, _decode(item))
        fields["filters"] = rules.Filters(**_known(rules.Filters, fields.get("filters") or {}))
        result.append(rules.Offer(**fields))
    return result


def facts_dump(facts: rules.EventFacts) -> dict:
    """The facts without the lines and amount: those are read from the order at each evaluation."""
    data = _encode(facts)
    data.pop("lines", None)
    data.pop("order_amount", None)
    return data


def facts_load(data: dict, *, lines: tuple[rules.LineFacts, ...], order_amount: Decimal) -> rules.EventFacts:
    """The stored facts with the order's current lines and amount."""
    fields = _known(rules.EventFacts, _decode(data))
    return rules.EventFacts(**{**fields, "lines": lines, "order_amount": order_amount})
