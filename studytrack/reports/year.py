"""What a group's yearly archive holds beside its sessions' records: the year's study plan
with what became of each item, the sessions that were cancelled, with their reason (the
cancel dialog promises that their record stays in the archive), and the supervisors'
evaluations (列席旁听), and the year's figures against the targets in force."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from studytrack import timeutil
from studytrack.dashboard import metrics
from studytrack.dashboard.measures import cells, format_value
from studytrack.dashboard.metrics import Period
from studytrack.exports.archive import CancelledSession, SummaryLine
from studytrack.exports.common import iso_date, local_date, zh
from studytrack.exports.excel import EvaluationLine, PlanLine
from studytrack.extensions import db
from studytrack.models import AuditEvent, SessionStatus, StudyGroup, StudySession, Supervision
from studytrack.plans.queries import ItemStatus, plan_page
from studytrack.plans.targets import effective_targets

PLAN_STATUS_ZH = {ItemStatus.HELD: "已开展", ItemStatus.DUE: "待开展",
                  ItemStatus.OVERDUE: "逾期未开展"}
QUARTERS_ZH = ("第一季度", "第二季度", "第三季度", "第四季度")


def plan_lines(group: StudyGroup, year: int, reader: Any, today: date) -> list[PlanLine] | None:
    """The items of the group's plan for `year` as `reader` may see their sessions (None:
    no plan)."""
    page = plan_page(group, year, today, user=reader)
    if page.plan is None:
        return None
    return [
        PlanLine(
            period=f"{row.item.month}月" if row.item.month else
            QUARTERS_ZH[(row.item.quarter or 4) - 1],
            topic=row.item.topic, kind=zh(row.item.kind),
            responsible=row.item.responsible.display_name if row.item.responsible else "",
            status=PLAN_STATUS_ZH[row.status],
            sessions="；".join(f"{iso_date(s.starts_at)} {s.topic}" for s in row.sessions),
        )
        for row in page.rows
    ]


def cancelled_sessions(group: StudyGroup, year: int) -> list[CancelledSession]:
    """The group's sessions of `year` that were cancelled, oldest first, each with the reason
    its cancellation recorded (two statements)."""
    start, end = timeutil.local_year_bounds(year)
    sessions = list(db.session.execute(
        sa.select(StudySession.id, StudySession.starts_at, StudySession.topic)
        .where(StudySession.group_id == group.id,
               StudySession.status == SessionStatus.CANCELLED,
               StudySession.starts_at >= start, StudySession.starts_at < end)
        .order_by(StudySession.starts_at, StudySession.id)
    ))
    reasons: dict[int, str | None] = {}
    if sessions:
        for object_id, details in db.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.details)
            .where(AuditEvent.object_type == "StudySession",
                   AuditEvent.action == "session.cancel",
                   AuditEvent.object_id.in_([row.id for row in sessions]))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        ):
            reasons[object_id] = (details or {}).get("reason")  # the latest wins
    return [CancelledSession(starts_at, topic, reasons.get(session_id))
            for session_id, starts_at, topic in sessions]


def evaluations(sessions: list[StudySession]) -> list[EvaluationLine]:
    """The supervisors' evaluations of `sessions`, in the sessions' order (one statement)."""
    if not sessions:
        return []
    order = {session.id: index for index, session in enumerate(sessions)}
    topics = {session.id: (session.starts_at, session.topic) for session in sessions}
    found = db.session.scalars(
        sa.select(Supervision)
        .where(Supervision.session_id.in_(list(order)), Supervision.evaluated_at.is_not(None))
        .options(joinedload(Supervision.supervisor), joinedload(Supervision.organization))
        .order_by(Supervision.evaluated_at, Supervision.id)
    )
    lines = sorted(found, key=lambda s: order[s.session_id])
    return [
        EvaluationLine(local_date(topics[s.session_id][0]), topics[s.session_id][1],
                       s.supervisor.display_name, s.organization.name,
                       {point: int(s.ratings[point]) for point in s.points if point in s.ratings},
                       s.comments)
        for s in lines
    ]


def year_summary(group: StudyGroup, year: int, today: date) -> list[SummaryLine]:
    """The group's figures of `year` that have a target, each against it, as the dashboard
    judges them (measures.cells): in Chinese, for the archive's index."""
    period = Period(year, None)
    figures = metrics.figures_by_group([group.id], period, today=today)[group.id]
    lines = []
    for measure_cell in cells(figures, period, effective_targets(group.organization)).values():
        measure = measure_cell.measure
        if measure.metric is None:
            continue
        held = measure_cell.held_against
        target = "未设定目标" if measure_cell.target is None else format_value(measure, held)
        verdict = ("—" if measure_cell.verdict is None
                   else "达标" if measure_cell.verdict else "未达标")
        lines.append(SummaryLine(measure.zh, format_value(measure, measure_cell.value), target,
                                 verdict))
    return lines
