"""User-facing names of target metrics and plan periods."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from studytrack.models import TargetMetric

METRIC_LABELS: dict[TargetMetric, Any] = {
    TargetMetric.SESSIONS_PER_YEAR: _l("Sessions per year"),
    TargetMetric.SEMINARS_PER_YEAR: _l("Thematic seminars per year"),
    TargetMetric.ATTENDANCE_RATE: _l("Attendance rate"),
    TargetMetric.TALKS_PER_MEMBER: _l("Talks per member per year"),
    TargetMetric.REFLECTION_COMPLETION_RATE: _l("Reflection completion rate"),
    TargetMetric.REFLECTION_ON_TIME_RATE: _l("Reflections on time"),
    TargetMetric.TASK_COMPLETION_RATE: _l("Task completion rate"),
}

METRIC_HELP: dict[TargetMetric, Any] = {
    TargetMetric.SESSIONS_PER_YEAR: _l("Held sessions of each group in a year."),
    TargetMetric.SEMINARS_PER_YEAR: _l("Held thematic seminars of each group in a year."),
    TargetMetric.ATTENDANCE_RATE: _l("In %: present out of the members expected."),
    TargetMetric.TALKS_PER_MEMBER: _l("Talks given per current member in a year."),
    TargetMetric.REFLECTION_COMPLETION_RATE: _l("In %: reflections handed in out of those due."),
    TargetMetric.REFLECTION_ON_TIME_RATE: _l("In %: handed in on time out of those handed in."),
    TargetMetric.TASK_COMPLETION_RATE: _l("In %: follow-up tasks done out of all (not cancelled)."),
}


def metric_label(metric: TargetMetric) -> Any:
    return METRIC_LABELS[TargetMetric(metric)]


def period_label(month: int | None, quarter: int | None) -> Any:
    """"March" / "Q2" in the UI language (e.g. 3月 / 第二季度)."""
    if month is not None:
        return _l("Month %(num)d", num=month)
    if quarter is not None:
        return _l("Quarter %(num)d", num=quarter)
    return ""
