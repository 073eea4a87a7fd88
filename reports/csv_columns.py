"""The admin order CSV: its columns, in order, and the CSV encoding. Pure: no ORM.

The selector (`reports.selectors.order_export_rows`) produces one tuple per order with
the values in exactly the order of :data:`COLUMNS`; this module turns such tuples into
CSV bytes. Everything that can be done in SQL (labels, the credited staff, the
settlement amount, local times, money as text) is done there, so the only per-row
Python work is the csv module's own C writer: that keeps the export close to `COPY`.

Excel-friendly: UTF-8 with a byte order mark first (Excel otherwise reads the file in
the legacy code page and mangles Chinese or Cyrillic names) and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
    Column("sales", pgettext_lazy("salesperson", "Sales")),
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


def header() -> list[str]:
    """Column titles in the active language."""
    return [str(column.title) for column in COLUMNS]


def csv_chunks(rows: Iterable[tuple], *, chunk_rows: int = 2000) -> Iterator[tuple[bytes, int]]:
    """Encode rows to CSV, yielding (bytes, rows in them); the BOM and the header come first.

    Rows are buffered ``chunk_rows`` at a time in a small in-memory text buffer, so memory
    stays flat however many rows there are. ``None`` is written as an empty cell, Decimals
    as their exact text. Rows arrive ready to write (times already local text): there is no
    per-row Python work here beyond the csv module's C writer.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    yield BOM + buffer.getvalue().encode(), 0
    for batch in _batches(rows, chunk_rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue().encode(), len(batch)


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
