"""Excel workbooks for the yearly archive: the attendance sheet and the follow-up task list.

One sheet with a row per person and session (so it filters and sorts), Chinese headers, real
date cells. User text is always written as text: a topic starting with "=" is never a formula,
and characters XML cannot hold are dropped rather than failing the whole archive (both done by
`tables.workbook`, which every Excel download shares).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from studytrack.exports import tables
from studytrack.exports.common import ZH, local_date, zh
from studytrack.models import TaskStatus
from studytrack.reports.report import SessionReport

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
    return tables.workbook([tables.Sheet(title, headers, rows, widths)])
