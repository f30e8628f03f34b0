"""Excel workbooks for the yearly archive: the attendance sheet, the follow-up task list, the
list of reflections and the year's plan with what became of each item.

One sheet with a row per person and session (so it filters and sorts), Chinese headers, real
date cells. User text is always written as text: a topic starting with "=" is never a formula,
and characters XML cannot hold are dropped rather than failing the whole archive (both done by
`tables.workbook`, which every Excel download shares).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from studytrack.exports import tables
from studytrack.exports.common import ZH, local_date, zh
from studytrack.models import TaskStatus
from studytrack.reports.report import SessionReport
from studytrack.timeutil import local_naive

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


REFLECTION_HEADERS = ("日期", "主题", "姓名", "职务", "状态", "提交时间", "是否逾期", "字数")
REFLECTION_WIDTHS = (12, 36, 10, 20, 10, 18, 8, 8)
PLAN_HEADERS = ("时间", "学习专题", "形式", "责任人", "完成情况", "对应的学习活动")
PLAN_WIDTHS = (10, 40, 10, 10, 12, 48)


@dataclass(frozen=True)
class PlanLine:
    """One item of the year's study plan, as the archive lists it (all in Chinese)."""

    period: str  # "3月", "第二季度"
    topic: str
    kind: str
    responsible: str
    status: str  # 已开展 / 待开展 / 逾期未开展
    sessions: str  # the sessions linked to it: "2026-03-26 主题；…"


EVALUATION_HEADERS = ("日期", "主题", "列席督导人员", "派出单位", "评价要点及得分", "平均得分",
                      "评价意见")
EVALUATION_WIDTHS = (12, 36, 12, 18, 40, 10, 48)


@dataclass(frozen=True)
class EvaluationLine:
    """A supervisor's evaluation of a session (列席旁听), as the archive lists it."""

    day: Any  # the session's local date
    topic: str
    supervisor: str
    unit: str
    ratings: dict[str, int]
    comments: str | None


def evaluations_xlsx(lines: Iterable[EvaluationLine], title: str = "列席督导评价") -> bytes:
    rows = [
        (line.day, line.topic, line.supervisor, line.unit,
         "；".join(f"{point} {score}分" for point, score in line.ratings.items()),
         round(sum(line.ratings.values()) / len(line.ratings), 1) if line.ratings else None,
         line.comments)
        for line in lines
    ]
    return _workbook(title, EVALUATION_HEADERS, EVALUATION_WIDTHS, rows)


def reflections_xlsx(reports: Iterable[SessionReport], title: str = "心得体会") -> bytes:
    """Every reflection owed or written at the sessions, whatever its status (one not yet
    handed in says so): what an inspection checks beside the accepted texts."""
    rows: list[Sequence[Any]] = []
    for report in reports:
        day = local_date(report.starts_at)
        for reflection in report.reflections:
            rows.append((
                day, report.topic, reflection.author, reflection.position,
                zh(reflection.status) if reflection.status else "未提交",
                local_naive(reflection.submitted_at), "是" if reflection.is_late else "",
                reflection.char_count or None,
            ))
    return _workbook(title, REFLECTION_HEADERS, REFLECTION_WIDTHS, rows)


def plan_xlsx(lines: Iterable[PlanLine], title: str = "年度学习计划") -> bytes:
    rows = [(line.period, line.topic, line.kind, line.responsible, line.status, line.sessions)
            for line in lines]
    return _workbook(title, PLAN_HEADERS, PLAN_WIDTHS, rows)


def _workbook(
    title: str, headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[Any]]
) -> bytes:
    return tables.workbook([tables.Sheet(title, headers, rows, widths)])
