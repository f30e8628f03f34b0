"""The member's record and the group's figures as Excel sheets (written by exports/tables.py).

The files are official Chinese records: headers and wording are the fixed Chinese below,
enumeration values go through `common.zh`, whatever the reader's UI language. Dates are date
cells, counts numbers, rates percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studytrack.dashboard.metrics import Figures, Period, PersonFigures
from studytrack.exports.common import zh
from studytrack.exports.tables import Percent, Sheet
from studytrack.models import ReflectionStatus
from studytrack.records.person_queries import PersonRecord, ReflectionState
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


def _rate(value: float | None) -> Any:
    return NO_VALUE if value is None else Percent(value)


def _summary(rows: Sequence[tuple[str, Any]]) -> Sheet:
    return Sheet("概况", ("项目", "数值"), rows, widths=(24, 40))


# --- a member's yearly record --------------------------------------------------------------


def person_figure_rows(f: PersonFigures) -> list[tuple[str, Any]]:
    return [
        ("应参加学习（次）", f.sessions_expected),
        ("出席", f.sessions_present),
        ("请假", f.sessions_on_leave),
        ("缺席", f.sessions_absent),
        ("已补学", f.sessions_made_up),
        ("列席", f.sessions_observed),
        ("出勤率", _rate(f.attendance_rate)),
        ("发言（次）", f.talks),
        ("应交心得体会（篇）", f.reflections_required),
        ("按时提交", f.reflections_on_time),
        ("逾期提交", f.reflections_late),
        ("未提交", f.reflections_missing),
        ("其中已过截止日期", f.reflections_overdue),
        ("心得体会完成率", _rate(f.reflection_completion_rate)),
        ("按时提交率", _rate(f.reflection_on_time_rate)),
        ("后续任务（项）", f.tasks_total),
        ("已完成", f.tasks_done),
        ("已逾期", f.tasks_overdue),
        ("任务完成率", _rate(f.task_completion_rate)),
    ]


def person_sheets(record: PersonRecord) -> list[Sheet]:
    person = record.person
    groups = "、".join(m.group_name for m in record.memberships)
    summary = [
        ("姓名", person.display_name),
        ("职务", person.position),
        ("学习组", groups),
        ("年度", record.period.year),
        *person_figure_rows(record.figures),
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
            zh(row.reflection.status) if row.reflection else "未开始",
            row.reflection.submitted_at if row.reflection else None,
            row.reflection.char_count
            if row.reflection and row.reflection.status != ReflectionStatus.DRAFT else None,
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

FIGURE_HEADERS = (
    "应出席（人次）", "出席", "请假", "缺席", "已补学", "出勤率", "发言",
    "应交心得体会", "已提交", "按时提交", "逾期提交", "未提交", "完成率", "按时率",
    "后续任务", "已完成", "已逾期", "任务完成率",
)


def _figure_cells(f: Figures) -> tuple[Any, ...]:
    return (
        f.attendance_expected, f.attendance_present, f.attendance_on_leave, f.attendance_absent,
        f.attendance_made_up, f.attendance_rate, f.talks,
        f.reflections_required, f.reflections_submitted, f.reflections_on_time,
        f.reflections_late, f.reflections_missing, f.reflection_completion_rate,
        f.reflection_on_time_rate,
        f.tasks_total, f.tasks_done, f.tasks_overdue, f.task_completion_rate,
    )


def _rate_columns(headers: Sequence[str], offset: int) -> set[int]:
    return {offset + i for i, header in enumerate(headers) if header.endswith("率")}


MEMBER_HEADERS = (
    "应参加（次）", "出席", "请假", "缺席", "已补学", "列席", "出勤率", "发言",
    "应交心得体会", "按时提交", "逾期提交", "未提交", "其中已过截止日期", "完成率", "按时率",
    "后续任务", "已完成", "已逾期", "任务完成率",
)


def _member_cells(f: PersonFigures) -> tuple[Any, ...]:
    return (
        f.sessions_expected, f.sessions_present, f.sessions_on_leave, f.sessions_absent,
        f.sessions_made_up, f.sessions_observed, f.attendance_rate, f.talks,
        f.reflections_required, f.reflections_on_time, f.reflections_late,
        f.reflections_missing, f.reflections_overdue, f.reflection_completion_rate,
        f.reflection_on_time_rate, f.tasks_total, f.tasks_done, f.tasks_overdue,
        f.task_completion_rate,
    )


def group_figure_rows(f: Figures) -> list[tuple[str, Any]]:
    return [
        ("成员（人）", f.members),
        ("计划学习（次）", f.sessions_planned),
        ("已开展学习（次）", f.sessions_held),
        ("其中专题研讨", f.seminars_held),
        ("计划完成率", _rate(f.plan_completion_rate)),
        ("应出席（人次）", f.attendance_expected),
        ("出席", f.attendance_present),
        ("请假", f.attendance_on_leave),
        ("缺席", f.attendance_absent),
        ("已补学", f.attendance_made_up),
        ("未登记", f.attendance_unmarked),
        ("列席", f.attendance_observers),
        ("出勤率", _rate(f.attendance_rate)),
        ("发言（次）", f.talks),
        ("成员发言（次）", f.talks_by_members),
        ("人均发言（次）", NO_VALUE if f.talks_per_member is None else f.talks_per_member),
        ("应交心得体会（篇）", f.reflections_required),
        ("已提交", f.reflections_submitted),
        ("按时提交", f.reflections_on_time),
        ("逾期提交", f.reflections_late),
        ("未提交", f.reflections_missing),
        ("其中已过截止日期", f.reflections_overdue),
        ("心得体会完成率", _rate(f.reflection_completion_rate)),
        ("按时提交率", _rate(f.reflection_on_time_rate)),
        ("后续任务（项）", f.tasks_total),
        ("已完成", f.tasks_done),
        ("已逾期", f.tasks_overdue),
        ("任务完成率", _rate(f.task_completion_rate)),
    ]


def group_sheets(data: GroupFigures) -> list[Sheet]:
    summary = [
        ("学习组", data.group.name),
        ("所属单位", data.group.organization.name),
        ("统计期间", period_label(data.period)),
        *group_figure_rows(data.figures),
    ]
    session_headers = ("日期", "学习主题", "形式", *FIGURE_HEADERS)
    sessions = [
        (row.date, row.session.topic, zh(row.session.kind), *_figure_cells(row.figures))
        for row in data.sessions
    ]
    member_headers = ("姓名", "职务", *MEMBER_HEADERS)
    members = [
        (row.user.display_name, row.user.position, *_member_cells(row.figures))
        for row in data.members
    ]
    owed_headers = ("类别", "日期", "学习主题", "事项", "姓名/责任人", "截止日期", "情况", "已逾期")
    owed: list[tuple[Any, ...]] = []
    for item in data.owed_reflections:
        owed.append((
            "心得体会未提交", item.date, item.session.topic, "心得体会",
            item.attendance.name, item.session.reflection_due_on,
            "草稿" if item.reflection else "未开始", item.overdue,
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
              widths=(12, 36, 12, *([9] * len(FIGURE_HEADERS))),
              percent_columns=_rate_columns(FIGURE_HEADERS, 3)),
        Sheet("成员", member_headers, members,
              widths=(12, 18, *([9] * len(MEMBER_HEADERS))),
              percent_columns=_rate_columns(MEMBER_HEADERS, 2)),
        Sheet("待办", owed_headers, owed, widths=(14, 12, 36, 24, 14, 12, 10, 8)),
    ]
