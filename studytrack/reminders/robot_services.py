"""A group's chat robots: the writes (add, change, remove; they flush, never commit) and the
two reads of their page.

The webhook address and the secret are credentials: they go in no audit event and no message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from studytrack import audit
from studytrack.extensions import db
from studytrack.models import Delivery, GroupRobot, RobotProvider, StudyGroup

RECENT_DELIVERIES = 3  # per robot, on its group's page: enough to see whether it works


@dataclass(frozen=True)
class RobotData:
    """A robot as the form gives it. `secret` None or "": keep the stored one (on a change),
    unless `remove_secret`."""

    provider: RobotProvider
    name: str
    webhook_url: str
    secret: str | None = None
    remove_secret: bool = False
    is_active: bool = True


def _record(action: str, robot: GroupRobot, group: StudyGroup) -> None:
    audit.record(action, robot, organization_id=group.organization_id, group_id=group.id,
                 name=robot.name, provider=robot.provider.value)


def add_robot(group: StudyGroup, data: RobotData) -> GroupRobot:
    robot = GroupRobot(
        group_id=group.id,
        provider=data.provider,
        name=data.name,
        webhook_url=data.webhook_url,
        # Only DingTalk signs its posts: a WeCom robot has no secret to keep.
        secret=(data.secret or None) if data.provider == RobotProvider.DINGTALK else None,
        is_active=data.is_active,
    )
    db.session.add(robot)
    db.session.flush()
    _record("robot.add", robot, group)
    return robot


def update_robot(robot: GroupRobot, data: RobotData) -> None:
    robot.provider = data.provider
    robot.name = data.name
    robot.webhook_url = data.webhook_url
    robot.is_active = data.is_active
    if data.provider != RobotProvider.DINGTALK or data.remove_secret:
        robot.secret = None
    elif data.secret:
        robot.secret = data.secret
    db.session.flush()
    _record("robot.edit", robot, robot.group)


def delete_robot(robot: GroupRobot) -> None:
    """Remove the robot and its deliveries (the database's cascade does it on PostgreSQL;
    SQLite enforces no foreign keys here, so it is done alike on both)."""
    _record("robot.delete", robot, robot.group)
    db.session.execute(sa.delete(Delivery).where(Delivery.robot_id == robot.id))
    db.session.delete(robot)
    db.session.flush()


# --- reads for the page ---------------------------------------------------------------------


def group_robots(group: StudyGroup) -> list[GroupRobot]:
    return list(db.session.scalars(
        sa.select(GroupRobot).where(GroupRobot.group_id == group.id)
        .order_by(GroupRobot.name, GroupRobot.id)
    ))


def recent_deliveries(
    robots: Sequence[GroupRobot], per_robot: int = RECENT_DELIVERIES
) -> dict[int, list[Delivery]]:
    """Each robot's latest deliveries, newest first, in one query however many robots."""
    if not robots:
        return {}
    order = sa.func.row_number().over(
        partition_by=Delivery.robot_id,
        order_by=(Delivery.created_at.desc(), Delivery.id.desc()),
    ).label("n")
    ranked = (
        sa.select(Delivery.id, order)
        .where(Delivery.robot_id.in_([robot.id for robot in robots]))
        .subquery()
    )
    latest = db.session.scalars(
        sa.select(Delivery).join(ranked, ranked.c.id == Delivery.id)
        .where(ranked.c.n <= per_robot)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
    )
    by_robot: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in latest:
        if delivery.robot_id is not None:
            by_robot[delivery.robot_id].append(delivery)
    return dict(by_robot)
