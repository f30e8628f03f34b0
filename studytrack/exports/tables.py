"""Tables to Excel: any number of sheets of rows, written in openpyxl's streaming mode.

Every Excel download (the archive's attendance and task lists, the dashboards, a member's
record) goes through `workbook()`:

    data = workbook([
        Sheet("汇总", ["单位", "出勤率"], [("机关党委", 0.9)], widths=[24, 10],
              percent_columns={1}),
    ])
    return send_workbook(data, "2026年 学习情况.xlsx")

Cells:
- a `date` is a real date cell (yyyy-mm-dd); a `datetime` a real date-time cell
  (yyyy-mm-dd hh:mm) — an aware datetime is first turned into local time (Asia/Shanghai), since
  Excel has no time zones;
- numbers stay numbers (Decimal included). A *rate* (a float 0..1) is shown as a percentage
  when its column index (0-based) is in `Sheet.percent_columns`, or when the value is wrapped
  in `Percent(...)` (for a single cell, e.g. in a label/value sheet). None is an empty cell;
- `bool` is written as 是 / 否;
- every string is a text cell whatever it starts with ("=", "+", "-", "@" never become a
  formula) and characters XML cannot hold are dropped (`common.xml_text`).

Headers are bold on a grey fill, the first row is frozen and filterable. Sheet titles are made
legal (no []:*?/\\, at most 31 characters, unique within the workbook).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from studytrack import timeutil
from studytrack.exports.common import xml_text

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


class Percent(float):
    """A rate (0..1) to be shown as a percentage, whatever its column."""


@dataclass
class Sheet:
    """One table. `percent_columns` holds the 0-based indexes of columns of rates (0..1)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None
    percent_columns: set[int] = field(default_factory=set)


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A legal, unique sheet title: no []:*?/\\, no apostrophe at either end, 31 characters."""
    text = _TITLE_FORBIDDEN.sub(" ", xml_text(title)).strip().strip("'").strip() or "Sheet"
    text = text[:31]
    taken_lower = {name.lower() for name in taken}
    candidate, number = text, 2
    while candidate.lower() in taken_lower:
        suffix = f" ({number})"
        candidate = text[: 31 - len(suffix)] + suffix
        number += 1
    return candidate


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The .xlsx file of the sheets, in order (an empty workbook gets one empty sheet)."""
    book = Workbook(write_only=True)
    titles: list[str] = []
    for sheet in sheets or [Sheet("Sheet", (), ())]:
        title = sheet_title(sheet.title, titles)
        titles.append(title)
        _write_sheet(book.create_sheet(title), sheet)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws: Any, sheet: Sheet) -> None:
    for column, width in enumerate(sheet.widths or (), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    headers = list(sheet.headers)
    if headers:
        ws.freeze_panes = "A2"
        ws.append([_header_cell(ws, text) for text in headers])
    row_count, max_columns = 0, len(headers)
    for values in sheet.rows:
        row = [
            _cell(ws, value, index in sheet.percent_columns)
            for index, value in enumerate(values)
        ]
        ws.append(row)
        row_count += 1
        max_columns = max(max_columns, len(row))
    if headers and row_count:
        ws.auto_filter.ref = f"A1:{get_column_letter(max_columns)}{row_count + 1}"


def _header_cell(ws: Any, text: str) -> Cell:
    cell = WriteOnlyCell(ws)
    cell.value = xml_text(text)
    cell.data_type = "s"
    cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
    return cell


def _cell(ws: Any, value: Any, percent: bool) -> Cell | None:
    if value is None or value == "":
        return None
    cell = WriteOnlyCell(ws)
    if isinstance(value, bool):
        cell.value = "是" if value else "否"
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            value = timeutil.utc_to_local(value).replace(tzinfo=None)
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float | Decimal):
        cell.value = float(value) if isinstance(value, Percent) else value
        if percent or isinstance(value, Percent):
            cell.number_format = PERCENT_FORMAT
    else:
        cell.value = xml_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.alignment = _TEXT_ALIGNMENT
    return cell


def send_workbook(data: bytes, filename: str) -> Response:
    """A download of the workbook; the Chinese file name goes out as RFC 5987 `filename*`."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = send_file(
        BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename
    )
    response.content_length = len(data)
    # Tables name people and their records: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
