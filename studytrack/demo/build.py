"""Spec types for the demo's materials and sessions, and the code that turns them into rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from studytrack.demo.people import GROUPS, Registry
from studytrack.extensions import db
from studytrack.followups import services as followup_services
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    FollowUpTask,
    Material,
    MaterialKind,
    Notification,
    NotificationKind,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionMaterial,
    SessionStatus,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
    User,
)
from studytrack.reflections import services as reflection_services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as the aware UTC datetime the database keeps."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class MaterialSpec:
    key: str
    kind: MaterialKind
    title: str
    speaker: str | None
    issued_on: date | None
    source: str | None
    body: str
    short_name: str | None = None  # 简称, as the press names a speech ("“2·23”重要讲话")


@dataclass(frozen=True)
class TalkSpec:
    kind: TalkKind
    speaker: str | None  # a username; None for a guest lecturer named in speaker_name
    summary: str
    title: str | None = None
    speaker_name: str | None = None


@dataclass(frozen=True)
class LeaveSpec:
    username: str
    reason: str
    makeup_on: date | None = None
    makeup_note: str | None = None


@dataclass(frozen=True)
class ReflectionSpec:
    author: str
    status: ReflectionStatus
    body: str | None = None  # None: composed from the session's theme
    title: str | None = None
    comment: str | None = None
    after_days: int = 4  # submitted this many days after the session


@dataclass(frozen=True)
class TaskSpec:
    title: str
    detail: str | None
    due_on: date | None
    status: TaskStatus = TaskStatus.OPEN
    assignee: str | None = None
    organization: str | None = None
    completion_note: str | None = None
    done_on: date | None = None


@dataclass(frozen=True)
class SessionSpec:
    group: str
    kind: SessionKind
    topic: str
    short: str  # the theme in a few words, for reflection titles
    day: date
    start: tuple[int, int]
    hours: float
    location: str
    chair: str
    status: SessionStatus
    materials: tuple[str, ...] = ()
    talks: tuple[TalkSpec, ...] = ()
    leaves: tuple[LeaveSpec, ...] = ()
    observers: tuple[str, ...] = ()  # 列席: users who attend without being members
    minutes: str | None = None
    reflection_due_on: date | None = None
    min_reflection_chars: int = 0
    theme: str = ""  # a paragraph that composed reflections open with
    reflections: tuple[ReflectionSpec, ...] = ()
    tasks: tuple[TaskSpec, ...] = ()
    # Accepted reflections written as rows (with the audit events and notifications the
    # services would add) rather than through the services: a routine session's many
    # reflections would otherwise cost most of the seeding time.
    quick_reflections: bool = False


@dataclass
class Clock:
    """When things happened in the demo's story. The services stamp their audit events and
    notifications with the time of seeding; `apply` moves them to the story's dates and marks
    the notifications older than two weeks as read (a day after they were sent)."""

    events: dict[tuple[str, int, str], datetime] = field(default_factory=dict)
    notes: dict[tuple[NotificationKind, int], datetime] = field(default_factory=dict)

    def apply(self, today: date) -> None:
        db.session.flush()
        ids: dict[str, set[int]] = {}
        for object_type, object_id, _action in self.events:
            ids.setdefault(object_type, set()).add(object_id)
        for event in db.session.scalars(sa.select(AuditEvent).where(sa.or_(*(
            sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(object_ids))
            for object_type, object_ids in ids.items() if object_ids
        )))):
            when = self.events.get((event.object_type, event.object_id or 0, event.action))
            if when is not None:
                event.created_at = when
        unread_from = at(today - timedelta(days=14), 0)
        for note in db.session.scalars(sa.select(Notification)):
            about = (note.task_id if note.kind == NotificationKind.TASK_ASSIGNED
                     else note.reflection_id)
            when = self.notes.get((note.kind, about or 0))
            if when is None:
                continue
            note.created_at = when
            note.read_at = when + timedelta(days=1) if when < unread_from else None
        db.session.flush()


def build_materials(specs: tuple[MaterialSpec, ...], registry: Registry) -> dict[str, Material]:
    materials: dict[str, Material] = {}
    for spec in specs:
        material = Material(
            organization=registry.orgs["root"], kind=spec.kind, title=spec.title,
            speaker=spec.speaker, issued_on=spec.issued_on, source=spec.source,
            body=spec.body, short_name=spec.short_name, created_by=registry.users["secretary"],
        )
        db.session.add(material)
        materials[spec.key] = material
    return materials


def build_session(
    spec: SessionSpec, registry: Registry, materials: dict[str, Material], clock: Clock,
    plan_item: PlanItem | None = None,
) -> StudySession:
    """The session as the secretary records it; then its reflections and tasks through the
    services (submit, accept, return, create_task…) while it is published, so the must-write
    rule, the minimum length, the audit trail and the notifications are the real ones; a
    closed session is closed last. `clock` collects the dates the services' rows should carry."""
    starts_at = at(spec.day, *spec.start)
    secretary = registry.secretary_of(spec.group)
    held = spec.status in (SessionStatus.PUBLISHED, SessionStatus.CLOSED)
    session = StudySession(
        group=registry.groups[spec.group], kind=spec.kind, topic=spec.topic,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=spec.hours),
        location=spec.location, chair=registry.users[spec.chair], recorder=secretary,
        minutes=spec.minutes, status=SessionStatus.PUBLISHED if held else spec.status,
        published_at=starts_at + timedelta(days=1) if held else None,
        reflection_due_on=spec.reflection_due_on,
        min_reflection_chars=spec.min_reflection_chars,
        created_by=secretary, plan_item=plan_item,
        created_at=starts_at - timedelta(days=6),
        updated_at=starts_at + timedelta(days=1) if held else starts_at - timedelta(days=6),
    )
    db.session.add(session)
    session.session_materials = [
        SessionMaterial(material=materials[key], position=position)
        for position, key in enumerate(spec.materials)
    ]
    session.attendances = _attendances(spec, registry, held)
    session.talks = [
        Talk(
            speaker=registry.users[talk.speaker] if talk.speaker else None,
            speaker_name=talk.speaker_name, kind=talk.kind, position=position,
            title=talk.title, summary=talk.summary,
        )
        for position, talk in enumerate(spec.talks)
    ]
    db.session.flush()  # the services look the roster up by the session's id
    if spec.quick_reflections:
        _quick_reflections(session, spec, registry, clock)
    else:
        for index, reflection in enumerate(spec.reflections):
            _reflection(session, spec, reflection, registry, index, clock)
    for task in spec.tasks:
        _task(session, spec, task, registry, secretary, clock)
    if spec.status == SessionStatus.CLOSED:
        session.status = SessionStatus.CLOSED
        session.closed_at = at(spec.reflection_due_on or spec.day, 17) + timedelta(days=7)
        session.updated_at = session.closed_at
    return session


