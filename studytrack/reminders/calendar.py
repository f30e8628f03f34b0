"""Private iCalendar feeds (RFC 5545) and a session's invitation, as plain functions.

A person's feed holds what their calendar should show: the sessions of their groups (time,
place, topic), the reflections they still owe and their open tasks, each on its due date. It
is read without a login, by the secret token in its address (`new_token`, `revoke_token`), so
it holds nothing the person could not see on their own pages.

Calendars match what a feed held before by UID, so the UIDs are stable, SEQUENCE follows the
session's version, and a cancelled session stays as STATUS:CANCELLED (the calendar drops the
event) instead of vanishing. Times go out in UTC; each calendar shows them in its own zone.
The wording is Chinese whatever the UI language, as the exported records are (exports.common).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from icalendar import STATUS, TRANSP, Calendar, Event, vDuration
from sqlalchemy.orm import contains_eager

from studytrack import timeutil
from studytrack.exports.common import ZH, zh
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    HANDED_IN_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    Reflection,
    SessionStatus,
    StudySession,
    User,
)

PRODID = "-//studytrack//CN"
# A session recorded without an end is shown as two hours long (a usual 集体学习).
DEFAULT_LENGTH = timedelta(hours=2)
# How far back a feed reaches: older events only slow down the phones that fetch it.
HORIZON = timedelta(days=365)
# What new_token makes (token_urlsafe: URL-safe base64). Anything else is no token, answered
# without asking the database (PostgreSQL refuses a NUL in a string: a crafted address is a 404).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# How often calendars are asked to fetch the feed again (most apps take their own pace).
REFRESH = timedelta(hours=1)


# --- the token ----------------------------------------------------------------------------


def new_token(user: User) -> str:
    """Give `user` a feed address, or a new one: the old address stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)  # 43 characters, 256 random bits
    db.session.flush()
    return user.calendar_token


def revoke_token(user: User) -> None:
    """Switch the feed off: its address answers 404 from now on."""
    user.calendar_token = None
    db.session.flush()


def feed_owner(token: str) -> User | None:
    """The active account whose feed `token` opens; None for an unknown token or an account
    that was deactivated (its feed ends with it, without anyone revoking it)."""
    if TOKEN_SHAPE.fullmatch(token) is None:
        return None
    return db.session.scalar(sa.select(User).where(User.calendar_token == token, User.active))


# --- the feed -----------------------------------------------------------------------------


def feed(user: User) -> bytes:
    """`user`'s calendar, in two queries whatever the data: the sessions of their groups with
    whether they owe a reflection for each, and their tasks."""
    since = timeutil.now_utc() - HORIZON
    since_day = timeutil.today_local() - HORIZON
    params = {"me": user.id, "since": since, "since_day": since_day}
    sessions = db.session.execute(_sessions_statement(), params).all()
    tasks = db.session.execute(_tasks_statement(), params).all()
    calendar = Calendar.new(
        prodid=PRODID, name=f"学习安排 · {user.display_name}",
        uid=f"feed-{user.id}@studytrack", refresh_interval=REFRESH,
    )
    calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook's older name for REFRESH-INTERVAL
    with _public_links():
        for session, owes in sessions:
            calendar.add_component(_session_event(session, stamp=session.updated_at))
            if owes:
                calendar.add_component(_reflection_due_event(session, user))
        for task in tasks:
            calendar.add_component(_task_event(task))
    return _serialised(calendar)


_ME: sa.BindParameter[int] = sa.bindparam("me")


@cache
def _sessions_statement() -> sa.Select[StudySession, bool]:
    """The sessions members see (StudySession.shown_to_members) of the groups `me` belongs to
    now, from `since` on, with their group, and whether `me` owes a reflection still to hand
    in: the session is open for reflections (published) with a due date, the roster says `me`
    must write (Attendance.owes_reflection), and `me`'s reflection is missing or a draft."""
    my_groups = sa.select(GroupMembership.group_id).where(
        GroupMembership.user_id == _ME, GroupMembership.left_on.is_(None)
    )
    owes = sa.and_(
        StudySession.status == SessionStatus.PUBLISHED,
        StudySession.reflection_due_on.is_not(None),
        Attendance.owes_reflection,
        sa.or_(Reflection.id.is_(None), Reflection.status.not_in(HANDED_IN_STATUSES)),
    )
    return (
        sa.select(StudySession, sa.case((owes, sa.true()), else_=sa.false()).label("owes"))
        .join(StudySession.group)
        .outerjoin(Attendance, sa.and_(
            Attendance.session_id == StudySession.id, Attendance.user_id == _ME
        ))
        .outerjoin(Reflection, sa.and_(
            Reflection.session_id == StudySession.id, Reflection.author_id == _ME
        ))
        .options(contains_eager(StudySession.group))
        .where(
            StudySession.group_id.in_(my_groups),
            StudySession.shown_to_members,
            StudySession.starts_at >= sa.bindparam("since"),
        )
        .order_by(StudySession.starts_at, StudySession.id)
    )


