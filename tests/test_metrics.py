"""The figures contract (studytrack/dashboard/metrics.py): exact figures on hand-built data for
every metric and edge case, drill-down sums equal to the parent's figure, periods by local date,
and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from studytrack.dashboard import metrics
from studytrack.dashboard.metrics import Figures, Period
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    OrganizationKind,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyPlan,
    Talk,
    TaskStatus,
)
from studytrack.timeutil import local_to_utc

P = AttendanceStatus.PRESENT
L = AttendanceStatus.ON_LEAVE
A = AttendanceStatus.ABSENT
O = AttendanceStatus.OBSERVER  # noqa: E741
TODAY = date(2026, 6, 1)
YEAR = Period(2026)


def local(*args: int) -> datetime:
    """A local (Asia/Shanghai) wall-clock time as the aware UTC value the database keeps."""
    value = local_to_utc(datetime(*args))
    assert value is not None
    return value


# --- building data by hand ---------------------------------------------------------------------


def attend(session, user=None, status=None, *, makeup_on=None, guest=None):
    row = Attendance(
        session_id=session.id, user_id=user.id if user else None, guest_name=guest,
        status=status, makeup_on=makeup_on,
        leave_reason="出差" if status == L else None,
    )
    db.session.add(row)
    return row


def talk(session, speaker=None, name=None):
    db.session.add(Talk(
        session_id=session.id, speaker_id=speaker.id if speaker else None, speaker_name=name,
    ))


def reflect(session, user, status=ReflectionStatus.SUBMITTED, *, late=False):
    db.session.add(Reflection(
        session_id=session.id, author_id=user.id, status=status, is_late=late,
        body="学习体会" * 10, char_count=40,
        submitted_at=None if status == ReflectionStatus.DRAFT else datetime.now(UTC),
    ))


def task(session, status=TaskStatus.OPEN, due_on=None, assignee=None):
    db.session.add(FollowUpTask(
        session_id=session.id, title="落实", status=status, due_on=due_on,
        assignee_id=assignee.id if assignee else None,
        organization_id=None if assignee else session.group.organization_id,
        completion_note="已完成" if status == TaskStatus.DONE else None,
        cancel_reason="取消" if status == TaskStatus.CANCELLED else None,
    ))


def plan(group, year, *periods):
    """A plan with one item per (month, quarter)."""
    study_plan = StudyPlan(group_id=group.id, year=year)
    study_plan.items = [
        PlanItem(month=month, quarter=quarter, topic=f"专题{n}")
        for n, (month, quarter) in enumerate(periods)
    ]
    db.session.add(study_plan)


def leave_group(group, user, on=date(2026, 1, 15)):
    membership = db.session.scalar(
        sa.select(GroupMembership).filter_by(group_id=group.id, user_id=user.id)
    )
    membership.left_on = on


def total(rows) -> Figures:
    return reduce(lambda a, b: a + b, rows, Figures())


# --- one group, every figure ---------------------------------------------------------------------


@pytest.fixture
def one(app, create_org, create_user, create_group, create_session):
    """One group of four members, a secretary and a former member; two held sessions in 2026,
    plus a draft, a cancelled session and one from 2025 that count nowhere in 2026."""
    unit = create_org("机关党委")
    m1, m2, m3, m4, m5, sec, obs = (create_user() for _ in range(7))
    group = create_group(unit, members=(m1, m2, m3, m4, m5), secretaries=(sec,))
    leave_group(group, m5)

    s1 = create_session(group, starts_at=local(2026, 3, 10, 9), kind=SessionKind.SEMINAR,
                        reflection_due_on=date(2026, 3, 20))
    attend(s1, m1, P)
    attend(s1, m2, P)
    attend(s1, m3, L, makeup_on=date(2026, 3, 15))  # made up: owes a reflection
    attend(s1, m4, A)
    attend(s1, obs, O)
    attend(s1, None, O, guest="专家")
    reflect(s1, m1)
    reflect(s1, m2, ReflectionStatus.ACCEPTED, late=True)
    reflect(s1, m3, ReflectionStatus.DRAFT)  # missing, and overdue by June
    reflect(s1, m4)  # not required: does not count
    talk(s1, m1)
    talk(s1, m5)  # a former member: a talk, not by a member
    talk(s1, name="宣讲团专家")  # a guest speaker
    talk(s1, sec)  # the secretary is not a member of the group
    task(s1, TaskStatus.DONE, date(2026, 4, 1), assignee=m1)
    task(s1, TaskStatus.OPEN, date(2026, 3, 1), assignee=m3)  # overdue
    task(s1, TaskStatus.IN_PROGRESS, date(2026, 12, 31), assignee=m2)
    task(s1, TaskStatus.CANCELLED, date(2026, 3, 1), assignee=m3)  # counts nowhere
    task(s1, TaskStatus.OPEN, None)  # no due date: never overdue

    s2 = create_session(group, starts_at=local(2026, 5, 5, 14), status=SessionStatus.CLOSED)
    attend(s2, m1, P)
    attend(s2, m2)  # not marked yet
    attend(s2, m3, P)
    attend(s2, m4, L)
    reflect(s2, m1, late=True)  # no due date: never late
    talk(s2, m2)

    for status, starts in ((SessionStatus.DRAFT, local(2026, 4, 1, 9)),
                           (SessionStatus.CANCELLED, local(2026, 4, 2, 9)),
                           (SessionStatus.PUBLISHED, local(2025, 12, 31, 9))):
        other = create_session(group, status=status, starts_at=starts,
                               kind=SessionKind.SEMINAR, reflection_due_on=date(2026, 1, 1))
        attend(other, m1, P)
        attend(other, m2, A)
        talk(other, m1)
        task(other, TaskStatus.OPEN, date(2026, 1, 1), assignee=m1)

    plan(group, 2026, (3, None), (5, None), (None, 2), (11, None), (2, 3))
    plan(group, 2025, (1, None))
    db.session.commit()
    return SimpleNamespace(unit=unit, group=group, s1=s1, s2=s2, m1=m1, m2=m2, m3=m3, m4=m4,
                           m5=m5, sec=sec, obs=obs)


YEAR_FIGURES = Figures(
    groups=1, members=4, sessions_planned=5, sessions_held=2, seminars_held=1,
    attendance_expected=8, attendance_present=4, attendance_on_leave=2, attendance_absent=1,
    attendance_made_up=1, talks=5, talks_by_members=2,
    reflections_required=5, reflections_submitted=3, reflections_on_time=2,
    reflections_late=1, tasks_total=4, tasks_done=1, tasks_overdue=1,
    attendance_unmarked=1, attendance_observers=2, reflections_overdue=1,
)


def test_group_figures_for_the_year(one):
    figures = metrics.figures_by_group([one.group.id], YEAR, today=TODAY)
    assert figures == {one.group.id: YEAR_FIGURES}
    f = figures[one.group.id]
    assert f.reflections_missing == 2
    assert f.attendance_rate == 4 / 8
    assert f.reflection_completion_rate == 3 / 5
    assert f.reflection_on_time_rate == 2 / 3
    assert f.task_completion_rate == 1 / 4
    assert f.talks_per_member == 2 / 4
    assert f.plan_completion_rate == 2 / 5


def test_unit_figures_equal_the_group(one):
    assert metrics.figures_for_unit(one.unit, YEAR, today=TODAY) == YEAR_FIGURES
    rows = metrics.figures_by_unit(one.unit, YEAR, today=TODAY)
    assert [(r.unit, r.own_groups, r.figures) for r in rows] == [
        (one.unit, True, YEAR_FIGURES)
    ]


def test_overdue_depends_on_today(one):
    early = metrics.figures_by_group([one.group.id], YEAR, today=date(2026, 3, 1))
    assert early[one.group.id].tasks_overdue == 0  # due on 3-1: not yet before today
    assert early[one.group.id].reflections_overdue == 0
    later = metrics.figures_by_group([one.group.id], YEAR, today=date(2026, 3, 21))
    assert later[one.group.id].tasks_overdue == 1
    assert later[one.group.id].reflections_overdue == 1


def test_today_defaults_to_the_local_date(one):
    # Everything due in this data lies in the past of any real "today" after 2026-12-31.
    figures = metrics.figures_by_group([one.group.id], YEAR)[one.group.id]
    assert figures.tasks_overdue >= 1


@pytest.mark.parametrize(("quarter", "planned", "held", "seminars", "expected", "tasks"), [
    (1, 2, 1, 1, 4, 4),  # March; the item with month 2 and quarter 3 counts in Q1 (month wins)
    (2, 2, 1, 0, 4, 0),  # May; the quarter-only item of Q2
    (3, 0, 0, 0, 0, 0),
    (4, 1, 0, 0, 0, 0),
])
def test_quarters(one, quarter, planned, held, seminars, expected, tasks):
    f = metrics.figures_by_group([one.group.id], Period(2026, quarter), today=TODAY)[
        one.group.id
    ]
    assert (f.sessions_planned, f.sessions_held, f.seminars_held) == (planned, held, seminars)
    assert (f.attendance_expected, f.tasks_total) == (expected, tasks)
    assert (f.groups, f.members) == (1, 4)


def test_quarters_add_up_to_the_year(one):
    quarters = metrics.figures_for_unit
    assert total(quarters(one.unit, Period(2026, q), today=TODAY) for q in range(1, 5)) == (
        Figures(**{**YEAR_FIGURES.__dict__, "groups": 4, "members": 16})
    )


def test_figures_by_session(one):
    by_session = metrics.figures_by_session(one.group, YEAR, today=TODAY)
    assert list(by_session) == [one.s1.id, one.s2.id]  # held only, by start
    s1, s2 = by_session[one.s1.id], by_session[one.s2.id]
    assert s1 == Figures(
        sessions_held=1, seminars_held=1, attendance_expected=4, attendance_present=2,
        attendance_on_leave=1, attendance_absent=1, attendance_made_up=1, attendance_observers=2,
        talks=4, talks_by_members=1, reflections_required=3, reflections_submitted=2,
        reflections_on_time=1, reflections_late=1, reflections_overdue=1,
        tasks_total=4, tasks_done=1, tasks_overdue=1,
    )
    assert s2 == Figures(
        sessions_held=1, attendance_expected=4, attendance_present=2, attendance_on_leave=1,
        attendance_unmarked=1, talks=1, talks_by_members=1, reflections_required=2,
        reflections_submitted=1, reflections_on_time=1,
    )
    # The session rows add up to the group's figures, except the group-level ones.
    group_level = {"groups": 0, "members": 0, "sessions_planned": 0}
    assert s1 + s2 == Figures(**{**YEAR_FIGURES.__dict__, **group_level})
    assert metrics.figures_by_session(one.group, Period(2026, 3), today=TODAY) == {}


def test_figures_by_person(one, create_group, create_session):
    people = [one.m1, one.m2, one.m3, one.m4, one.m5, one.obs, one.sec]
    by_person = metrics.figures_by_person(one.group, [u.id for u in people], YEAR, today=TODAY)
    assert by_person == {
        one.m1.id: Figures(
            attendance_expected=2, attendance_present=2, talks=1, reflections_required=2,
            reflections_submitted=2, reflections_on_time=2, tasks_total=1, tasks_done=1,
        ),
        one.m2.id: Figures(
            attendance_expected=2, attendance_present=1, attendance_unmarked=1, talks=1,
            reflections_required=1, reflections_submitted=1, reflections_late=1, tasks_total=1,
        ),
        one.m3.id: Figures(
            attendance_expected=2, attendance_present=1, attendance_on_leave=1,
            attendance_made_up=1, reflections_required=2, reflections_overdue=1,
            tasks_total=1, tasks_overdue=1,
        ),
        one.m4.id: Figures(attendance_expected=2, attendance_absent=1, attendance_on_leave=1),
        one.m5.id: Figures(talks=1),
        one.obs.id: Figures(attendance_observers=1),
        one.sec.id: Figures(talks=1),
    }
    m1, m3 = by_person[one.m1.id], by_person[one.m3.id]
    assert (m1.attendance_rate, m1.reflection_completion_rate, m1.reflection_on_time_rate) == (
        1.0, 1.0, 1.0
    )
    assert (m3.attendance_rate, m3.reflection_completion_rate, m3.reflection_on_time_rate) == (
        0.5, 0.0, None
    )
    assert by_person[one.obs.id].attendance_rate is None  # only ever an observer

    # Across all of m1's groups: a second group where m1 owes a reflection.
    other = create_group(one.unit, members=(one.m1,))
    session = create_session(other, starts_at=local(2026, 7, 1, 9),
                             reflection_due_on=date(2026, 7, 10))
    attend(session, one.m1, P)
    db.session.commit()
    everywhere = metrics.figures_by_person(None, [one.m1.id], YEAR, today=date(2026, 8, 1))
    assert everywhere[one.m1.id] == Figures(
        attendance_expected=3, attendance_present=3, talks=1, reflections_required=3,
        reflections_submitted=2, reflections_on_time=2, reflections_overdue=1,
        tasks_total=1, tasks_done=1,
    )
    in_group = metrics.figures_by_person(one.group, [one.m1.id], YEAR, today=date(2026, 8, 1))
    assert in_group[one.m1.id].attendance_expected == 2
    assert metrics.figures_by_person(one.group, [], YEAR) == {}


def test_by_month(one):
    months = metrics.sessions_by_month(one.unit, 2026)
    assert months == [(m, 1 if m in (3, 5) else 0, 1 if m == 3 else 0) for m in range(1, 13)]
    attendance = dict(metrics.attendance_by_month(one.unit, 2026))
    assert attendance == {m: {3: 2 / 4, 5: 2 / 4}.get(m) for m in range(1, 13)}
    assert metrics.sessions_by_month(one.unit, 2025)[11] == (12, 1, 1)


# --- edge cases ---------------------------------------------------------------------------------


def test_no_sessions_yet(app, create_org, create_user, create_group):
    unit = create_org()
    group = create_group(unit, members=(create_user(), create_user()))
    f = metrics.figures_by_group([group.id], YEAR, today=TODAY)[group.id]
    assert f == Figures(groups=1, members=2)
    assert (f.attendance_rate, f.reflection_completion_rate, f.reflection_on_time_rate,
            f.task_completion_rate, f.plan_completion_rate) == (None,) * 5
    assert f.talks_per_member == 0.0
    assert metrics.figures_for_unit(unit, YEAR, today=TODAY) == f
    assert metrics.sessions_by_month(unit, 2026) == [(m, 0, 0) for m in range(1, 13)]
    assert metrics.attendance_by_month(unit, 2026) == [(m, None) for m in range(1, 13)]


def test_unit_with_no_members_and_no_groups(app, create_org, create_user, create_group,
                                            create_session):
    unit = create_org()
    empty_unit = create_org(parent=unit)
    group = create_group(empty_unit, secretaries=(create_user(),))  # a secretary only
    session = create_session(group, starts_at=local(2026, 3, 1, 9))
    talk(session, name="外请专家")
    db.session.commit()
    f = metrics.figures_for_unit(empty_unit, YEAR, today=TODAY)
    assert f == Figures(groups=1, sessions_held=1, talks=1)
    assert f.talks_per_member is None
    assert f.attendance_rate is None  # no roster
    bare = create_org(parent=unit)
    assert metrics.figures_for_unit(bare, YEAR, today=TODAY) == Figures()
    assert metrics.figures_by_unit(bare, YEAR, today=TODAY) == []


def test_everyone_on_leave_and_everyone_observing(app, create_org, create_user, create_group,
                                                  create_session):
    a, b = create_user(), create_user()
    group = create_group(members=(a, b))
    leave = create_session(group, starts_at=local(2026, 3, 1, 9))
    attend(leave, a, L)
    attend(leave, b, L)
    observed = create_session(group, starts_at=local(2026, 6, 1, 9))
    attend(observed, a, O)
    attend(observed, b, O)
    db.session.commit()
    by_session = metrics.figures_by_session(group, YEAR, today=TODAY)
    assert by_session[leave.id].attendance_rate == 0.0
    assert by_session[leave.id].reflection_completion_rate is None  # nobody owes one
    assert by_session[observed.id].attendance_rate is None
    assert by_session[observed.id].attendance_observers == 2
    assert metrics.figures_by_group([group.id], YEAR)[group.id].attendance_rate == 0.0


def test_idle_and_unknown_groups_are_zero(app, create_group):
    idle = create_group()
    assert metrics.figures_by_group([idle.id, idle.id], YEAR) == {
        idle.id: Figures(groups=1)
    }
    assert metrics.figures_by_group([], YEAR) == {}


def test_local_date_decides_the_period(app, create_group, create_session):
    group = create_group()
    late_2026 = create_session(group, starts_at=local(2026, 12, 31, 23, 30))
    early_2027 = create_session(group, starts_at=local(2027, 1, 1, 0, 30))
    end_q1 = create_session(group, starts_at=local(2026, 3, 31, 23, 30))
    start_q2 = create_session(group, starts_at=local(2026, 4, 1, 0, 30))
    # In UTC all four fall on the earlier day.
    assert late_2026.starts_at.date() == early_2027.starts_at.date() == date(2026, 12, 31)
    assert end_q1.starts_at.date() == start_q2.starts_at.date() == date(2026, 3, 31)

    def held(period):
        return list(metrics.figures_by_session(group, period, today=TODAY))

    assert held(Period(2026)) == [end_q1.id, start_q2.id, late_2026.id]
    assert held(Period(2027)) == [early_2027.id]
    assert held(Period(2026, 4)) == [late_2026.id]
    assert held(Period(2027, 1)) == [early_2027.id]
    assert held(Period(2026, 1)) == [end_q1.id]
    assert held(Period(2026, 2)) == [start_q2.id]
    assert metrics.sessions_by_month(group.organization, 2026)[2:4] == [(3, 1, 0), (4, 1, 0)]
    assert metrics.sessions_by_month(group.organization, 2026)[11] == (12, 1, 0)
    assert metrics.sessions_by_month(group.organization, 2027)[0] == (1, 1, 0)
    assert metrics.figures_by_group([group.id], Period(2027))[group.id].sessions_held == 1


def test_period_bounds():
    assert metrics.period_bounds(Period(2026)) == (
        datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC)
    )
    assert metrics.period_bounds(Period(2026, 2)) == (
        datetime(2026, 3, 31, 16, tzinfo=UTC), datetime(2026, 6, 30, 16, tzinfo=UTC)
    )


# --- a tree of three levels ---------------------------------------------------------------------


def populate(group, people, n, *, start=None, with_plan=True):
    """n held sessions with varied attendance, talks, reflections and tasks, plus noise."""
    start = start or local(2026, 1, 5, 9)
    for k in range(n):
        session_ = _session(group, start + timedelta(days=37 * k + sum(map(ord, group.name)) % 7),
                            SessionStatus.PUBLISHED if k % 2 else SessionStatus.CLOSED,
                            SessionKind.SEMINAR if k % 3 == 0 else SessionKind.COLLECTIVE,
                            date(2026, 1, 1) + timedelta(days=40 * k) if k % 4 else None)
        for i, person in enumerate(people):
            status = (P, P, L, A, O, None)[(i + k) % 6]
            attend(session_, person, status,
                   makeup_on=date(2026, 2, 1) if (status in (L, A) and k % 2) else None)
            if (i + k) % 3:
                reflect(session_, person, ReflectionStatus.SUBMITTED if (i + k) % 4
                        else ReflectionStatus.DRAFT, late=bool((i * k) % 2))
        for person in people[: k % 3 + 1]:
            talk(session_, person)
        talk(session_, name="专家")
        for j, status in enumerate(TaskStatus):
            task(session_, status, date(2026, 1, 1) + timedelta(days=60 * (j + k)),
                 assignee=people[j % len(people)] if people else None)
    _session(group, start, SessionStatus.DRAFT, SessionKind.SEMINAR, None)
    if with_plan:
        plan(group, 2026, *[(m, None) for m in range(1, n + 2)], (None, 4))


def _session(group, starts_at, status, kind, due):
    from studytrack.models import StudySession

    session_ = StudySession(group=group, topic="学习", kind=kind, starts_at=starts_at,
                            status=status, reflection_due_on=due)
    db.session.add(session_)
    db.session.flush()
    return session_


@pytest.fixture
def tree(app, create_org, create_user, create_group):
    def users(n):
        return tuple(create_user() for _ in range(n))

    root = create_org("市委")
    a = create_org("A党总支", parent=root, kind=OrganizationKind.GENERAL_BRANCH)
    b = create_org("B党总支", parent=root, kind=OrganizationKind.GENERAL_BRANCH)
    a1 = create_org("A1支部", parent=a, kind=OrganizationKind.BRANCH)
    a2 = create_org("A2支部", parent=a, kind=OrganizationKind.BRANCH)
    closed = create_org("撤销的支部", parent=root, kind=OrganizationKind.BRANCH)
    closed.is_active = False
    b.sort_order = -1  # B comes before A
    elsewhere = create_org("其他市委")

    groups = {}
    for name, unit, size in (("root", root, 3), ("a", a, 2), ("a1", a1, 4), ("b", b, 3),
                             ("b_old", b, 2), ("a2_old", a2, 2), ("else", elsewhere, 3)):
        people = users(size)
        groups[name] = create_group(unit, f"{name}中心组", members=people)
        groups[name].people = people
    for name, n in (("root", 2), ("a", 3), ("a1", 4), ("b", 1), ("b_old", 2), ("else", 3)):
        populate(groups[name], groups[name].people, n)
    groups["b_old"].is_active = False  # closed, but it studied in 2026: still counted
    groups["a2_old"].is_active = False  # closed and idle: not counted
    leave_group(groups["a1"], groups["a1"].people[0])
    db.session.commit()
    return SimpleNamespace(root=root, a=a, b=b, a1=a1, a2=a2, closed=closed,
                           elsewhere=elsewhere, groups=groups)


def test_tree_rows_and_order(tree):
    rows = metrics.figures_by_unit(tree.root, YEAR, today=TODAY)
    assert [(r.unit.id, r.own_groups) for r in rows] == [
        (tree.root.id, True), (tree.b.id, False), (tree.a.id, False)
    ]
    assert [r.figures.groups for r in rows] == [1, 2, 2]
    assert [r.figures.members for r in rows] == [3, 5, 2 + 3]
    assert [r.figures.sessions_held for r in rows] == [2, 3, 7]
    rows_a = metrics.figures_by_unit(tree.a, YEAR, today=TODAY)
    assert [(r.unit.id, r.own_groups, r.figures.groups) for r in rows_a] == [
        (tree.a.id, True, 1), (tree.a1.id, False, 1), (tree.a2.id, False, 0)
    ]
    assert rows_a[2].figures == Figures()


@pytest.mark.parametrize("period", [Period(2026), Period(2026, 1), Period(2026, 2),
                                    Period(2026, 3), Period(2026, 4), Period(2025)])
def test_a_parent_is_the_sum_of_its_rows(tree, period):
    for unit in (tree.root, tree.a, tree.b, tree.a1):
        whole = metrics.figures_for_unit(unit, period, today=TODAY)
        assert whole == total(r.figures for r in metrics.figures_by_unit(unit, period,
                                                                         today=TODAY))
        group_ids = db.session.scalars(metrics.counted_groups(unit, period)).all()
        by_group = metrics.figures_by_group(group_ids, period, today=TODAY)
        assert whole == total(by_group.values())
    root = metrics.figures_for_unit(tree.root, period, today=TODAY)
    children = [metrics.figures_for_unit(u, period, today=TODAY) for u in (tree.a, tree.b)]
    own = metrics.figures_by_group([tree.groups["root"].id], period, today=TODAY)
    assert root == total([*children, *own.values()])
    # Never the other tree's group; the closed group that studied in January and February
    # counts in the year and in Q1 only.
    assert root.groups == (5 if period in (Period(2026), Period(2026, 1)) else 4)


@pytest.mark.parametrize("period", [Period(2026), Period(2026, 1), Period(2026, 2),
                                    Period(2026, 4), Period(2025)])
def test_unit_overview_is_the_rows_and_the_months(tree, period):
    # The dashboard's one call: its rows are figures_by_unit's and its months those of
    # sessions_by_month and attendance_by_month, for a year and for each quarter (the months
    # always cover the whole year; an idle closed group and another tree never count).
    for unit in (tree.root, tree.a, tree.b, tree.a2):
        rows, months = metrics.unit_overview(unit, period, today=TODAY)
        assert rows == metrics.figures_by_unit(unit, period, today=TODAY)
        attendance = dict(metrics.attendance_by_month(unit, period.year))
        assert months == [
            (month, held, seminars, attendance[month])
            for month, held, seminars in metrics.sessions_by_month(unit, period.year)
        ]


def test_tree_sessions_match_the_months(tree):
    whole = metrics.figures_for_unit(tree.root, YEAR, today=TODAY)
    months = metrics.sessions_by_month(tree.root, 2026)
    assert sum(m[1] for m in months) == whole.sessions_held == 12
    assert sum(m[2] for m in months) == whole.seminars_held
    assert whole.sessions_planned == sum(n + 2 for n in (2, 3, 4, 1, 2))
    by_session = metrics.figures_by_session(tree.groups["a1"], YEAR, today=TODAY)
    a1 = metrics.figures_by_group([tree.groups["a1"].id], YEAR, today=TODAY)[
        tree.groups["a1"].id
    ]
    assert total(by_session.values()).attendance_expected == a1.attendance_expected
    assert total(by_session.values()).reflections_late == a1.reflections_late
    assert total(by_session.values()).tasks_overdue == a1.tasks_overdue


# --- cost: the same number of queries at two sizes -------------------------------------------


def _calls(tree):
    group_ids = [g.id for g in tree.groups.values()]
    people = [p.id for g in tree.groups.values() for p in g.people]
    return {
        "figures_by_group": lambda: metrics.figures_by_group(group_ids, YEAR, today=TODAY),
        "figures_by_unit": lambda: metrics.figures_by_unit(tree.root, YEAR, today=TODAY),
        "figures_for_unit": lambda: metrics.figures_for_unit(tree.root, YEAR, today=TODAY),
        "figures_by_session": lambda: metrics.figures_by_session(
            tree.groups["a1"], YEAR, today=TODAY),
        "figures_by_person": lambda: metrics.figures_by_person(None, people, YEAR, today=TODAY),
        "sessions_by_month": lambda: metrics.sessions_by_month(tree.root, 2026),
        "attendance_by_month": lambda: metrics.attendance_by_month(tree.root, 2026),
        "unit_overview": lambda: metrics.unit_overview(tree.root, YEAR, today=TODAY),
    }


def _count(count_queries, tree):
    """Queries per call, with the arguments loaded (as a page has them) and nothing else."""
    db.session.expire_all()
    for obj in (tree.root, *tree.groups.values()):
        db.session.refresh(obj)
    counts = {}
    for name, call in _calls(tree).items():
        with count_queries() as counter:
            call()
        counts[name] = counter.count
    return counts


def test_query_counts_do_not_grow(tree, count_queries, create_org, create_user, create_group):
    small = _count(count_queries, tree)
    # Groups with members and plans are one query; held sessions with their attendance,
    # reflection, talk and task counts (session_stats) another; figures_by_unit adds the child
    # units, and unit_overview reads the months from its session query.
    assert small == {
        "figures_by_group": 2, "figures_by_unit": 3, "figures_for_unit": 2,
        "figures_by_session": 1, "figures_by_person": 1, "sessions_by_month": 1,
        "attendance_by_month": 1, "unit_overview": 3,
    }
    # Ten times the units, groups, people and sessions.
    for k in range(10):
        unit = create_org(f"新增{k}", parent=tree.a1 if k % 2 else tree.b)
        people = tuple(create_user() for _ in range(4))
        group = create_group(unit, members=people)
        group.people = people
        populate(group, people, 5)
        tree.groups[f"new{k}"] = group
        populate(tree.groups["a1"], tree.groups["a1"].people, 2, start=local(2026, 2, 1, 9),
                 with_plan=False)
    db.session.commit()
    assert metrics.figures_for_unit(tree.root, YEAR).sessions_held > 60
    assert _count(count_queries, tree) == small
