"""What a notification says and where it leads, rendered when it is shown: in the reader's
language, from its kind, its details and the session, reflection or task it links to.

The linked objects are read first (their current topic, title and due date); the details
written with the notification are the fallback (they keep what was true when it was sent,
e.g. the reviewer's comment of that return).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

from flask import url_for
from flask_babel import gettext as _

from studytrack.models import NotificationKind
from studytrack.notifications.queries import NotificationItem
from studytrack.web import local_date

COMMENT_PREVIEW = 140


@dataclass(frozen=True)
class Shown:
    text: str  # one sentence, plain text (the template escapes it)
    url: str  # the thing it is about
    icon: str  # a bootstrap-icons name
    late: bool = False  # a late submission (shown as a badge)


def _shorten(text: str, limit: int = COMMENT_PREVIEW) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _topic(item: NotificationItem) -> str:
    details = item.notification.details or {}
    if item.session is not None:
        return item.session.topic
    if item.task is not None and item.task.session is not None:
        return item.task.session.topic
    return str(details.get("topic") or "")


def _session_url(item: NotificationItem) -> str:
    session_id = item.notification.session_id or (item.task.session_id if item.task else None)
    if session_id:
        return url_for("study_sessions.detail", session_id=session_id)
    return url_for("notifications.index")


def shown(item: NotificationItem) -> Shown:
    note = item.notification
    details: dict[str, Any] = note.details or {}
    topic = _topic(item)
    if note.kind == NotificationKind.REFLECTION_RETURNED:
        comment = details.get("comment") or (item.reflection.review_comment if item.reflection
                                             else None) or ""
        url = (url_for("reflections.edit", session_id=note.session_id)
               if note.session_id else _session_url(item))
        if comment:
            text = _("Your reflection for «%(topic)s» was returned: %(comment)s",
                     topic=topic, comment=_shorten(comment))
        else:
            text = _("Your reflection for «%(topic)s» was returned for revision.", topic=topic)
        return Shown(text, url, "arrow-return-left")
    if note.kind == NotificationKind.REFLECTION_ACCEPTED:
        url = (url_for("reflections.edit", session_id=note.session_id)
               if note.session_id else _session_url(item))
        return Shown(_("Your reflection for «%(topic)s» was accepted.", topic=topic), url,
                     "check2-circle")
    if note.kind == NotificationKind.REFLECTION_SUBMITTED:
        author = (item.reflection.author.display_name if item.reflection is not None
                  else str(details.get("author") or ""))
        url = (url_for("reflections.detail", reflection_id=note.reflection_id)
               if note.reflection_id else _session_url(item))
        if details.get("resubmission"):
            text = _("%(name)s resubmitted a revised reflection for «%(topic)s»",
                     name=author, topic=topic)
        else:
            text = _("%(name)s submitted a reflection for «%(topic)s»", name=author, topic=topic)
        return Shown(text, url, "journal-arrow-up", late=bool(details.get("late")))
    if note.kind == NotificationKind.TASK_ASSIGNED:
        task = item.task
        title = task.title if task is not None else str(details.get("title") or "")
        due: Any = task.due_on if task is not None else details.get("due_on")
        url = (url_for("followups.detail", task_id=note.task_id)
               if note.task_id else _session_url(item))
        if due is not None:
            date = due if isinstance(due, str) else local_date(due)
            text = _("New task: %(title)s, due %(date)s", title=title, date=date)
        else:
            text = _("New task: %(title)s (no deadline)", title=title)
        return Shown(text, url, "check2-square")
    if note.kind == NotificationKind.EXPORT_READY:
        job_id = details.get("job_id")
        url = (url_for("jobs.detail", job_id=job_id) if isinstance(job_id, int)
               else url_for("notifications.index"))
        return Shown(_("“%(name)s” is ready to download.", name=details.get("name") or ""),
                     url, "file-earmark-zip")
    if note.kind in REMINDER_KINDS:
        return _reminder(note.kind, item, details, topic)
    # Every kind has its text: a new one fails the type check here (a kind the enum lacks
    # cannot be loaded: its column refuses unknown values)
    assert_never(note.kind)  # type: ignore[arg-type]  # the reminders' kinds: _reminder


REMINDER_KINDS = frozenset({
    NotificationKind.REFLECTION_REQUESTED, NotificationKind.REFLECTION_DUE,
    NotificationKind.REFLECTION_OVERDUE, NotificationKind.MAKEUP_OWED,
    NotificationKind.TASK_DUE, NotificationKind.TASK_OVERDUE, NotificationKind.PLAN_ITEM_DUE,
    NotificationKind.SECRETARY_DIGEST, NotificationKind.LEADER_DIGEST,
})


def _reminder(kind: NotificationKind, item: NotificationItem, details: dict[str, Any],
              topic: str) -> Shown:
    """The reminders' notifications (studytrack.reminders), from what the reminder found."""
    note = item.notification
    due = details.get("due_on")
    day = local_date(date.fromisoformat(due)) if isinstance(due, str) else ""
    if kind in (NotificationKind.REFLECTION_REQUESTED, NotificationKind.REFLECTION_DUE,
                NotificationKind.REFLECTION_OVERDUE):
        url = url_for("reflections.edit", session_id=note.session_id)
        if kind == NotificationKind.REFLECTION_REQUESTED:
            text = (_("Please write your reflection on «%(topic)s» by %(date)s", topic=topic,
                      date=day) if day else
                    _("Please write your reflection on «%(topic)s»", topic=topic))
            return Shown(text, url, "pencil-square")
        if kind == NotificationKind.REFLECTION_DUE:
            return Shown(_("Your reflection on «%(topic)s» is due on %(date)s", topic=topic,
                           date=day), url, "alarm")
        return Shown(_("Your reflection on «%(topic)s» was due on %(date)s", topic=topic,
                       date=day), url, "exclamation-triangle", late=True)
    if kind == NotificationKind.MAKEUP_OWED:
        names = details.get("names")
        text = (_("%(num)d people owe make-up study for «%(topic)s»", num=len(names),
                  topic=topic) if names is not None else
                _("Make-up study owed for «%(topic)s»", topic=topic))
        return Shown(text, _session_url(item), "journal-bookmark")
    if kind in (NotificationKind.TASK_DUE, NotificationKind.TASK_OVERDUE):
        title = item.task.title if item.task is not None else str(details.get("title") or "")
        url = (url_for("followups.detail", task_id=note.task_id) if note.task_id
               else _session_url(item))
        if kind == NotificationKind.TASK_DUE:
            return Shown(_("Task due on %(date)s: %(title)s", date=day, title=title), url,
                         "alarm")
        return Shown(_("Task overdue since %(date)s: %(title)s", date=day, title=title), url,
                     "exclamation-triangle", late=True)
    if kind == NotificationKind.PLAN_ITEM_DUE:
        return Shown(_("Planned for this month, no session yet: %(topic)s",
                       topic=details.get("topic") or ""),
                     url_for("plans.current_plan", group_id=details.get("group_id")),
                     "calendar2-week")
    if kind == NotificationKind.SECRETARY_DIGEST:
        return Shown(_("Your week as study secretary: what is waiting for you"),
                     url_for("home.index"), "list-check")
    return Shown(_("%(unit)s: study figures for %(year)s", unit=details.get("unit") or "",
                   year=details.get("year") or ""),
                 url_for("dashboard.unit", org_id=details.get("unit_id"),
                         year=details.get("year")), "bar-chart")