def _attendances(spec: SessionSpec, registry: Registry, held: bool) -> list[Attendance]:
    """Every member, then observers: the secretary, who keeps the record (列席), and any
    guests. A draft's attendance is unmarked."""
    group = next(g for g in GROUPS if g.key == spec.group)
    leaves = {leave.username: leave for leave in spec.leaves}
    rows: list[Attendance] = []
    for username in [u for u, _ in group.members]:
        leave = leaves.get(username)
        status = None
        if held:
            status = AttendanceStatus.ON_LEAVE if leave else AttendanceStatus.PRESENT
        rows.append(Attendance(
            user=registry.users[username], status=status, sort_order=len(rows),
            leave_reason=leave.reason if leave else None,
            makeup_on=leave.makeup_on if leave else None,
            makeup_note=leave.makeup_note if leave else None,
        ))
    for username in [group.secretary, *spec.observers]:
        rows.append(Attendance(
            user=registry.users[username], sort_order=len(rows),
            status=AttendanceStatus.OBSERVER if held else None,
        ))
    return rows


def _reflection(
    session: StudySession, spec: SessionSpec, item: ReflectionSpec, registry: Registry,
    index: int, clock: Clock,
) -> Reflection:
    """Written the evening before it is handed in, submitted `after_days` after the session,
    reviewed by the group's secretary two days later."""
    body = item.body if item.body is not None else compose_reflection(spec, index)
    written = at(spec.day + timedelta(days=item.after_days), 21)
    reflection = reflection_services.save_draft(
        session, registry.users[item.author], item.title or f"{spec.short}学习体会", body
    )
    reflection.created_at = written - timedelta(days=1)
    reflection.updated_at = reflection.created_at
    clock.events[("Reflection", reflection.id, "reflection.create")] = reflection.created_at
    if item.status != ReflectionStatus.DRAFT:
        reflection_services.submit(reflection, now=written)
        reflection.updated_at = written
        clock.events[("Reflection", reflection.id, "reflection.submit")] = written
        clock.notes[(NotificationKind.REFLECTION_SUBMITTED, reflection.id)] = written
    if item.status in (ReflectionStatus.ACCEPTED, ReflectionStatus.RETURNED):
        reviewer = registry.secretary_of(spec.group)
        if item.status == ReflectionStatus.ACCEPTED:
            reflection_services.accept(reflection, reviewer, item.comment)
            kind, action = NotificationKind.REFLECTION_ACCEPTED, "reflection.accept"
        else:
            reflection_services.return_for_revision(reflection, reviewer, item.comment)
            kind, action = NotificationKind.REFLECTION_RETURNED, "reflection.return"
        reviewed = at(spec.day + timedelta(days=item.after_days + 2), 10)
        reflection.reviewed_at = reflection.updated_at = reviewed
        clock.events[("Reflection", reflection.id, action)] = reviewed
        clock.notes[(kind, reflection.id)] = reviewed
    return reflection


