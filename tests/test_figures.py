"""Each figure is defined once (studytrack/dashboard/figures.py), as an SQL condition and its
Python twin: on the benchmark's generated data (every attendance status, late, draft, returned
and missing reflections, open, done, cancelled and overdue tasks, talks by members and others)
both twins count the same for every session, and the dashboard, a group's figures, a member's
record and the session report agree for every session, group, unit and person."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from benchmarks.generate import generate
from studytrack.dashboard import metrics
from studytrack.dashboard.figures import (
    Figures,
    Period,
    count_attendance,
    count_reflections,
    count_tasks,
    reflection_conditions,
    reflection_state,
    task_conditions,
)
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    FollowUpTask,
    Organization,
    Reflection,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.records import person_queries
from studytrack.records import queries as records_queries
from studytrack.reports.queries import session_report
from studytrack.stats import stats_select

TODAY = date(2026, 11, 29)
PERIODS = (Period(2026), Period(2025), Period(2026, 2), Period(2025, 4))
GROUP_LEVEL = ("groups", "members", "sessions_planned")
SESSION_LEVEL = ("sessions_held", "seminars_held")
REFLECTION_FIELDS = (
    "reflections_required", "reflections_submitted", "reflections_on_time", "reflections_late",
    "reflections_overdue",
)


def _generate() -> None:
    db.session.remove()  # the generator writes on its own connection, in one transaction
    generate(db.engine, 0.005, seed=3, today=TODAY, out=None, analyze=False)


def _without(figures: Figures, names: tuple[str, ...]) -> Figures:
    return replace(figures, **dict.fromkeys(names, 0))


def _total(figures: list[Figures]) -> Figures:
    return sum(figures, Figures())


def _python_twins(session: StudySession) -> Figures:
    """The figures of one session, counted in Python from its ORM rows."""
    by_author = {r.author_id: r for r in session.reflections}
    states = [
        reflection_state(
            by_author[a.user_id].status if a.user_id in by_author else None,
            a.user_id in by_author and by_author[a.user_id].is_late,
            session.reflection_due_on, TODAY,
        )
        for a in session.attendances if a.owes_reflection
    ]
    return (
        count_attendance(session.attendances) + count_reflections(states)
        + count_tasks(session.tasks, TODAY) + Figures(talks=len(session.talks))
    )


def _sql_twins() -> dict[int, Figures]:
    """The same figures of every session, counted in SQL: the stored summary's definition
    (stats_select) and, for what depends on the day, the conditions with `today`."""
    stored = {row.session_id: row for row in db.session.execute(stats_select())}
    overdue_reflections = dict(db.session.execute(
        sa.select(
            Attendance.session_id,
            sa.func.count().filter(reflection_conditions(TODAY)["reflections_overdue"]),
        )
        .join(StudySession, Attendance.session_id == StudySession.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .group_by(Attendance.session_id)
    ).all())
    overdue_tasks = dict(db.session.execute(
        sa.select(
            FollowUpTask.session_id,
            sa.func.count().filter(task_conditions(TODAY)["tasks_overdue"]),
        ).group_by(FollowUpTask.session_id)
    ).all())
    names = {field.name for field in fields(Figures)}
    return {
        session_id: Figures(
            **{name: value for name, value in row._mapping.items() if name in names},
            reflections_on_time=row.reflections_submitted - row.reflections_late,
            reflections_overdue=overdue_reflections.get(session_id, 0),
            tasks_overdue=overdue_tasks.get(session_id, 0),
        )
        for session_id, row in stored.items()
    }


def test_each_figure_counts_the_same_in_sql_and_in_python(app: Flask) -> None:
    _generate()
    sessions = db.session.scalars(
        sa.select(StudySession).options(
            selectinload(StudySession.attendances), selectinload(StudySession.reflections),
            selectinload(StudySession.tasks), selectinload(StudySession.talks),
        )
    ).all()
    in_sql = _sql_twins()
    for session in sessions:
        # talks_by_members depends on today's memberships: SQL only (no page counts it twice)
        assert _python_twins(session) == replace(in_sql[session.id], talks_by_members=0), (
            session.id
        )
    counted = _total(list(in_sql.values()))
    # the data exercise every figure
    for name in ("attendance_on_leave", "attendance_absent", "attendance_made_up",
                 "attendance_observers", "reflections_late", "reflections_overdue",
                 "tasks_done", "tasks_overdue", "talks_by_members"):
        assert getattr(counted, name) > 0, name


def test_dashboard_group_figures_record_and_report_agree(app: Flask) -> None:
    _generate()
    groups = db.session.scalars(sa.select(StudyGroup).order_by(StudyGroup.id)).all()
    units = db.session.scalars(sa.select(Organization).order_by(Organization.id)).all()
    people = db.session.scalars(sa.select(User).order_by(User.id)).all()
    people_ids = [person.id for person in people]
    compared_sessions = 0
    for period in PERIODS:
        by_group = metrics.figures_by_group([g.id for g in groups], period, today=TODAY)
        for group in groups:
            page = records_queries.group_figures(group, period, TODAY)
            assert page.figures == by_group[group.id], (group.id, period)
            # every held session: its report counts what the group's session row counts
            for row in page.sessions:
                report = session_report(row.session, TODAY)
                assert report.figures == _without(row.figures, ("talks_by_members",
                                                                *SESSION_LEVEL))
                compared_sessions += 1
            # the sessions add up to the group (but for the group's own fields)
            assert _total([row.figures for row in page.sessions]) == _without(
                page.figures, GROUP_LEVEL
            )
            # its members' rows are those people's figures in the group
            in_group = metrics.figures_by_person(group, people_ids, period, today=TODAY)
            for member in page.members:
                assert member.figures == in_group[member.user.id]
            # everyone's figures in the group, and the guests' rows (observers without an
            # account), add up to the group's attendance and reflections (tasks may be a
            # unit's, and belong to nobody)
            guests = db.session.scalars(
                sa.select(Attendance).join(StudySession).where(
                    StudySession.group_id == group.id, metrics.held_in(period),
                    Attendance.user_id.is_(None),
                )
            ).all()
            people_total = _total(list(in_group.values())) + count_attendance(guests)
            for name in ("attendance_expected", "attendance_present", "attendance_on_leave",
                         "attendance_absent", "attendance_made_up", "attendance_unmarked",
                         "attendance_observers", *REFLECTION_FIELDS):
                assert getattr(people_total, name) == getattr(page.figures, name), name
        # the dashboard of every unit: its rows (its own groups, each child's subtree) add up
        # to the groups it counts
        for unit in units:
            rows, _months = metrics.unit_overview(unit, period, today=TODAY)
            counted = db.session.scalars(metrics.counted_groups(unit, period)).all()
            assert _total([row.figures for row in rows]) == _total(
                [by_group[group_id] for group_id in counted]
            ), (unit.id, period)
            assert _total([row.figures for row in rows]) == metrics.figures_for_unit(
                unit, period, today=TODAY
            )
        # a person's record (a year) counts their rows as the dashboards count them, and
        # their figures across all groups are the sum of their figures in each
        everywhere = metrics.figures_by_person(None, people_ids, period, today=TODAY)
        in_each = [metrics.figures_by_person(g, people_ids, period, today=TODAY) for g in groups]
        for person in people:
            assert everywhere[person.id] == _total([figures[person.id] for figures in in_each])
            if period.quarter is None:
                record = person_queries.person_record(person, period, TODAY)
                assert record.figures == everywhere[person.id], (person.id, period)
    assert compared_sessions > 20
