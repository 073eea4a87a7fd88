"""CSV downloads that open correctly in Excel: UTF-8 with a byte order mark first (so Chinese and
Cyrillic text is not garbled), streamed row by row, and text cells that a spreadsheet would run
as a formula (CSV injection) prefixed with an apostrophe."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_cell(value):
    """Numbers pass as they are; text that Excel would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def phone_cell(value: str) -> str:
    """A phone number that stays text in Excel (no 8.86912E+11, the leading 0 kept): typed text."""
    return "'" + value if value else ""


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow([str(title) for title in header])
    for row in rows:
        yield writer.writerow([excel_cell(value) for value in row])


def csv_download(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
