"""What a reminder says, composed when it is sent: in its reader's language for a mail, in
Chinese for a group's robot, from the reminder's details and the data as it is then.

Links are absolute, made with url_for in a request context on PUBLIC_URL (`public_links`): the
worker that sends them has no request of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date, lazy_gettext
from flask_babel import gettext as _

from studytrack.dashboard.measures import BY_KEY, format_value
from studytrack.extensions import db
from studytrack.models import (
    Material,
    Reminder,
    ReminderKind,
    SessionMaterial,
    StudySession,
)
from studytrack.timeutil import utc_to_local

Kind = ReminderKind

KIND_LABELS: dict[ReminderKind, Any] = {
    Kind.REFLECTION_REQUESTED: lazy_gettext("A session asks for your reflection"),
    Kind.REFLECTION_DUE: lazy_gettext("Your reflection is due soon"),
    Kind.REFLECTION_OVERDUE: lazy_gettext("Your reflection is overdue"),
    Kind.REFLECTION_RETURNED: lazy_gettext("Your reflection was returned"),
    Kind.MAKEUP_OWED: lazy_gettext("Make-up study owed"),
    Kind.TASK_ASSIGNED: lazy_gettext("A task is given to you"),
    Kind.TASK_DUE: lazy_gettext("A task is due soon"),
    Kind.TASK_OVERDUE: lazy_gettext("A task is overdue"),
    Kind.PLAN_ITEM_DUE: lazy_gettext("A planned topic has no session this month (secretaries)"),
    Kind.SECRETARY_DIGEST: lazy_gettext("Weekly digest of your to-do (secretaries)"),
    Kind.LEADER_DIGEST: lazy_gettext("Monthly figures of your unit (leaders)"),
}


@dataclass(frozen=True)
class Message:
    subject: str
    lines: list[str]  # paragraphs
    link: str
    link_label: str
    items: list[str] = field(default_factory=list)  # a list under the paragraphs


@contextlib.contextmanager
def public_links() -> Iterator[None]:
    """url_for(..., _external=True) gives the addresses users reach the app at."""
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"]):
        yield


def compose(reminder: Reminder) -> Message:
    """The reminder's message (within public_links and the reader's locale)."""
    details = reminder.details or {}
    to_group = reminder.user_id is None
    composer = COMPOSERS[reminder.kind]
    return composer(reminder, details, to_group)


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "long") if value else ""


def _session_link(reminder: Reminder) -> str:
    return url_for("study_sessions.detail", session_id=reminder.session_id, _external=True)


def _reflection_link(reminder: Reminder, to_group: bool) -> str:
    if to_group:
        return _session_link(reminder)
    return url_for("reflections.edit", session_id=reminder.session_id, _external=True)


def _requested(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    session = db.session.get(StudySession, reminder.session_id)
    topic = details.get("topic", "")
    lines = [_("The session «%(topic)s» is published: please write your reflection.",
               topic=topic) if not to_group else
             _("The session «%(topic)s» is published: members, please write your reflections.",
               topic=topic)]
    if details.get("due_on"):
        lines.append(_("Hand it in by %(date)s.", date=_day(details["due_on"])))
    if session is not None and session.min_reflection_chars:
        lines.append(_("At least %(num)d characters.", num=session.min_reflection_chars))
    studied = _materials(reminder.session_id)
    if studied:
        lines.append(_("Studied at the session:"))
    return Message(_("Please write your reflection on «%(topic)s»", topic=topic), lines,
                   _reflection_link(reminder, to_group), _("Write my reflection")
                   if not to_group else _("Open the session"), items=studied)


def _materials(session_id: int | None) -> list[str]:
    return list(db.session.scalars(
        sa.select(Material.title)
        .join(SessionMaterial, SessionMaterial.material_id == Material.id)
        .where(SessionMaterial.session_id == session_id)
        .order_by(SessionMaterial.position, Material.title)
    ))


def _reflection_by_date(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    topic, day = details.get("topic", ""), _day(details.get("due_on"))
    if reminder.kind == Kind.REFLECTION_DUE:
        subject = _("Your reflection on «%(topic)s» is due on %(date)s", topic=topic, date=day)
        group_subject = _("Reflections on «%(topic)s» are due on %(date)s", topic=topic, date=day)
    else:
        subject = _("Your reflection on «%(topic)s» was due on %(date)s", topic=topic, date=day)
        group_subject = _("Reflections on «%(topic)s» were due on %(date)s", topic=topic,
                          date=day)
    if to_group:
        names = details.get("names") or []
        return Message(group_subject, [_("Not handed in yet (%(num)d):", num=len(names))],
                       _session_link(reminder), _("Open the session"), items=list(names))
    return Message(subject, [_("You have not handed it in yet.")],
                   _reflection_link(reminder, False), _("Write my reflection"))


def _returned(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    topic = details.get("topic", "")
    lines = [_("The study secretary returned your reflection on «%(topic)s» for revision.",
               topic=topic)]
    if details.get("comment"):
        lines.append(_("Comment: %(comment)s", comment=details["comment"]))
    return Message(_("Your reflection on «%(topic)s» was returned for revision", topic=topic),
                   lines, _reflection_link(reminder, False), _("Revise my reflection"))


def _makeup(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    topic = details.get("topic", "")
    names = details.get("names")
    if names is not None:  # to a secretary
        return Message(
            _("%(num)d people owe make-up study for «%(topic)s»", num=len(names), topic=topic),
            [_("Record their make-up study (补学) once done:")], _session_link(reminder),
            _("Open the session"), items=list(names))
    return Message(_("Make-up study owed for «%(topic)s»", topic=topic),
                   [_("You missed «%(topic)s». Please do the make-up study (补学) and tell the "
                      "study secretary, who records it.", topic=topic)],
                   _session_link(reminder), _("Open the session"))


def _task(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    title, day = details.get("title", ""), _day(details.get("due_on"))
    link = url_for("followups.detail", task_id=reminder.task_id, _external=True)
    if reminder.kind == Kind.TASK_ASSIGNED:
        subject = _("New task: %(title)s", title=title)
        lines = [_("Due on %(date)s.", date=day) if day else _("No deadline.")]
    elif reminder.kind == Kind.TASK_DUE:
        subject = _("Task due on %(date)s: %(title)s", date=day, title=title)
        lines = [_("Record its progress or mark it done on its page.")]
    else:
        subject = _("Task overdue since %(date)s: %(title)s", date=day, title=title)
        lines = [_("Record its progress or mark it done on its page.")]
    return Message(subject, lines, link, _("Open the task"))


def _plan_item(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    topic = details.get("topic", "")
    link = url_for("plans.current_plan", group_id=details.get("group_id"), _external=True)
    return Message(_("Planned for this month, no session yet: %(topic)s", topic=topic),
                   [_("The annual plan has «%(topic)s» this month, and no session is linked "
                      "to it yet.", topic=topic)], link, _("Open the plan"))


def _secretary_digest(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    items = []
    for group in details.get("groups", []):
        parts = [
            _("%(num)d to review", num=group["to_review"]) if group["to_review"] else "",
            _("%(num)d to publish", num=group["to_publish"]) if group["to_publish"] else "",
            _("%(num)d to complete", num=group["to_complete"]) if group["to_complete"] else "",
            _("%(num)d make-ups owed", num=group["makeups"]) if group["makeups"] else "",
            _("%(num)d tasks overdue", num=group["tasks_overdue"])
            if group["tasks_overdue"] else "",
            _("%(num)d planned topics this month", num=group["plan_items_due"])
            if group["plan_items_due"] else "",
            _("%(num)d reflections overdue", num=group["reflections_overdue"])
            if group["reflections_overdue"] else "",
        ]
        since = group.get("waiting_since")
        if since:
            waiting = utc_to_local(datetime.fromisoformat(since)).date()
            parts.append(_("oldest waiting since %(date)s", date=format_date(waiting, "long")))
        items.append(f"{group['group_name']}：" + "，".join(part for part in parts if part))
    return Message(_("Your week as study secretary"), [_("What is waiting for you:")],
                   url_for("home.index", _external=True), _("Open my to-do"), items=items)


def _leader_digest(reminder: Reminder, details: dict[str, Any], to_group: bool) -> Message:
    items = []
    for figure in details.get("headline", []):
        measure = BY_KEY[figure["key"]]
        text = f"{measure.label}：{format_value(measure, figure['value'])}"
        if figure.get("target") is not None:
            verdict = _("met") if figure.get("met") else _("not met")
            text += " " + _("(target %(target)s, %(verdict)s)",
                            target=format_value(measure, figure["target"]), verdict=verdict)
        items.append(text)
    lines = [_("The figures of %(unit)s for %(year)s so far:", unit=details.get("unit", ""),
               year=details.get("year", ""))]
    behind = details.get("behind") or []
    if behind:
        items.append(_("Furthest behind: %(units)s", units="、".join(
            _("%(unit)s (%(num)d targets missed)", unit=unit["name"], num=unit["missed"])
            for unit in behind)))
    link = url_for("dashboard.unit", org_id=details.get("unit_id"), year=details.get("year"),
                   _external=True)
    return Message(_("%(unit)s: study figures for %(year)s", unit=details.get("unit", ""),
                     year=details.get("year", "")), lines, link, _("Open the dashboard"),
                   items=items)


COMPOSERS = {
    Kind.REFLECTION_REQUESTED: _requested,
    Kind.REFLECTION_DUE: _reflection_by_date,
    Kind.REFLECTION_OVERDUE: _reflection_by_date,
    Kind.REFLECTION_RETURNED: _returned,
    Kind.MAKEUP_OWED: _makeup,
    Kind.TASK_ASSIGNED: _task,
    Kind.TASK_DUE: _task,
    Kind.TASK_OVERDUE: _task,
    Kind.PLAN_ITEM_DUE: _plan_item,
    Kind.SECRETARY_DIGEST: _secretary_digest,
    Kind.LEADER_DIGEST: _leader_digest,
}


def test_message() -> Message:
    return Message(_("studytrack test message"),
                   [_("This group chat will receive the study group's reminders.")],
                   url_for("home.index", _external=True), _("Open studytrack"))
