"""The rules of targets and annual study plans, and what they say when broken: the limits and
messages that the forms check first and the services check again, the input of a plan item,
and the refusal of a save made against an older version of the plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from studytrack.errors import StaleVersion
from studytrack.models import SessionKind

MAX_COUNT = Decimal("99999.999")  # what targets.value (Numeric(8, 3)) holds
TOPIC_MAX = 200
TITLE_MAX = 200

RATE_OUT_OF_RANGE = _l("A rate must be between 0 and 100 %.")
COUNT_OUT_OF_RANGE = _l("Enter a number of 0 or more.")
YEAR_OUT_OF_RANGE = _l("Choose a year between 2000 and 2100.")
PLAN_EXISTS = _l("This group already has a plan for that year.")
NEEDS_PERIOD = _l("Choose the month or quarter the item is planned for.")
NEEDS_TOPIC = _l("Enter the topic.")
RESPONSIBLE_NOT_MEMBER = _l("The person responsible must be a current member of the group.")
STALE_PLAN = _l(
    "The plan was changed by someone else while you were editing it. Your input has not been "
    "saved and is kept below; check the plan as it is now and save again to keep yours."
)


class StalePlanError(StaleVersion):
    """The plan changed since the editor loaded it: refuse, never overwrite."""

    def __init__(self) -> None:
        super().__init__(STALE_PLAN)


@dataclass
class ItemData:
    """What the plan item form edits. Give a month, or only a quarter."""

    topic: str
    month: int | None = None
    quarter: int | None = None
    kind: SessionKind = SessionKind.COLLECTIVE
    planned_materials: str | None = None
    responsible_id: int | None = None
    position: int = 0
