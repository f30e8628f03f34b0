"""Excel workbooks for the yearly archive: the attendance sheet and the follow-up task list.

One sheet with a row per person and session (so it filters and sorts), Chinese headers, real
date cells. User text is always written as text: a topic starting with "=" is never a formula,
and characters XML cannot hold are dropped rather than failing the whole archive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from studytrack.exports.common import ZH, local_date, xml_text, zh
from studytrack.models import TaskStatus
from studytrack.reports.report import SessionReport

DATE_FORMAT = "yyyy-mm-dd"

ATTENDANCE_HEADERS = (
    ZH["date"], ZH["topic"], ZH["kind"], ZH["name"], ZH["position"], ZH["attendance"],
    ZH["leave_reason"], ZH["makeup_on"], ZH["makeup_note"],
)
ATTENDANCE_WIDTHS = (12, 40, 12, 12, 18, 10, 24, 12, 30)

TASK_HEADERS = (
    ZH["date"], ZH["topic"], ZH["task"], ZH["detail"], ZH["assignee"], ZH["task_org"],
    ZH["due_on"], ZH["status"], ZH["overdue"], ZH["completion_note"],
)
TASK_WIDTHS = (12, 36, 30, 36, 12, 16, 12, 10, 8, 30)


def attendance_xlsx(reports: Iterable[SessionReport], title: str = "出勤登记") -> bytes:
    """Every participant of every session: one row each, sessions in the given order."""
    rows: list[Sequence[Any]] = []
    for report in reports:
        day = local_date(report.starts_at)
        for person in report.attendees:
            rows.append((
                day, report.topic, zh(report.kind), person.name, person.position,
                zh(person.status) if person.status else ZH["not_marked"],
                person.leave_reason, person.makeup_on, person.makeup_note,
            ))
    return _workbook(title, ATTENDANCE_HEADERS, ATTENDANCE_WIDTHS, rows)


def tasks_xlsx(reports: Iterable[SessionReport], title: str = "后续任务") -> bytes:
    """Every follow-up task of the sessions (cancelled ones left out)."""
    rows: list[Sequence[Any]] = []
    for report in reports:
        day = local_date(report.starts_at)
        for task in report.tasks:
            if task.status == TaskStatus.CANCELLED:
                continue
            rows.append((
                day, report.topic, task.title, task.detail, task.assignee, task.organization,
                task.due_on, zh(task.status), "是" if task.is_overdue else "",
                task.completion_note,
            ))
    return _workbook(title, TASK_HEADERS, TASK_WIDTHS, rows)


def _workbook(
    title: str, headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[Any]]
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, date):
                cell.value = value
                cell.number_format = DATE_FORMAT
            elif value is not None and value != "":
                cell.value = xml_text(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.alignment = wrap
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
