"""In-memory replay of attribution events (SPEC section 3, "Replay interface").

Reads one JSON event per line, validates it strictly, builds plain facts in
memory (no ORM) and, once every line has been read, decides each order with
``rules.decide``: the very function the Celery worker calls, so acceptance
tests exercise the production rules and not a second copy.

Resignations and store removals are judged by their ``at`` against the order
time, so where they appear in the file does not matter. References, however,
must point at ids defined on an earlier line ("applied in file order").
Unknown keys are ignored so producers may add context (``device`` on an order,
``member`` on a link, ``shared_by`` on a click) without breaking replays; the
keys the rules need are required and type-checked.

The merchant settings come from at most one ``settings`` line, before the
first order (``window_hours`` a positive integer, ``in_store_credit`` a
boolean, both optional); an order's optional ``channel`` is ``"online"`` (the
default) or ``"store"``; a member's optional ``staff`` names the staff member
whose own shopper account it is (self-referral).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from attribution.rules import (
    MAX_WINDOW_HOURS,
    Channel,
    ClickFacts,
    Decision,
    OrderFacts,
    Policy,
    decide,
)

Result = dict[str, str | None]


class ReplayError(Exception):
    """A bad input line; ``line_number`` is 1-based (0: the file itself)."""

    def __init__(self, line_number: int, message: str) -> None:
        super().__init__(line_number, message)
        self.line_number = line_number
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}"


class _Invalid(Exception):
    """Raised by field checks; the caller adds the line number."""


# --- field checks -------------------------------------------------------------


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads silently keeps the last of duplicate keys; an event with two
    # "at" values is ambiguous, so refuse it.
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _Invalid(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise _Invalid(f"{name} is not valid JSON")


def _id(event: dict[str, Any], key: str) -> str:
    if key not in event:
        raise _Invalid(f"missing field {key!r}")
    value = event[key]
    if not isinstance(value, str) or not value:
        raise _Invalid(f"field {key!r} must be a non-empty string")
    return value


def _time(event: dict[str, Any], key: str) -> datetime:
    if key not in event:
        raise _Invalid(f"missing field {key!r}")
    value = event[key]
    if not isinstance(value, str):
        raise _Invalid(f"field {key!r} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"field {key!r} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _Invalid(f"field {key!r} has no UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def _total(event: dict[str, Any]) -> Decimal:
    if "total" not in event:
        raise _Invalid("missing field 'total'")
    value = event["total"]
    # bool is an int subclass; true is not an amount.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Invalid("field 'total' must be a decimal string")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise _Invalid(f"field 'total' is not a decimal: {value!r}") from None
    if not amount.is_finite():
        raise _Invalid(f"field 'total' is not a decimal: {value!r}")
    if amount < 0:
        raise _Invalid(f"field 'total' is negative: {value!r}")
    return amount


def _optional_str(event: dict[str, Any], key: str) -> str | None:
    value = event.get(key)
    if value is not None and not isinstance(value, str):
        raise _Invalid(f"field {key!r} must be a string")
    return value


def _optional_str_list(event: dict[str, Any], key: str) -> list[str]:
    value = event.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"field {key!r} must be a list of strings")
    return value


# The file's words for the order channels (SPEC section 3).
ORDER_CHANNELS = {"online": Channel.ONLINE, "store": Channel.STORE}


def _channel(event: dict[str, Any]) -> Channel:
    value = event.get("channel", "online")
    if not isinstance(value, str):
        raise _Invalid("field 'channel' must be a string")
    if value not in ORDER_CHANNELS:
        raise _Invalid(f"unknown channel {value!r} (expected 'online' or 'store')")
    return ORDER_CHANNELS[value]


def _window_hours(event: dict[str, Any]) -> int | None:
    if "window_hours" not in event:
        return None
    value = event["window_hours"]
    # bool is an int subclass and 24.0 is not an integer in the file's terms.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"field 'window_hours' must be a positive integer: {value!r}")
    if value < 1:
        raise _Invalid(f"field 'window_hours' must be a positive integer: {value!r}")
    if value > MAX_WINDOW_HOURS:
        raise _Invalid(f"field 'window_hours' is longer than {MAX_WINDOW_HOURS} hours: {value!r}")
    return value


def _optional_bool(event: dict[str, Any], key: str) -> bool | None:
    value = event.get(key)
    if value is not None and not isinstance(value, bool):
        raise _Invalid(f"field {key!r} must be true or false")
    return value


# --- the in-memory scenario ----------------------------------------------------


@dataclass(frozen=True)
class _Link:
    staff_id: str
    store_id: str


@dataclass
class Scenario:
    """Facts accumulated from events, keyed the way ``decide`` needs them."""

    stores: set[str] = field(default_factory=set)
    staff: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    links: dict[str, _Link] = field(default_factory=dict)
    orders: dict[str, OrderFacts] = field(default_factory=dict)
    order_member: dict[str, str] = field(default_factory=dict)
    cancelled: dict[str, datetime] = field(default_factory=dict)
    clicks_by_member: dict[str, list[ClickFacts]] = field(
        default_factory=lambda: defaultdict(list)
    )
    orders_by_member: dict[str, list[OrderFacts]] = field(
        default_factory=lambda: defaultdict(list)
    )
    staff_resigned_at: dict[str, datetime | None] = field(default_factory=dict)
    store_removed_at: dict[str, datetime | None] = field(default_factory=dict)
    # member -> the staff member whose own shopper account it is
    member_staff: dict[str, str] = field(default_factory=dict)
    # The merchant settings line, if any (at most one, before the first order).
    policy: Policy | None = None
    settings_line: int | None = None

    # Each handler validates one event kind, then records it.

    def _store(self, event: dict[str, Any], line: int) -> None:
        store_id = _id(event, "id")
        self._new(store_id, self.stores, "store")
        self.stores.add(store_id)

    def _staff(self, event: dict[str, Any], line: int) -> None:
        staff_id = _id(event, "id")
        self._known(_id(event, "store"), self.stores, "store")
        self._new(staff_id, self.staff, "staff")
        self.staff.add(staff_id)

    def _member(self, event: dict[str, Any], line: int) -> None:
        member_id = _id(event, "id")
        staff_id = _optional_str(event, "staff")
        if staff_id is not None:
            self._known(staff_id, self.staff, "staff")
        self._new(member_id, self.members, "member")
        self.members.add(member_id)
        if staff_id is not None:
            self.member_staff[member_id] = staff_id

    def _settings(self, event: dict[str, Any], line: int) -> None:
        if self.settings_line is not None:
            raise _Invalid(f"a second settings line (the first is line {self.settings_line})")
        if self.orders:
            raise _Invalid("settings must come before the first order")
        window_hours = _window_hours(event)
        in_store_credit = _optional_bool(event, "in_store_credit")
        defaults = Policy()
        self.policy = Policy(
            window_hours=defaults.window_hours if window_hours is None else window_hours,
            in_store_credit=defaults.in_store_credit if in_store_credit is None else in_store_credit,
        )
        self.settings_line = line

    def _link(self, event: dict[str, Any], line: int) -> None:
        link_id = _id(event, "id")
        staff_id = self._known(_id(event, "staff"), self.staff, "staff")
        store_id = self._known(_id(event, "store"), self.stores, "store")
        _optional_str_list(event, "products")
        # The member the link was made for plays no part in attribution (the
        # clicking account counts), but a named member must exist.
        if (member_id := _optional_str(event, "member")) is not None:
            self._known(member_id, self.members, "member")
        self._new(link_id, self.links, "link")
        self.links[link_id] = _Link(staff_id=staff_id, store_id=store_id)

    def _click(self, event: dict[str, Any], line: int) -> None:
        link_id = self._known(_id(event, "link"), self.links, "link")
        member_id = self._known(_id(event, "member"), self.members, "member")
        at = _time(event, "at")
        _optional_str(event, "device")  # recorded by production, ignored by rules
        link = self.links[link_id]
        # Clicks carry no id in the file; the zero-padded line number makes
        # "larger id wins" on equal times mean "later in the file wins".
        self.clicks_by_member[member_id].append(
            ClickFacts(
                id=f"line-{line:09d}",
                link_id=link_id,
                staff_id=link.staff_id,
                store_id=link.store_id,
                at=at,
            )
        )

    def _order(self, event: dict[str, Any], line: int) -> None:
        order_id = _id(event, "id")
        member_id = self._known(_id(event, "member"), self.members, "member")
        at = _time(event, "at")
        _total(event)
        channel = _channel(event)
        self._new(order_id, self.orders, "order")
        order = OrderFacts(id=order_id, at=at, channel=channel, member_staff_id=self.member_staff.get(member_id))
        self.orders[order_id] = order
        self.order_member[order_id] = member_id
        self.orders_by_member[member_id].append(order)

    def _staff_resigned(self, event: dict[str, Any], line: int) -> None:
        staff_id = self._known(_id(event, "id"), self.staff, "staff")
        at = _time(event, "at")
        if staff_id in self.staff_resigned_at:
            raise _Invalid(f"staff {staff_id!r} already resigned")
        self.staff_resigned_at[staff_id] = at

    def _store_removed(self, event: dict[str, Any], line: int) -> None:
        store_id = self._known(_id(event, "id"), self.stores, "store")
        at = _time(event, "at")
        if store_id in self.store_removed_at:
            raise _Invalid(f"store {store_id!r} already removed")
        self.store_removed_at[store_id] = at

    def _order_cancelled(self, event: dict[str, Any], line: int) -> None:
        order_id = self._known(_id(event, "id"), self.orders, "order")
        at = _time(event, "at")
        if order_id in self.cancelled:
            raise _Invalid(f"order {order_id!r} already cancelled")
        # Kept for completeness only: a cancelled order keeps its attribution
        # (performance excludes it) and still used its click.
        self.cancelled[order_id] = at

    @staticmethod
    def _new(value: str, existing: Container[str], kind: str) -> None:
        if value in existing:
            raise _Invalid(f"duplicate {kind} id {value!r}")

    @staticmethod
    def _known(value: str, existing: Container[str], kind: str) -> str:
        if value not in existing:
            raise _Invalid(f"unknown {kind} {value!r}")
        return value

    def apply(self, event: dict[str, Any], line: int) -> None:
        if "type" not in event:
            raise _Invalid("missing field 'type'")
        kind = event["type"]
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise _Invalid(f"unknown event type {kind!r}")
        handler(self, event, line)

    def decisions(self) -> dict[str, Decision]:
        """Decide every order; cancelled ones included."""
        return {
            order_id: decide(
                order=order,
                clicks=self.clicks_by_member[self.order_member[order_id]],
                other_orders=self.orders_by_member[self.order_member[order_id]],
                staff_resigned_at=self.staff_resigned_at,
                store_removed_at=self.store_removed_at,
                policies=[self.policy] if self.policy else [],
            )
            for order_id, order in self.orders.items()
        }


_HANDLERS: dict[str, Callable[[Scenario, dict[str, Any], int], None]] = {
    "store": Scenario._store,
    "staff": Scenario._staff,
    "member": Scenario._member,
    "settings": Scenario._settings,
    "link": Scenario._link,
    "click": Scenario._click,
    "order": Scenario._order,
    "staff_resigned": Scenario._staff_resigned,
    "store_removed": Scenario._store_removed,
    "order_cancelled": Scenario._order_cancelled,
}

EVENT_TYPES = frozenset(_HANDLERS)


# --- entry points ---------------------------------------------------------------


def parse_line(text: str, line: int) -> dict[str, Any]:
    """One JSON object per line, or ReplayError naming the line."""
    try:
        event = json.loads(
            text,
            object_pairs_hook=_reject_duplicate_keys,
            parse_constant=_reject_constant,  # NaN / Infinity
        )
    except json.JSONDecodeError as exc:
        raise ReplayError(line, f"invalid JSON: {exc.msg}") from None
    except _Invalid as exc:
        raise ReplayError(line, f"invalid JSON: {exc}") from None
    if not isinstance(event, dict):
        raise ReplayError(line, "event must be a JSON object")
    return event


def natural_key(value: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key putting "o2" before "o10"; the raw chunk breaks ties ("o01")."""
    return tuple(
        (0, int(chunk), chunk) if chunk.isdigit() else (1, 0, chunk)
        for chunk in re.split(r"([0-9]+)", value)
        if chunk
    )


