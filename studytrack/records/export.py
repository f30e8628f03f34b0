"""The member's record and the group's figures as Excel sheets (written by exports/tables.py).

The files are official Chinese records: whatever the reader's UI language, a figure is headed
by its one fixed Chinese name (`figures.FIGURE_ZH`, which the dashboard's workbook uses too),
the other headers and wording are the fixed Chinese below, enumeration values go through
`common.zh`. Dates are date cells, counts numbers, rates percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studytrack.dashboard.figures import FIGURE_ZH, RATES, Figures, Period, ReflectionState
from studytrack.exports.common import ZH, zh
from studytrack.exports.tables import Percent, Sheet
from studytrack.models import ReflectionStatus
from studytrack.records.person_queries import PersonRecord
from studytrack.records.queries import GroupFigures

NO_VALUE = "—"

STATE_ZH = {
    ReflectionState.ON_TIME: "按时提交",
    ReflectionState.LATE: "逾期提交",
    ReflectionState.MISSING: "未提交",
    ReflectionState.OVERDUE: "逾期未交",
}


def period_label(period: Period) -> str:
    """2026年, or 2026年第1季度."""
    return f"{period.year}年第{period.quarter}季度" if period.quarter else f"{period.year}年"


# The figures each table shows, in its order; each is headed by its one Chinese name
# (dashboard/figures.py's FIGURE_ZH).
PERSON_FIGURES = (
    "attendance_expected", "attendance_present", "attendance_on_leave", "attendance_absent",
    "attendance_made_up", "attendance_observers", "attendance_rate", "talks",
    "reflections_required", "reflections_on_time", "reflections_late", "reflections_missing",
    "reflections_overdue", "reflection_completion_rate", "reflection_on_time_rate",
    "tasks_total", "tasks_done", "tasks_overdue", "task_completion_rate",
)
SESSION_FIGURES = (
    "attendance_expected", "attendance_present", "attendance_on_leave", "attendance_absent",
    "attendance_made_up", "attendance_rate", "talks",
    "reflections_required", "reflections_submitted", "reflections_on_time", "reflections_late",
    "reflections_missing", "reflection_completion_rate", "reflection_on_time_rate",
    "tasks_total", "tasks_done", "tasks_overdue", "task_completion_rate",
)
GROUP_FIGURES = (
    "members", "sessions_planned", "sessions_held", "seminars_held", "plan_completion_rate",
    "attendance_expected", "attendance_present", "attendance_on_leave", "attendance_absent",
    "attendance_made_up", "attendance_unmarked", "attendance_observers", "attendance_rate",
    "talks", "talks_by_members", "talks_per_member",
    "reflections_required", "reflections_submitted", "reflections_on_time", "reflections_late",
    "reflections_missing", "reflections_overdue", "reflection_completion_rate",
    "reflection_on_time_rate", "tasks_total", "tasks_done", "tasks_overdue",
    "task_completion_rate",
)


def figure_rows(f: Figures, names: Sequence[str]) -> list[tuple[str, Any]]:
    """(name, value) rows of a summary sheet: a rate as a percentage, "—" for none."""
    rows = []
    for name in names:
        value = getattr(f, name)
        if value is None:
            value = NO_VALUE
        elif name in RATES:
            value = Percent(value)
        rows.append((FIGURE_ZH[name], value))
    return rows


def _headers(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(FIGURE_ZH[name] for name in names)


def _cells(f: Figures, names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(getattr(f, name) for name in names)


def _rate_columns(names: Sequence[str], offset: int) -> set[int]:
    return {offset + i for i, name in enumerate(names) if name in RATES}


def _summary(rows: Sequence[tuple[str, Any]]) -> Sheet:
    return Sheet("概况", ("项目", "数值"), rows, widths=(24, 40))


# --- a member's yearly record --------------------------------------------------------------


def person_sheets(record: PersonRecord) -> list[Sheet]:
    person = record.person
    groups = "、".join(m.group_name for m in record.memberships)
    summary = [
        ("姓名", person.display_name),
        ("职务", person.position),
        ("学习组", groups),
        ("年度", record.period.year),
        *figure_rows(record.figures, PERSON_FIGURES),
    ]
    sessions = [
        (
            row.date, row.session.group_name, row.session.topic, zh(row.session.kind),
            zh(row.attendance.status) if row.attendance.status else "未登记",
            row.attendance.leave_reason, row.attendance.makeup_on, row.attendance.makeup_note,
        )
        for row in record.sessions
    ]
    talks = [
        (row.date, row.session.group_name, row.session.topic, zh(row.talk.kind), row.talk.title)
        for row in record.talks
    ]
    reflections = [
        (
            row.date, row.session.group_name, row.session.topic, row.session.reflection_due_on,
            STATE_ZH[row.reflection_state],
            zh(row.reflection.status) if row.reflection else ZH["not_started"],
            row.reflection.submitted_at if row.reflection else None,
            row.reflection.char_count if row.reflection and row.reflection.handed_in else None,
        )
        for row in record.reflections
        if row.reflection_state is not None  # always, for the type checker
    ]
    tasks = [
        (
            task.session.date, task.session.topic, task.title, task.due_on,
            zh(task.status), task.overdue, task.completion_note,
        )
        for task in record.tasks
    ]
    return [
        _summary(summary),
        Sheet(
            "学习活动",
            ("日期", "学习组", "学习主题", "形式", "出勤情况", "请假事由", "补学日期", "补学情况"),
            sessions, widths=(12, 24, 40, 12, 10, 24, 12, 30),
        ),
        Sheet("发言", ("日期", "学习组", "学习主题", "发言类型", "发言题目"), talks,
              widths=(12, 24, 40, 12, 36)),
        Sheet(
            "心得体会",
            ("日期", "学习组", "学习主题", "提交截止日期", "完成情况", "状态", "提交时间", "字数"),
            reflections, widths=(12, 24, 40, 14, 10, 12, 18, 8),
        ),
        Sheet(
            "后续任务",
            ("日期", "学习主题", "任务", "完成时限", "状态", "已逾期", "完成情况"),
            tasks, widths=(12, 36, 30, 12, 10, 8, 30),
        ),
    ]


# --- the group's figures -------------------------------------------------------------------


def group_sheets(data: GroupFigures) -> list[Sheet]:
    summary = [
        ("学习组", data.group.name),
        ("所属单位", data.group.organization.name),
        ("统计期间", period_label(data.period)),
        *figure_rows(data.figures, GROUP_FIGURES),
    ]
    session_headers = ("日期", "学习主题", "形式", *_headers(SESSION_FIGURES))
    sessions = [
        (row.date, row.session.topic, zh(row.session.kind), *_cells(row.figures, SESSION_FIGURES))
        for row in data.sessions
    ]
    member_headers = ("姓名", "职务", *_headers(PERSON_FIGURES))
    members = [
        (row.user.display_name, row.user.position, *_cells(row.figures, PERSON_FIGURES))
        for row in data.members
    ]
    owed_headers = ("类别", "日期", "学习主题", "事项", "姓名/责任人", "截止日期", "情况", "已逾期")
    owed: list[tuple[Any, ...]] = []
    for item in data.owed_reflections:
        owed.append((
            "心得体会未提交", item.date, item.session.topic, "心得体会",
            item.attendance.name, item.session.reflection_due_on,
            zh(ReflectionStatus.DRAFT) if item.reflection else ZH["not_started"], item.overdue,
        ))
    for makeup in data.owed_makeups:
        owed.append((
            "补学未登记", makeup.date, makeup.session.topic, "补学", makeup.attendance.name,
            None, zh(makeup.attendance.status), False,
        ))
    for owed_task in data.owed_tasks:
        task = owed_task.task
        owner = task.assignee.display_name if task.assignee else (
            task.organization.name if task.organization else ""
        )
        owed.append((
            "后续任务未完成", owed_task.date, task.session.topic, task.title, owner,
            task.due_on, zh(task.status), owed_task.overdue,
        ))
    return [
        _summary(summary),
        Sheet("学习活动", session_headers, sessions,
              widths=(12, 36, 12, *([9] * len(SESSION_FIGURES))),
              percent_columns=_rate_columns(SESSION_FIGURES, 3)),
        Sheet("成员", member_headers, members,
              widths=(12, 18, *([9] * len(PERSON_FIGURES))),
              percent_columns=_rate_columns(PERSON_FIGURES, 2)),
        Sheet("待办", owed_headers, owed, widths=(14, 12, 36, 24, 14, 12, 10, 8)),
    ]
