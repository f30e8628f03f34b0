"""Reflections without HTTP: counting characters, who must write, drafts and versions, the
minimum length, late marking in Asia/Shanghai, the review flow, notifications, the audit trail
and the reads behind the review pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin_services
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    GroupMembership,
    GroupRole,
    Notification,
    NotificationKind,
    Reflection,
    ReflectionStatus,
    SessionStatus,
)
from studytrack.reflections import queries, services
from studytrack.reflections.queries import State

DUE = date(2026, 4, 10)


def attend(session, user, status, *, makeup_on=None, sort_order=0):
    row = Attendance(
        session=session, user=user, status=status, makeup_on=makeup_on, sort_order=sort_order,
        leave_reason="公务出差" if status == AttendanceStatus.ON_LEAVE else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(request_context, world, create_user, create_session):
    """The shared world, its member the one present; three more members (madeup, on leave with
    a make-up, absent and unmarked), two more secretaries (former_secretary left on 1 January
    2026), an observer who is no member, and a session (reflections due DUE, at least 10
    characters) with everyone's attendance."""
    world.present = world.member
    people = {name: create_user(name, f"{name}同志")
              for name in ("madeup", "absent", "unmarked", "secretary2", "former_secretary",
                           "observer")}
    for name, user in people.items():
        setattr(world, name, user)
        if name in ("madeup", "absent", "unmarked"):
            admin_services.add_member(world.group, user)
        elif name != "observer":
            admin_services.add_member(world.group, user, GroupRole.SECRETARY)
    former = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.user_id == world.former_secretary.id)).one()
    former.left_on = date(2026, 1, 1)
    db.session.commit()
    session = world.session = create_session(world.group, reflection_due_on=DUE,
                                             min_reflection_chars=10)
    attend(session, world.present, AttendanceStatus.PRESENT, sort_order=1)
    attend(session, world.madeup, AttendanceStatus.ON_LEAVE, makeup_on=date(2026, 4, 1),
           sort_order=2)
    attend(session, world.absent, AttendanceStatus.ABSENT, sort_order=3)
    attend(session, world.observer, AttendanceStatus.OBSERVER, sort_order=4)
    attend(session, world.unmarked, None, sort_order=5)
    return world


TEXT = "学习贯彻习近平总书记重要讲话精神，深刻领会。"  # 22 characters


def _draft(world, who="present", body=TEXT, version=None, title="学习体会"):
    reflection = services.save_draft(world.session, getattr(world, who), title, body, version)
    db.session.commit()
    return reflection


def _events(reflection, action=None):
    query = sa.select(AuditEvent).where(
        AuditEvent.object_type == "Reflection", AuditEvent.object_id == reflection.id
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _notes(kind=None):
    query = sa.select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


# --- counting characters ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0),
    (None, 0),
    ("学习体会", 4),
    ("学习 体会", 4),  # a space does not count
    ("学习\u3000体会", 4),  # nor the full-width space
    ("第一段。\n\n第二段。\r\n", 8),  # nor line breaks
    ("  \t\n ", 0),
    ("Study hard", 9),  # Latin letters count one each, not words
    ("学习，（一）！", 7),  # punctuation counts
    ("2026年", 5),
    ("👍", 1),
    ("❤️", 1),  # with its variation selector
    ("👨\u200d👩\u200d👧", 3),  # a family: three people, the joiners do not count
    ("\ufeff学习", 2),
])
def test_character_count_is_chinese_aware(text, expected):
    assert services.count_characters(text) == expected


def test_draft_stores_the_count_and_the_text_as_written(world):
    body = "  <b>加强</b> 学习 😀\r\n第二行  "
    reflection = _draft(world, body=body)
    assert reflection.body == "  <b>加强</b> 学习 😀\n第二行  "
    assert reflection.char_count == services.count_characters(body) == 15


# --- who must write ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["present", "madeup"])
def test_present_and_made_up_members_write(world, who):
    reflection = _draft(world, who)
    assert reflection.status == ReflectionStatus.DRAFT
    assert reflection.author == getattr(world, who)


@pytest.mark.parametrize("who", ["absent", "observer", "unmarked", "secretary", "outsider"])
def test_others_may_not_write(world, who):
    with pytest.raises(DomainError) as caught:
        services.save_draft(world.session, getattr(world, who), None, TEXT)
    assert caught.value.message == services.NOT_REQUIRED
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 0


