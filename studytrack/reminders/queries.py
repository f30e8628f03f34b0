"""Reading deliveries: the administrator's list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from studytrack.extensions import db
from studytrack.models import Delivery, DeliveryStatus, Reminder

DELIVERIES_PAGE_SIZE = 50


def deliveries_page(status: DeliveryStatus | None, page: int) -> Any:
    """A page of every delivery (of `status`, if given), newest first, with its reminder,
    recipient and robot."""
    query = sa.select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc())
    if status is not None:
        query = query.where(Delivery.status == status)
    return db.paginate(
        query.options(joinedload(Delivery.reminder).joinedload(Reminder.group),
                      joinedload(Delivery.user), joinedload(Delivery.robot)),
        page=page, per_page=DELIVERIES_PAGE_SIZE, error_out=False,
    )