@cache
def _tasks_statement() -> sa.Select[int, str, date | None, datetime, str]:
    """`me`'s open and in-progress tasks with a due date from `since_day` on, with the topic
    of the session that gave them."""
    return (
        sa.select(
            FollowUpTask.id, FollowUpTask.title, FollowUpTask.due_on, FollowUpTask.updated_at,
            StudySession.topic,
        )
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(
            FollowUpTask.assignee_id == _ME,
            FollowUpTask.status.in_(ACTIVE_TASK_STATUSES),
            FollowUpTask.due_on.is_not(None),
            FollowUpTask.due_on >= sa.bindparam("since_day"),
        )
        .order_by(FollowUpTask.due_on, FollowUpTask.id)
    )


# --- one session as an invitation ---------------------------------------------------------


def invitation(session: StudySession) -> bytes:
    """`session` as a calendar file the secretary sends to the group (METHOD:PUBLISH: an
    announcement to add, no organizer asking for replies)."""
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH")
    with _public_links():
        # DTSTAMP of a METHOD object: when this file was made (RFC 5545 3.8.7.2).
        calendar.add_component(_session_event(session, stamp=timeutil.now_utc()))
    return _serialised(calendar)


def _serialised(calendar: Calendar) -> bytes:
    data: bytes = calendar.to_ical()  # typed Any by icalendar
    return data


# --- the events ---------------------------------------------------------------------------


@contextmanager
def _public_links() -> Iterator[None]:
    """url_for(..., _external=True) on the app's public address (PUBLIC_URL): a calendar app
    fetches the feed from wherever it runs, and a worker or a proxied request has no address
    of its own that people could open."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        yield


def _session_event(session: StudySession, stamp: datetime) -> Event:
    link = url_for("study_sessions.detail", session_id=session.id, _external=True)
    description = "\n".join([
        f"{ZH['group']}：{session.group.name}", f"{ZH['kind']}：{zh(session.kind)}", link,
    ])
    return Event.new(
        uid=f"session-{session.id}@studytrack",
        start=session.starts_at,
        end=session.ends_at or session.starts_at + DEFAULT_LENGTH,
        summary=session.topic,
        location=session.location or None,
        description=description,
        url=link,
        status=STATUS.CANCELLED if session.status == SessionStatus.CANCELLED else STATUS.CONFIRMED,
        sequence=session.version,
        stamp=stamp,
        last_modified=session.updated_at,
    )


def _due_day(uid: str, day: date, summary: str, description: str, link: str,
             modified: datetime) -> Event:
    """An all-day event on `day` that leaves the day free (a deadline is not a meeting)."""
    return Event.new(
        uid=uid, start=day, end=day + timedelta(days=1), summary=summary,
        description=description, url=link, transparency=TRANSP.TRANSPARENT,
        stamp=modified, last_modified=modified,
    )


def _reflection_due_event(session: StudySession, user: User) -> Event:
    assert session.reflection_due_on is not None  # the statement's `owes` requires one
    link = url_for("reflections.edit", session_id=session.id, _external=True)
    return _due_day(
        f"reflection-due-{session.id}-{user.id}@studytrack", session.reflection_due_on,
        f"心得体会截止：{session.topic}",
        "\n".join([f"{ZH['group']}：{session.group.name}", link]), link, session.updated_at,
    )


def _task_event(task: Any) -> Event:
    """A row of _tasks_statement."""
    link = url_for("followups.detail", task_id=task.id, _external=True)
    return _due_day(
        f"task-{task.id}@studytrack", task.due_on, f"任务截止：{task.title}",
        "\n".join([f"来自学习：{task.topic}", link]), link, task.updated_at,
    )