def _quick_reflections(
    session: StudySession, spec: SessionSpec, registry: Registry, clock: Clock
) -> None:
    """Accepted reflections as `_reflection` leaves them, in two flushes: the rows, then the
    audit trail (create, submit, accept) and the notifications (to the secretary, the author)."""
    reviewer = registry.secretary_of(spec.group)
    org_id = registry.groups[spec.group].organization_id
    rows: list[tuple[Reflection, datetime, datetime]] = []  # with when written and reviewed
    for index, item in enumerate(spec.reflections):
        assert item.status == ReflectionStatus.ACCEPTED, "quick reflections are accepted"
        body = item.body if item.body is not None else compose_reflection(spec, index)
        written = at(spec.day + timedelta(days=item.after_days), 21)
        reviewed = at(spec.day + timedelta(days=item.after_days + 2), 10)
        reflection = Reflection(
            session=session, author=registry.users[item.author],
            title=item.title or f"{spec.short}学习体会", body=body,
            char_count=reflection_services.count_characters(body),
            status=ReflectionStatus.ACCEPTED, submitted_at=written, reviewer=reviewer,
            reviewed_at=reviewed, review_comment=item.comment,
            is_late=bool(spec.reflection_due_on and written.astimezone(SHANGHAI).date()
                         > spec.reflection_due_on),
            created_at=written - timedelta(days=1), updated_at=reviewed,
        )
        assert reflection.char_count >= spec.min_reflection_chars
        db.session.add(reflection)
        rows.append((reflection, written, reviewed))
    db.session.flush()
    for reflection, written, reviewed in rows:
        author = reflection.author
        common = {"organization_id": org_id, "session_id": session.id}
        events = (
            ("reflection.create", author, reflection.created_at,
             {"characters": reflection.char_count}),
            ("reflection.submit", author, written,
             {"from": "draft", "to": "submitted", "characters": reflection.char_count,
              "late": reflection.is_late}),
            ("reflection.accept", reviewer, reviewed,
             {"author_id": author.id, "from": "submitted", "to": "accepted",
              "comment": reflection.review_comment}),
        )
        for action, actor, when, details in events:
            db.session.add(AuditEvent(
                actor_id=actor.id, action=action, object_type="Reflection",
                object_id=reflection.id, organization_id=org_id, created_at=when,
                details={**{k: v for k, v in common.items() if k != "organization_id"},
                         **details},
            ))
        db.session.add(Notification(
            user_id=reviewer.id, kind=NotificationKind.REFLECTION_SUBMITTED,
            session_id=session.id, reflection_id=reflection.id,
            details={"author": author.display_name, "topic": session.topic,
                     "resubmission": False, "late": reflection.is_late},
        ))
        db.session.add(Notification(
            user_id=author.id, kind=NotificationKind.REFLECTION_ACCEPTED,
            session_id=session.id, reflection_id=reflection.id,
            details={"topic": session.topic, "reviewer": reviewer.display_name},
        ))
        clock.notes[(NotificationKind.REFLECTION_SUBMITTED, reflection.id)] = written
        clock.notes[(NotificationKind.REFLECTION_ACCEPTED, reflection.id)] = reviewed


