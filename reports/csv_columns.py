"""The admin order CSV: its columns, in order, and the CSV encoding. Pure: no ORM.

The selector (`reports.selectors.order_export_rows`) produces one tuple per order with
the values in exactly the order of :data:`COLUMNS`; this module turns such tuples into
CSV bytes. Everything that can be done in SQL (labels, the credited staff, the
settlement amount) is done there, so the only per-row Python work is the local time
and the csv module's own C writer: that keeps the export close to `COPY` speed.

Excel-friendly: UTF-8 with a byte order mark first (Excel otherwise reads the file in
the legacy code page and mangles Chinese or Cyrillic names) and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

BOM = "\ufeff".encode()


@dataclass(frozen=True)
class Column:
    key: str
    title: str


COLUMNS: tuple[Column, ...] = (
    Column("number", _("Order number")),
    Column("placed_at", _("Created at")),
    Column("channel_group", _("Channel")),
    Column("created_from", _("Order Created From")),
    Column("source_store", _("Order Source")),
    Column("order_from", _("Order From")),
    Column("sales", _("Sales")),
    Column("credited", _("Credited")),
    Column("member", _("Member")),
    Column("member_phone", _("Member phone")),
    Column("status", _("Status")),
    Column("payment_status", _("Payment status")),
    Column("currency", _("Currency")),
    Column("item_subtotal", _("Item subtotal")),
    Column("discounts", _("Discounts")),
    Column("store_credit", _("Store credit")),
    Column("points_redeemed", _("Points")),
    Column("shipping", _("Shipping")),
    Column("tax", _("Tax")),
    Column("total", _("Order total")),
    Column("settlement", _("Settlement amount")),
    Column("campaign", _("Campaign")),
    Column("commission", _("Commission")),
)
KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS)
TIME_INDEX = KEYS.index("placed_at")


def header() -> list[str]:
    """Column titles in the active language."""
    return [str(column.title) for column in COLUMNS]


def local_time(value, tz) -> str:
    """An aware datetime as local wall time, to the second (Excel reads it as a date-time)."""
    if value is None:
        return ""
    return value.astimezone(tz).isoformat(" ", "seconds")[:19]


def csv_chunks(rows: Iterable[tuple], *, tz, chunk_rows: int = 2000) -> Iterator[tuple[bytes, int]]:
    """Encode rows to CSV, yielding (bytes, rows in them); the BOM and the header come first.

    Rows are buffered ``chunk_rows`` at a time in a small in-memory text buffer, so memory
    stays flat however many rows there are. ``None`` is written as an empty cell, Decimals
    as their exact text.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    yield BOM + buffer.getvalue().encode(), 0
    t = TIME_INDEX
    batch: list = []
    for row in rows:
        row = list(row)
        value = row[t]
        if value is not None:
            row[t] = value.astimezone(tz).isoformat(" ", "seconds")[:19]
        batch.append(row)
        if len(batch) >= chunk_rows:
            yield _encode(buffer, writer, batch), len(batch)
            batch = []
    if batch:
        yield _encode(buffer, writer, batch), len(batch)


def _encode(buffer: io.StringIO, writer, batch: list) -> bytes:
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(batch)
    return buffer.getvalue().encode()
