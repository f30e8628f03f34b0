"""The rules of the session record and what they say when broken: the messages and the input
shapes that forms and services share (forms check what they can before a service is asked;
services check everything again and raise DomainError beside the same field).

Nothing here reads the database: services.py, attendance_services.py and talk_services.py apply
these rules to the stored record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from studytrack.errors import DomainError, StaleVersion
from studytrack.models import AttendanceStatus, SessionKind, TalkKind


def blank_to_none(value: str | None) -> str | None:
    """Typed text without its surrounding spaces; nothing typed is None."""
    value = (value or "").strip()
    return value or None


# --- the session ---------------------------------------------------------------------------

ENDS_BEFORE_START = _l("The end must not be before the start.")
DUE_BEFORE_SESSION = _l("The reflection due date must not be before the day of the session.")
MIN_LENGTH_NEGATIVE = _l("The minimum reflection length cannot be negative.")
CHAIR_NOT_MEMBER = _l("The chair must be a current member of the group.")
RECORDER_NOT_MEMBER = _l("The recorder must be a current member of the group.")
CANCEL_REASON_REQUIRED = _l("Please give the reason for cancelling the session.")
STALE_MESSAGE = _l(
    "This session was changed by someone else while you were editing. Your changes have not "
    "been saved — review the current version below."
)
# A button pressed on a page that someone else's change made stale (nothing typed to keep).
STALE_ACTION = _l(
    "This session was changed by someone else at the same moment. Nothing has been changed — "
    "please check the session and try again."
)


def plan_item_elsewhere(year: int) -> Any:
    return _l(
        "Choose an item of this group's study plan for %(year)d, the year of the session.",
        year=year,
    )


class StaleRecordError(StaleVersion):
    """Someone saved the session after this user loaded it: refuse, never overwrite."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE)


@dataclass
class SessionData:
    """What the session form edits. Times are naive local wall-clock times, as typed."""

    kind: SessionKind
    topic: str
    starts_at: datetime
    ends_at: datetime | None = None
    location: str | None = None
    chair_id: int | None = None
    recorder_id: int | None = None
    reflection_due_on: date | None = None
    min_reflection_chars: int = 0
    plan_item_id: int | None = None  # an item of the group's plan for the session's year


# --- a person with an account, or a guest ----------------------------------------------------


@dataclass(frozen=True)
class PersonOrGuest:
    """Exactly one of the two: a person chosen from a list (`person_field`), or a guest
    without an account named by hand (`guest_field`). Observers and speakers are both so."""

    person_field: str
    guest_field: str
    missing: Any
    both: Any

    def check(self, person_id: int | None, guest_name: str | None) -> None:
        guest = blank_to_none(guest_name)
        if person_id is None and guest is None:
            raise DomainError(self.missing, field=self.person_field)
        if person_id is not None and guest is not None:
            raise DomainError(self.both, field=self.guest_field)


# --- attendance ----------------------------------------------------------------------------

# What a member of the group is marked (an observer, 列席, is added as one instead).
MEMBER_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT)

LEAVE_REASON_REQUIRED = _l("Please give the reason for leave.")
ALREADY_ON_LIST = _l("This person is already on the attendance list.")
UNKNOWN_PERSON = _l("Choose a person from the list.")
ONLY_OBSERVERS_REMOVED = _l(
    "Only observers can be removed from the attendance list; mark members instead."
)
MAKEUP_ONLY_FOR_MISSED = _l(
    "Make-up study is recorded only for people who were on leave or absent."
)
MAKEUP_DATE_REQUIRED = _l("Please give the date of the make-up study.")
MAKEUP_BEFORE_SESSION = _l("The make-up study cannot be before the day of the session.")
MAKEUP_IN_FUTURE = _l("The make-up study cannot be in the future.")
MAKEUP_NOTE_REQUIRED = _l("Please describe the make-up study (what was studied, and how).")
NOT_MARKED = _l("not yet marked")

OBSERVER = PersonOrGuest(
    "user_id", "guest_name",
    missing=_l("Choose a person, or type the name of a guest without an account."),
    both=_l("Either choose a person from the list or type a guest's name, not both."),
)


@dataclass(frozen=True)
class RowInput:
    """One row of the attendance form: what the user chose, and what the page showed when it
    was loaded (so that only rows this user changed are written)."""

    attendance_id: int
    status: AttendanceStatus | None
    leave_reason: str | None
    loaded_status: AttendanceStatus | None = None
    loaded_reason: str | None = None


@dataclass(frozen=True)
class RowProblem:
    attendance_id: int
    field: str  # "status" or "leave_reason"
    message: Any
    current_status: AttendanceStatus | None = None
    current_reason: str | None = None


class RowErrors(DomainError):
    """Problems with some rows of the attendance form; nothing has been saved."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems

    def show_on(self, form: Any) -> None:
        """Each problem beside its row's field; a row someone else changed meanwhile is
        reloaded, so that the next save is made knowingly against its current values."""
        for problem in self.problems:
            field = form.row(problem.attendance_id)[problem.field]
            field.errors = [*field.errors, problem.message]
            if problem.field == "status":
                form.reload_row(
                    problem.attendance_id, problem.current_status, problem.current_reason
                )


# --- talks ---------------------------------------------------------------------------------

UNKNOWN_SPEAKER = _l("Choose a member of the group or someone on the attendance list.")
CHOOSE_DIRECTION = _l("Choose up or down.")

SPEAKER = PersonOrGuest(
    "speaker_id", "speaker_name",
    missing=_l("Choose the speaker, or type the name of a guest speaker."),
    both=_l("Either choose a speaker from the list or type a guest's name, not both."),
)


@dataclass(frozen=True)
class TalkData:
    kind: TalkKind
    speaker_id: int | None = None
    speaker_name: str | None = None
    title: str | None = None
    summary: str | None = None
