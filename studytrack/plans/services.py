"""Writes for targets and annual study plans. Services add and flush, raise DomainError beside
the right field, write the audit trail and never commit: the request's unit of work does.

Concurrent edits of a plan are caught by the plan's version counter: every change to the plan
or to one of its items bumps it, and a save made from a page showing an older version is
refused (rules.StalePlanError, a StaleVersion) without changing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    Organization,
    PlanItem,
    SessionKind,
    StudyGroup,
    StudyPlan,
    StudySession,
    Target,
    TargetMetric,
    User,
)
from studytrack.models.base import utcnow
from studytrack.plans.rules import (
    COUNT_OUT_OF_RANGE,
    MAX_COUNT,
    NEEDS_PERIOD,
    NEEDS_TOPIC,
    PLAN_EXISTS,
    RATE_OUT_OF_RANGE,
    RESPONSIBLE_NOT_MEMBER,
    TOPIC_MAX,
    YEAR_OUT_OF_RANGE,
    ItemData,
    StalePlanError,
)
from studytrack.plans.targets import is_rate, plain_number

# --- targets -------------------------------------------------------------------------------


def _check_target(metric: TargetMetric, value: Decimal) -> None:
    if is_rate(metric):
        if not Decimal(0) <= value <= Decimal(1):
            raise DomainError(RATE_OUT_OF_RANGE, field=metric.value)
    elif not Decimal(0) <= value <= MAX_COUNT:
        raise DomainError(COUNT_OUT_OF_RANGE, field=metric.value)


def set_targets(
    org: Organization | None,
    values: Mapping[TargetMetric, Decimal | None],
    actor: User | None,
) -> dict[str, list[Any]]:
    """Set the targets of `org` (None: the installation defaults) as stored values — rates as
    fractions 0..1, counts as numbers. A metric given as None is cleared, so it is inherited
    again; metrics not in `values` are left as they are. Returns {metric: [old, new]}."""
    for metric, value in values.items():
        if value is not None:
            _check_target(metric, value)
    org_id = org.id if org is not None else None
    where = (
        Target.organization_id == org_id if org_id is not None
        else Target.organization_id.is_(None)
    )
    existing = {
        TargetMetric(t.metric): t for t in db.session.scalars(sa.select(Target).where(where))
    }
    changes: dict[str, list[Any]] = {}
    for metric, value in values.items():
        row = existing.get(metric)
        old = Decimal(row.value) if row is not None else None
        if value is None:
            if row is not None:
                db.session.delete(row)
                changes[metric.value] = [_plain(old), None]
        elif row is None:
            db.session.add(Target(organization_id=org_id, metric=metric, value=value))
            changes[metric.value] = [None, _plain(value)]
        elif old != value:
            row.value = value
            changes[metric.value] = [_plain(old), _plain(value)]
    if changes:
        db.session.flush()
        audit.record(
            "target.update", org, actor=actor, organization_id=org_id,
            scope="organization" if org is not None else "default", changes=changes,
        )
    return changes


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else plain_number(value)


# --- plans ---------------------------------------------------------------------------------


def _touch(plan: StudyPlan) -> None:
    """Mark the plan changed, so its version moves on with any change to its items."""
    plan.updated_at = utcnow()


def check_version(plan: StudyPlan, expected_version: int | None) -> None:
    if expected_version is None or expected_version != plan.version:
        raise StalePlanError()


def _blank_to_none(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def create_plan(
    group: StudyGroup, year: int, *, title: str | None = None, note: str | None = None,
    actor: User | None = None,
) -> StudyPlan:
    if not 2000 <= year <= 2100:
        raise DomainError(YEAR_OUT_OF_RANGE, field="year")
    exists = db.session.scalar(
        sa.select(StudyPlan.id).where(StudyPlan.group_id == group.id, StudyPlan.year == year)
    )
    if exists is not None:
        raise DomainError(PLAN_EXISTS)
    plan = StudyPlan(group=group, year=year, title=_blank_to_none(title),
                     note=_blank_to_none(note))
    db.session.add(plan)
    db.session.flush()
    audit.record(
        "plan.create", plan, actor=actor, organization_id=group.organization_id,
        group_id=group.id, year=year, title=plan.title,
    )
    return plan


def update_plan(
    plan: StudyPlan, *, expected_version: int | None, title: str | None, note: str | None,
    actor: User | None = None,
) -> dict[str, list[Any]]:
    check_version(plan, expected_version)
    changes: dict[str, list[Any]] = {}
    for name, value in (("title", _blank_to_none(title)), ("note", _blank_to_none(note))):
        if getattr(plan, name) != value:
            changes[name] = [getattr(plan, name), value]
            setattr(plan, name, value)
    if changes:
        db.session.flush()
        audit.record(
            "plan.update", plan, actor=actor, organization_id=plan.group.organization_id,
            group_id=plan.group_id, year=plan.year, changes=changes,
        )
    return changes


def _check_item(plan: StudyPlan, data: ItemData, item: PlanItem | None = None) -> ItemData:
    topic = (data.topic or "").strip()
    if not topic:
        raise DomainError(NEEDS_TOPIC, field="topic")
    if len(topic) > TOPIC_MAX:
        raise DomainError(_l("At most %(num)d characters.", num=TOPIC_MAX), field="topic")
    if data.month is None and data.quarter is None:
        raise DomainError(NEEDS_PERIOD, field="period")
    if data.month is not None and not 1 <= data.month <= 12:
        raise DomainError(NEEDS_PERIOD, field="period")
    if data.quarter is not None and not 1 <= data.quarter <= 4:
        raise DomainError(NEEDS_PERIOD, field="period")
    month = data.month
    quarter = data.quarter if month is None else None  # a month says its quarter already
    responsible = data.responsible_id
    if responsible is not None and not (item is not None and item.responsible_id == responsible):
        # Someone who has since left may stay named on an item made while they were a member.
        member = db.session.scalar(
            sa.select(GroupMembership.id).where(
                GroupMembership.group_id == plan.group_id,
                GroupMembership.user_id == responsible,
                GroupMembership.left_on.is_(None),
            )
        )
        if member is None:
            raise DomainError(RESPONSIBLE_NOT_MEMBER, field="responsible_id")
    return ItemData(
        topic=topic, month=month, quarter=quarter, kind=SessionKind(data.kind),
        planned_materials=_blank_to_none(data.planned_materials),
        responsible_id=responsible, position=data.position or 0,
    )


def _item_values(item: PlanItem) -> dict[str, Any]:
    return {
        "topic": item.topic, "month": item.month, "quarter": item.quarter,
        "kind": str(item.kind),
        "planned_materials": item.planned_materials,
        "responsible_id": item.responsible_id, "position": item.position,
    }


def add_item(
    plan: StudyPlan, data: ItemData, *, expected_version: int | None,
    actor: User | None = None,
) -> PlanItem:
    check_version(plan, expected_version)
    clean = _check_item(plan, data)
    item = PlanItem(plan=plan, **vars(clean))
    db.session.add(item)
    _touch(plan)
    db.session.flush()
    audit.record(
        "plan.item_add", item, actor=actor, organization_id=plan.group.organization_id,
        group_id=plan.group_id, plan_id=plan.id, year=plan.year, **_item_values(item),
    )
    return item


def update_item(
    item: PlanItem, data: ItemData, *, expected_version: int | None,
    actor: User | None = None,
) -> dict[str, list[Any]]:
    plan = item.plan
    check_version(plan, expected_version)
    clean = _check_item(plan, data, item)
    before = _item_values(item)
    for name, value in vars(clean).items():
        setattr(item, name, value)
    after = _item_values(item)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        _touch(plan)
        db.session.flush()
        audit.record(
            "plan.item_update", item, actor=actor, organization_id=plan.group.organization_id,
            group_id=plan.group_id, plan_id=plan.id, year=plan.year, changes=changes,
        )
    return changes


def delete_item(
    item: PlanItem, *, expected_version: int | None, actor: User | None = None,
) -> int:
    """Remove the item; sessions linked to it stay, unlinked. Returns how many were unlinked."""
    plan = item.plan
    check_version(plan, expected_version)
    linked = list(
        db.session.scalars(sa.select(StudySession).where(StudySession.plan_item_id == item.id))
    )
    for session in linked:
        session.plan_item_id = None
    values = _item_values(item)
    item_id = item.id
    plan.items.remove(item)
    db.session.delete(item)
    _touch(plan)
    db.session.flush()
    audit.record(
        "plan.item_delete", plan, actor=actor, organization_id=plan.group.organization_id,
        group_id=plan.group_id, plan_id=plan.id, year=plan.year, item_id=item_id,
        unlinked_sessions=[s.id for s in linked], **values,
    )
    return len(linked)
