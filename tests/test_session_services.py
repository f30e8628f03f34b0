"""Services and queries of the session record, without HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.labels import label
from studytrack.models import (
    AttendanceStatus,
    AuditEvent,
    GroupMembership,
    SessionKind,
    SessionStatus,
    StudySession,
    TaskStatus,
)
from studytrack.study_sessions import queries, rules, services
from studytrack.study_sessions.routes import paragraphs

pytestmark = pytest.mark.usefixtures("request_context")  # services run inside a request



@pytest.fixture
def people(create_user, create_group):
    chair = create_user(display_name="平杰", position="党委书记")
    recorder = create_user(display_name="记录员")
    secretary = create_user(display_name="秘书")
    outsider = create_user(display_name="外人")
    group = create_group(members=(chair, recorder), secretaries=(secretary,))
    return {"group": group, "chair": chair, "recorder": recorder, "secretary": secretary,
            "outsider": outsider}


def data(**overrides):
    values = {
        "kind": SessionKind.COLLECTIVE,
        "topic": "学习贯彻“2·23”重要讲话精神",
        "starts_at": datetime(2026, 3, 26, 14, 0),
        "ends_at": datetime(2026, 3, 26, 16, 30),
        "location": "518会议室",
        "reflection_due_on": date(2026, 4, 10),
        "min_reflection_chars": 800,
    }
    values.update(overrides)
    return rules.SessionData(**values)


def events(action=None):
    """The session events (the factories log the users and groups they create)."""
    query = sa.select(AuditEvent).where(AuditEvent.action.startswith("session.")).order_by(
        AuditEvent.id
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


# --- create --------------------------------------------------------------------------------


def test_create_stores_utc_and_starts_as_a_draft(people):
    group, chair = people["group"], people["chair"]
    session = services.create_session(
        group, data(chair_id=chair.id, recorder_id=people["recorder"].id), people["secretary"]
    )
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(StudySession, session.id)
    assert session.status == SessionStatus.DRAFT
    assert session.starts_at == datetime(2026, 3, 26, 6, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 3, 26, 8, 30, tzinfo=UTC)
    assert session.chair_id == chair.id
    assert session.created_by_id == people["secretary"].id
    assert session.min_reflection_chars == 800
    assert session.version == 1
    [event] = events("session.create")
    assert event.object_type == "StudySession" and event.object_id == session.id
    assert event.organization_id == group.organization_id
    changes = event.details["changes"]
    assert changes["topic"] == [None, "学习贯彻“2·23”重要讲话精神"]
    assert changes["starts_at"] == [None, "2026-03-26T14:00+08:00"]
    assert changes["chair_id"] == [None, "平杰"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": datetime(2026, 3, 26, 13, 59)}, "ends_at"),
        ({"reflection_due_on": date(2026, 3, 25)}, "reflection_due_on"),
        ({"min_reflection_chars": -1}, "min_reflection_chars"),
    ],
)
def test_create_refuses_bad_input_beside_the_field(people, overrides, field):
    with pytest.raises(DomainError) as error:
        services.create_session(people["group"], data(**overrides), people["secretary"])
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(StudySession.id))) == 0
    assert events() == []


def test_due_date_on_the_day_of_the_session_is_fine(people):
    session = services.create_session(
        people["group"], data(reflection_due_on=date(2026, 3, 26), ends_at=None), None
    )
    assert session.reflection_due_on == date(2026, 3, 26)


@pytest.mark.parametrize("field", ["chair_id", "recorder_id"])
def test_chair_and_recorder_must_be_current_members(people, field):
    with pytest.raises(DomainError) as error:
        services.create_session(
            people["group"], data(**{field: people["outsider"].id}), people["secretary"]
        )
    assert error.value.field == field
    assert "现任成员" in str(error.value.message)  # "must be a current member", in Chinese


# --- update --------------------------------------------------------------------------------


def make(people, **overrides):
    session = services.create_session(people["group"], data(**overrides), people["secretary"])
    db.session.commit()
    return session


def test_update_logs_old_and_new_values(people):
    session = make(people, chair_id=people["chair"].id)
    changes = services.update_session(
        session, data(topic="新主题", chair_id=people["recorder"].id, location=None), 1
    )
    db.session.commit()
    assert session.topic == "新主题" and session.location is None
    assert session.version == 2
    assert changes == {
        "topic": ["学习贯彻“2·23”重要讲话精神", "新主题"],
        "location": ["518会议室", None],
        "chair_id": ["平杰", "记录员"],
    }
    [event] = events("session.update")
    assert event.details["changes"] == changes
    assert event.details["session_id"] == session.id


def test_update_without_changes_writes_nothing(people):
    session = make(people)
    assert services.update_session(session, data(), 1) == {}
    db.session.commit()
    assert session.version == 1
    assert events("session.update") == []


def test_stale_version_is_refused_and_nothing_changes(people):
    session = make(people)
    services.update_session(session, data(topic="第一位秘书的修改"), 1)
    db.session.commit()
    with pytest.raises(rules.StaleRecordError) as error:
        services.update_session(session, data(topic="第二位秘书的修改"), 1)
    assert "他人修改了" in str(error.value.message)  # "changed by someone else"
    db.session.rollback()
    assert db.session.get(StudySession, session.id).topic == "第一位秘书的修改"
    with pytest.raises(rules.StaleRecordError):
        services.update_session(session, data(), None)


def test_a_save_racing_another_commit_fails_at_flush(people):
    """Second line of defence: the version check passed, but the row changed before the write."""
    session = make(people)
    db.session.execute(
        sa.update(StudySession)
        .where(StudySession.id == session.id)
        .values(topic="别人刚保存的", version=StudySession.version + 1)
    )
    db.session.commit()
    # This request had loaded version 1 just before the other save was committed.
    set_committed_value(session, "version", 1)
    set_committed_value(session, "topic", "学习贯彻“2·23”重要讲话精神")
    with pytest.raises(StaleDataError):
        services.update_session(session, data(topic="我的修改"), 1)
    db.session.rollback()
    assert db.session.get(StudySession, session.id).topic == "别人刚保存的"


def test_a_chair_who_has_left_may_stay_on_the_record(people):
    session = make(people, chair_id=people["chair"].id)
    membership = db.session.scalar(
        sa.select(GroupMembership).where(GroupMembership.user_id == people["chair"].id)
    )
    membership.left_on = date(2026, 5, 1)
    db.session.commit()
    services.update_session(session, data(chair_id=people["chair"].id, topic="改"), 1)
    with pytest.raises(DomainError) as error:
        services.update_session(session, data(recorder_id=people["chair"].id), session.version)
    assert error.value.field == "recorder_id"


def test_member_choices_keep_a_former_chair(people):
    choices = dict(queries.member_choices(people["group"]))
    assert choices[people["chair"].id] == "平杰（党委书记）"
    assert people["outsider"].id not in choices
    choices = dict(queries.member_choices(people["group"], keep=(people["outsider"].id, None)))
    assert choices[people["outsider"].id] == "外人"


# --- lifecycle -----------------------------------------------------------------------------


def test_lifecycle_publish_close_reopen(people):
    session = make(people)
    services.publish(session)
    db.session.commit()
    assert session.status == SessionStatus.PUBLISHED and session.published_at is not None
    services.close(session)
    db.session.commit()
    assert session.status == SessionStatus.CLOSED and session.closed_at is not None
    services.reopen(session)
    db.session.commit()
    assert session.status == SessionStatus.PUBLISHED and session.closed_at is None
    actions = [e.action for e in events()]
    assert actions == ["session.create", "session.publish", "session.close", "session.reopen"]
    assert events("session.publish")[0].details["status"] == ["draft", "published"]
    assert events("session.reopen")[0].details["closed_at"] is not None


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (SessionStatus.PUBLISHED, services.publish),
        (SessionStatus.CLOSED, services.publish),
        (SessionStatus.DRAFT, services.close),
        (SessionStatus.CLOSED, services.close),
        (SessionStatus.DRAFT, services.reopen),
        (SessionStatus.PUBLISHED, services.reopen),
        (SessionStatus.CANCELLED, services.reopen),
    ],
)
def test_wrong_transitions_are_refused(people, create_session, status, step):
    session = create_session(people["group"], status=status)
    with pytest.raises(DomainError):
        step(session)
    assert session.status == status
    assert session.published_at is None and session.closed_at is None
    assert events() == []


def test_cancel_needs_a_reason_and_keeps_the_record(people, create_session):
    session = create_session(people["group"], status=SessionStatus.PUBLISHED)
    with pytest.raises(DomainError) as error:
        services.cancel(session, "   ")
    assert error.value.field == "reason"
    services.cancel(session, "疫情防控，改期举行")
    db.session.commit()
    assert db.session.get(StudySession, session.id).status == SessionStatus.CANCELLED
    [event] = events("session.cancel")
    assert event.details["reason"] == "疫情防控，改期举行"
    assert queries.cancel_reason(session) == "疫情防控，改期举行"
    with pytest.raises(DomainError):
        services.cancel(session, "again")


def test_closed_session_cannot_be_cancelled(people, create_session):
    session = create_session(people["group"], status=SessionStatus.CLOSED)
    with pytest.raises(DomainError):
        services.cancel(session, "理由")


# --- minutes -------------------------------------------------------------------------------


def test_minutes_are_normalised_plain_text(people):
    session = make(people)
    assert services.save_minutes(session, "第一段  \r\n第一段续\r\n\r\n\r\n第二段\r\n\r\n", 1)
    db.session.commit()
    assert session.minutes == "第一段\n第一段续\n\n\n第二段"
    assert not services.save_minutes(session, session.minutes, session.version)
    assert services.save_minutes(session, "  \n ", session.version)
    assert session.minutes is None
    assert [e.details["characters"] for e in events("session.minutes")] == [[0, 14], [14, 0]]


def test_stale_minutes_are_refused(people):
    session = make(people)
    services.save_minutes(session, "甲的纪要", 1)
    db.session.commit()
    with pytest.raises(rules.StaleRecordError):
        services.save_minutes(session, "乙的纪要", 1)
    db.session.rollback()
    assert db.session.get(StudySession, session.id).minutes == "甲的纪要"


def test_paragraphs_filter_escapes_everything():
    html = paragraphs("<script>alert(1)</script>\n第二行\n\n第二段 & <b>粗</b>")
    assert isinstance(html, Markup)
    assert "<script>" not in html and "<b>" not in html
    assert html == Markup(
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>\n第二行</p>\n"
        "<p>第二段 &amp; &lt;b&gt;粗&lt;/b&gt;</p>"
    )
    assert paragraphs(None) == "" and paragraphs("") == ""


# --- queries -------------------------------------------------------------------------------


def test_group_sessions_filters_by_local_year_kind_and_status(people, create_session,
                                                             create_group):
    group = people["group"]
    # 2025-12-31 20:00 UTC is already 2026-01-01 04:00 in Shanghai.
    create_session(group, topic="新年", starts_at=datetime(2025, 12, 31, 20, 0, tzinfo=UTC))
    create_session(group, topic="旧年", starts_at=datetime(2025, 12, 31, 15, 0, tzinfo=UTC),
                   kind=SessionKind.SEMINAR)
    create_session(group, topic="草稿", status=SessionStatus.DRAFT,
                   starts_at=datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    create_session(group, topic="取消的草稿", status=SessionStatus.CANCELLED,
                   starts_at=datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    create_session(group, topic="取消的", status=SessionStatus.CANCELLED,
                   starts_at=datetime(2026, 4, 1, 2, 0, tzinfo=UTC),
                   published_at=datetime(2026, 3, 1, tzinfo=UTC))

    def topics(**kwargs):
        kwargs.setdefault("include_drafts", True)
        return [s.topic for s in queries.group_sessions(group, **kwargs).items]

    assert topics() == ["草稿", "取消的草稿", "取消的", "新年", "旧年"]
    assert topics(include_drafts=False) == ["取消的", "新年", "旧年"]
    assert topics(year=2026) == ["草稿", "取消的草稿", "取消的", "新年"]
    assert topics(year=2025) == ["旧年"]
    assert topics(kind=SessionKind.SEMINAR) == ["旧年"]
    assert topics(status=SessionStatus.DRAFT) == ["草稿"]
    assert topics(status=SessionStatus.DRAFT, include_drafts=False) == []
    assert queries.session_years(group, include_drafts=True) == [2026, 2025]
    assert queries.session_years(group, include_drafts=False) == [2026, 2025]
    assert queries.session_years(create_group(), include_drafts=True) == []


def test_group_sessions_paginates(people, create_session):
    for n in range(23):
        create_session(people["group"], topic=f"第{n}次",
                       starts_at=datetime(2026, 1, 1 + n, 6, 0, tzinfo=UTC))
    first = queries.group_sessions(people["group"], include_drafts=True, page=1)
    second = queries.group_sessions(people["group"], include_drafts=True, page=2)
    assert first.total == 23 and first.pages == 2
    assert len(first.items) == queries.SESSIONS_PER_PAGE
    assert first.items[0].topic == "第22次"
    assert len(second.items) == 23 - queries.SESSIONS_PER_PAGE
    past_the_end = queries.group_sessions(people["group"], include_drafts=True, page=9)
    assert past_the_end.items == [] and past_the_end.total == 23  # counted on its own
    assert queries.group_sessions(people["group"], include_drafts=True, year=2026,
                                  page=2).total == 23
    assert queries.group_sessions(people["group"], include_drafts=True, year=2025).total == 0


def test_history_finds_the_session_and_its_parts(people, create_session):
    group = people["group"]
    session = create_session(group)
    other = create_session(group, topic="另一次")
    audit.record("session.publish", session, organization_id=group.organization_id)
    audit.record("attendance.update", people["chair"], session_id=session.id, status="present")
    audit.record("talk.create", None, session_id=session.id)
    audit.record("session.publish", other)
    audit.record("attendance.update", people["chair"], session_id=other.id)
    audit.record("user.login", people["chair"])
    db.session.commit()
    pagination, entries = queries.session_history(session)
    assert pagination.total == 3
    assert [e.event.action for e in entries] == [
        "talk.create", "attendance.update", "session.publish"
    ]
    assert entries[2].action is queries.ACTION_LABELS["session.publish"]
    [line] = entries[1].lines  # session_id is not shown
    assert line.name is queries.FIELD_LABELS["status"] and line.new == "present"


def test_detail_lines_read_well():
    lines = queries.detail_lines("FollowUpTask", {
        "session_id": 3, "from": "open", "to": "in_progress", "note": "已完成",
    })
    assert [(line.name, line.old, line.new, line.is_change) for line in lines] == [
        (queries.FIELD_LABELS["status"], label(TaskStatus.OPEN), label(TaskStatus.IN_PROGRESS),
         True),
        (queries.FIELD_LABELS["note"], None, "已完成", False),
    ]
    [line] = queries.detail_lines("StudySession", {"people": ["张三", "李四"]})
    assert not line.is_change and line.new == "张三、李四"
    [line] = queries.detail_lines(
        "Attendance", {"changes": {"status": [None, "on_leave"]}, "material_id": 1}
    )
    assert line.is_change and line.old is None and line.new == label(AttendanceStatus.ON_LEAVE)
    [line] = queries.detail_lines("StudySession", {"status": ["draft", "published"]})
    assert line.new == label(SessionStatus.PUBLISHED)
    assert queries.detail_lines("StudySession", None) == []