def replay_decisions(lines: Iterable[str]) -> dict[str, Decision]:
    """Validate and apply every line, then decide each order (keyed by id)."""
    scenario = Scenario()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue  # blank lines are skipped but still counted
        event = parse_line(text, number)
        try:
            scenario.apply(event, number)
        except _Invalid as exc:
            raise ReplayError(number, str(exc)) from None
    return scenario.decisions()


def result_of(order_id: str, decision: Decision, *, explain: bool = False) -> Result:
    result: Result = {
        "order": order_id,
        "store": decision.store_id,
        "staff": decision.staff_id,
    }
    if explain:
        result["reason"] = str(decision.reason)
    return result


def replay(lines: Iterable[str], *, explain: bool = False) -> list[Result]:
    """Results ``{"order", "store", "staff"}`` (+ ``"reason"``), natural id order.

    Raises ReplayError on the first bad line; nothing is decided until every
    line has been read, so a bad line means no results at all.
    """
    decisions = replay_decisions(lines)
    return [
        result_of(order_id, decisions[order_id], explain=explain)
        for order_id in sorted(decisions, key=natural_key)
    ]


def read_lines(path: str | Path) -> Iterator[str]:
    """Decode a file line by line so bad UTF-8 is reported with its line."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # tolerate a BOM from Windows editors
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ReplayError(number, "not valid UTF-8") from None


def replay_file(path: str | Path, *, explain: bool = False) -> list[Result]:
    """Replay a JSONL file; OSError propagates for the caller to report."""
    return replay(read_lines(path), explain=explain)