def _task(
    session: StudySession, spec: SessionSpec, item: TaskSpec, registry: Registry,
    secretary: User, clock: Clock,
) -> FollowUpTask:
    """Assigned by the secretary the day after the session (the assignee is notified), then
    moved on by its assignee (or the secretary for a unit's task)."""
    assignee = registry.users[item.assignee] if item.assignee else None
    task = followup_services.create_task(
        session, title=item.title, detail=item.detail, assignee=assignee,
        organization=registry.orgs[item.organization] if item.organization else None,
        due_on=item.due_on, actor=secretary,
    )
    assigned = at(spec.day + timedelta(days=1), 9)
    task.created_at = task.updated_at = assigned
    clock.events[("FollowUpTask", task.id, "task.create")] = assigned
    clock.notes[(NotificationKind.TASK_ASSIGNED, task.id)] = assigned
    mover = assignee or secretary
    if item.status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        followup_services.start_task(task, actor=mover)
        started = assigned + timedelta(days=1)
        task.updated_at = started
        clock.events[("FollowUpTask", task.id, "task.progress")] = started
    if item.status == TaskStatus.DONE:
        followup_services.complete_task(task, item.completion_note or "", actor=mover)
        task.completed_at = task.updated_at = at(
            item.done_on or item.due_on or spec.day + timedelta(days=7), 17
        )
        clock.events[("FollowUpTask", task.id, "task.complete")] = task.completed_at
    return task


# --- reflections composed from a theme -----------------------------------------------------

KIND_WORDS = {
    SessionKind.COLLECTIVE: "集体学习",
    SessionKind.SEMINAR: "专题研讨",
    SessionKind.LECTURE: "专题辅导",
    SessionKind.READING_RETREAT: "读书班学习",
    SessionKind.OTHER: "学习",
}

GENERIC_PARAGRAPHS = (
    "学习贵在学深悟透。我深切体会到，只有原原本本学、联系实际学、带着问题学，才能真正把握"
    "精神实质。今后我将坚持个人自学与集体学习相结合，认真研读原文原著，做好学习笔记，做到学"
    "有所思、学有所悟、学有所得，不断提高运用党的创新理论指导实践、推动工作的能力。",
    "学习的目的全在于运用。作为领导班子成员，要把学习成果转化为推动分管工作的思路举措，对照"
    "年度重点任务，梳理问题清单、责任清单和任务清单，逐项明确时间节点，以钉钉子精神抓好落实，"
    "切实做到以学促干、以干践学，让学习成效体现在事业发展的实际成果上。",
    "职业教育与经济社会发展联系最紧密。我们要坚持立德树人根本任务，深化产教融合、校企合作，"
    "紧盯上海产业发展需求调整优化专业结构，推进“岗课赛证”融通，把思政教育贯穿人才培养全过程，"
    "培养更多能工巧匠、大国工匠，为建设技能型社会贡献中侨力量。",
    "全面从严治党永远在路上。要严格落实中央八项规定及其实施细则精神，带头履行“一岗双责”，"
    "把党风廉政建设和业务工作同部署、同落实、同检查、同考核，持之以恒纠治“四风”，特别是警惕"
    "形式主义、官僚主义新表现，营造风清气正的干事创业环境。",
    "理论上清醒，政治上才能坚定。要把学习党的创新理论作为首要政治任务，深刻领悟“两个确立”"
    "的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”，始终在思想上政治上行动上"
    "同以习近平同志为核心的党中央保持高度一致。",
    "要坚持以师生为中心，把学习成效转化为为师生办实事的具体行动。聚焦师生急难愁盼问题，深入"
    "课堂、实训室、宿舍和食堂开展调查研究，听取一线意见建议，拿出务实管用的解决办法，让师生"
    "切实感受到学习带来的新变化、新气象。",
)

CLOSING = (
    "我将以这次学习为新的起点，坚持学思用贯通、知信行统一，在学深悟透上再下功夫，在推动落实"
    "上再求实效，以实际行动为学校高质量发展贡献力量。"
)


def compose_reflection(spec: SessionSpec, index: int) -> str:
    """A plausible reflection: the session's theme, four of the generic paragraphs, a close."""
    group = next(g for g in GROUPS if g.key == spec.group)
    opening = (
        f"{spec.day.month}月{spec.day.day}日，{group.name}围绕“{spec.short}”开展"
        f"{KIND_WORDS[spec.kind]}。通过学习和交流，我进一步加深了认识，现将体会汇报如下。"
    )
    generic = [GENERIC_PARAGRAPHS[(index + i) % len(GENERIC_PARAGRAPHS)] for i in range(4)]
    return "\n\n".join([opening, spec.theme, *generic, CLOSING])