def test_make_up_study_recorded_later_makes_the_absent_write(world):
    row = db.session.scalar(sa.select(Attendance).where(Attendance.user_id == world.absent.id))
    row.makeup_on = date(2026, 4, 5)
    db.session.commit()
    assert _draft(world, "absent").author_id == world.absent.id


# --- drafts and versions -----------------------------------------------------------------


def test_one_reflection_per_member_and_session(world):
    first = _draft(world)
    second = _draft(world, body=TEXT + "再补充", version=first.version)
    assert first.id == second.id
    assert second.body.endswith("再补充")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 1


def test_each_change_gets_a_new_version_and_same_text_does_not(world):
    reflection = _draft(world)
    v1 = reflection.version
    _draft(world, body=TEXT + "一", version=v1)
    assert reflection.version == v1 + 1
    _draft(world, body=TEXT + "一", version=v1 + 1)
    assert reflection.version == v1 + 1


def test_stale_save_is_refused_and_changes_nothing(world):
    reflection = _draft(world)
    old = reflection.version
    _draft(world, body="另一个标签页的文字，足够长的内容", version=old)
    with pytest.raises(services.StaleReflection) as caught:
        services.save_draft(world.session, world.present, None, "旧标签页", old)
    assert "其他标签页" in str(caught.value.message)
    db.session.rollback()
    assert db.session.get(Reflection, reflection.id).body == "另一个标签页的文字，足够长的内容"


def test_save_without_version_when_one_exists_is_stale(world):
    _draft(world)
    with pytest.raises(services.StaleReflection):
        services.save_draft(world.session, world.present, None, "第二个标签页新建", None)


def test_title_too_long_is_refused_beside_the_field(world):
    with pytest.raises(DomainError) as caught:
        services.save_draft(world.session, world.present, "题" * 201, TEXT)
    assert caught.value.field == "title"


# --- submitting ----------------------------------------------------------------------------


def test_submit_below_minimum_is_refused_with_both_numbers_and_keeps_the_draft(world):
    reflection = _draft(world, body="太短了")
    with pytest.raises(DomainError) as caught:
        services.submit(reflection)
    message = str(caught.value.message)
    assert "3" in message and "10" in message
    assert caught.value.field == "body"
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Reflection, reflection.id)
    assert (kept.status, kept.body, kept.submitted_at) == (ReflectionStatus.DRAFT, "太短了", None)


def test_whitespace_does_not_help_reach_the_minimum(world):
    reflection = _draft(world, body="一 二 三 四 五 六 七 八 九")  # 9 characters, 17 long
    with pytest.raises(DomainError):
        services.submit(reflection)


def test_submit_exactly_at_the_minimum(world):
    reflection = _draft(world, body="一二三四五六七八九十")
    services.submit(reflection, now=datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    db.session.commit()
    assert reflection.status == ReflectionStatus.SUBMITTED
    assert reflection.submitted_at == datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "late"), [
    (datetime(2026, 4, 10, 15, 59, 59, tzinfo=UTC), False),  # 23:59:59 on the 10th in Shanghai
    (datetime(2026, 4, 10, 16, 0, 0, tzinfo=UTC), True),  # 00:00 on the 11th in Shanghai
    (datetime(2026, 4, 9, 23, 0, tzinfo=UTC), False),  # the due date itself, morning
])
def test_late_is_decided_by_the_shanghai_date(world, now, late):
    reflection = _draft(world)
    services.submit(reflection, now=now)
    db.session.commit()
    assert reflection.is_late is late


def test_no_due_date_is_never_late(world):
    world.session.reflection_due_on = None
    db.session.commit()
    reflection = _draft(world)
    services.submit(reflection, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert reflection.is_late is False


@pytest.mark.parametrize("status", [SessionStatus.CLOSED, SessionStatus.CANCELLED])
def test_session_not_open_refuses_saving_and_submitting(world, status):
    reflection = _draft(world)
    world.session.status = status
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.save_draft(world.session, world.present, None, "改动", reflection.version)
    expected = services.CLOSED if status == SessionStatus.CLOSED else services.NOT_OPEN
    assert caught.value.message == expected
    assert caught.value.field == "body"
    with pytest.raises(DomainError):
        services.submit(reflection)
    db.session.rollback()
    assert db.session.get(Reflection, reflection.id).body == TEXT


def test_submitted_reflection_is_read_only(world):
    reflection = _draft(world)
    services.submit(reflection)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.save_draft(world.session, world.present, None, "改动", reflection.version)
    assert caught.value.message == services.READ_ONLY
    with pytest.raises(DomainError):
        services.submit(reflection)


# --- the review flow, notifications and the audit trail ----------------------------------------


def test_submit_return_revise_resubmit_accept(world):
    reflection = _draft(world)
    services.submit(reflection, now=datetime(2026, 4, 10, 3, 0, tzinfo=UTC))  # on time
    db.session.commit()

    with pytest.raises(DomainError) as caught:
        services.return_for_revision(reflection, world.secretary, "   ")
    assert caught.value.field == "comment"
    services.return_for_revision(reflection, world.secretary, "请结合分管工作谈体会。")
    db.session.commit()
    assert reflection.status == ReflectionStatus.RETURNED
    assert reflection.review_comment == "请结合分管工作谈体会。"
    assert reflection.reviewer == world.secretary

    revised = services.save_draft(
        world.session, world.present, "修改稿", TEXT + "结合分管的财务工作，要做到……",
        reflection.version,
    )
    db.session.commit()
    assert revised.status == ReflectionStatus.RETURNED  # still returned until resubmitted

    services.submit(revised, now=datetime(2026, 4, 20, 3, 0, tzinfo=UTC))  # after the due date
    db.session.commit()
    assert revised.status == ReflectionStatus.SUBMITTED
    assert revised.is_late is False  # the first submission was on time

    services.accept(revised, world.secretary2)
    db.session.commit()
    assert revised.status == ReflectionStatus.ACCEPTED
    assert revised.reviewer == world.secretary2
    assert revised.review_comment is None
    assert revised.reviewed_at is not None

    actions = [e.action for e in _events(reflection)]
    assert actions == ["reflection.create", "reflection.submit", "reflection.return",
                       "reflection.submit", "reflection.accept"]
    returned = _events(reflection, "reflection.return")[0]
    assert returned.actor_id == world.secretary.id
    assert returned.details["comment"] == "请结合分管工作谈体会。"
    assert returned.details["session_id"] == world.session.id
    assert returned.organization_id == world.group.organization_id


def test_notifications_go_to_the_right_people(world):
    reflection = _draft(world)
    services.submit(reflection)
    db.session.commit()
    submitted = _notes(NotificationKind.REFLECTION_SUBMITTED)
    assert sorted(n.user_id for n in submitted) == sorted([world.secretary.id,
                                                           world.secretary2.id])
    assert {(n.session_id, n.reflection_id) for n in submitted} == {
        (world.session.id, reflection.id)}

    services.return_for_revision(reflection, world.secretary, "请充实内容")
    db.session.commit()
    [returned] = _notes(NotificationKind.REFLECTION_RETURNED)
    assert (returned.user_id, returned.reflection_id) == (world.present.id, reflection.id)
    assert returned.details["comment"] == "请充实内容"
    assert returned.read_at is None

    services.submit(reflection)
    services.accept(reflection, world.secretary)
    db.session.commit()
    [accepted] = _notes(NotificationKind.REFLECTION_ACCEPTED)
    assert (accepted.user_id, accepted.session_id) == (world.present.id, world.session.id)
    assert len(_notes(NotificationKind.REFLECTION_SUBMITTED)) == 4


def test_a_failed_submit_notifies_nobody(world):
    reflection = _draft(world, body="短")
    with pytest.raises(DomainError):
        services.submit(reflection)
    assert _notes() == []


def test_review_rules(world):
    reflection = _draft(world)
    with pytest.raises(DomainError):
        services.accept(reflection, world.secretary)  # a draft
    services.submit(reflection)
    db.session.commit()
    with pytest.raises(DomainError):
        services.accept(reflection, world.present)  # one's own
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.return_for_revision(reflection, world.secretary, "请修改")
    assert "已归档" in str(caught.value.message)
    services.accept(reflection, world.secretary)  # accepting after closing is fine
    db.session.commit()
    with pytest.raises(DomainError):
        services.accept(reflection, world.secretary)  # already accepted


# --- reads ----------------------------------------------------------------------------------


def test_owed_lists_who_must_write_with_their_state(world):
    mine = _draft(world, "present")
    services.submit(mine, now=datetime(2026, 4, 11, 2, 0, tzinfo=UTC))  # late
    db.session.commit()
    rows = queries.owed(world.session, today=date(2026, 4, 12))
    assert [r.user.id for r in rows] == [world.present.id, world.madeup.id]
    present, madeup = rows
    assert (present.state, present.is_late, present.overdue) == (State.SUBMITTED, True, False)
    assert (madeup.state, madeup.is_late, madeup.overdue) == (State.NOT_STARTED, False, True)
    assert madeup.makeup_on == date(2026, 4, 1)
    assert madeup.owes and not present.owes
    assert not queries.owed(world.session, today=date(2026, 4, 10))[1].overdue


def test_counts_agree_with_owed(world, count_queries):
    a = _draft(world, "present")
    services.submit(a)
    b = _draft(world, "madeup")
    db.session.commit()
    assert world.session.id  # loaded again after the commit
    with count_queries() as counter:
        figures = queries.counts(world.session)
    assert counter.count == 1
    assert figures == queries.counts_of(queries.owed(world.session))
    assert (figures.required, figures.submitted, figures.waiting, figures.owing) == (2, 1, 1, 1)
    services.submit(b)
    services.return_for_revision(b, world.secretary, "请修改")
    services.accept(a, world.secretary)
    db.session.commit()
    figures = queries.counts(world.session)
    assert figures == queries.counts_of(queries.owed(world.session))
    assert (figures.accepted, figures.returned, figures.owing) == (1, 1, 1)


def test_review_queues_oldest_first(world, create_session):
    other = create_session(world.group, topic="第二次学习")
    draft_session = create_session(world.group, topic="草稿", status=SessionStatus.DRAFT)
    for session in (other, draft_session):
        attend(session, world.present, AttendanceStatus.PRESENT)
    attend(other, world.madeup, AttendanceStatus.PRESENT)
    base = datetime(2026, 4, 5, tzinfo=UTC)
    late = services.save_draft(world.session, world.present, None, TEXT)
    services.submit(late, now=base + timedelta(hours=3))
    early = services.save_draft(other, world.madeup, None, TEXT)
    services.submit(early, now=base)
    middle = services.save_draft(other, world.present, None, TEXT)
    services.submit(middle, now=base + timedelta(hours=1))
    # A reflection of a draft session (cannot happen through the services) stays out.
    db.session.add(Reflection(session=draft_session, author=world.present, body=TEXT,
                              status=ReflectionStatus.SUBMITTED, submitted_at=base))
    db.session.commit()
    assert queries.review_queue(other) == [early, middle]
    assert queries.review_queue(world.session) == [late]
    assert queries.group_review_queue(world.group).items == [early, middle, late]
    services.accept(early, world.secretary)
    db.session.commit()
    assert queries.group_review_queue(world.group).items == [middle, late]
    first = queries.group_review_queue(world.group, page=1, per_page=1)
    assert (first.items, first.total, first.pages) == ([middle], 2, 2)
    assert queries.group_review_queue(world.group, page=2, per_page=1).items == [late]


def test_my_reflection(world):
    assert queries.my_reflection(world.session, world.present) is None
    reflection = _draft(world)
    assert queries.my_reflection(world.session, world.present) == reflection
    assert queries.my_reflection(world.session, world.madeup) is None


def test_handed_in_never_lists_drafts(world):
    _draft(world, "present")
    b = _draft(world, "madeup")
    services.submit(b)
    db.session.commit()
    assert [r.id for r in queries.handed_in(world.session)] == [b.id]


def test_handed_in_shows_text_author_and_review(world):
    a = _draft(world, "present")
    services.submit(a, now=datetime(2026, 4, 9, 2, 0, tzinfo=UTC))
    b = _draft(world, "madeup", title=None)
    services.submit(b, now=datetime(2026, 4, 11, 2, 0, tzinfo=UTC))  # late
    services.return_for_revision(a, world.secretary, "请补充具体举措")
    db.session.commit()
    returned, late = queries.handed_in(world.session)  # roster order
    assert (returned.id, returned.author.display_name, returned.status) == (
        a.id, "张瑜", ReflectionStatus.RETURNED)
    assert (returned.title, returned.body, returned.char_count) == ("学习体会", TEXT, 22)
    assert returned.submitted_at == a.submitted_at and not returned.is_late
    assert returned.review_comment == "请补充具体举措"
    assert returned.reviewer == (world.secretary.id, "李婧", None)
    assert returned.reviewed_at == a.reviewed_at is not None
    assert (late.id, late.title, late.is_late, late.reviewer) == (b.id, None, True, None)
