"""Demo data that reads like the real thing, for `make run` (`flask seed-demo`).

`seed()` fills an empty database with a fictional Shanghai vocational university: its committee,
colleges and branches, their study groups (理论学习中心组), the materials library, the session of
the real news release in `/work/shared/examples/` (2020-03-26), sessions across 2025–2026 and
one held a few days before seeding (its reflections still due), with attendance, talks,
follow-up tasks, reflections at every stage of review and the notifications they sent; each
group's annual study plans for 2025–2026 (held sessions linked to their items, other items
overdue or still due) and the targets the university set, one college overriding one. It
never touches a database that holds anything else, never adds the demo twice, adds and
flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from studytrack.demo import catalogue, example_2020, plans
from studytrack.demo.build import Clock, build_materials, build_session
from studytrack.demo.people import ADMIN_USERNAME, PEOPLE, ROOT_NAME, build_people, role_of
from studytrack.extensions import db
from studytrack.models import Base, Organization, User
from studytrack.timeutil import today_local

__all__ = ["DEMO_PASSWORD", "DemoAccount", "SeedOutcome", "format_accounts", "seed"]

DEMO_PASSWORD = "demo2026"  # public by design: the demo is for trying the app out, never for use


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    display_name: str
    role: str  # what the account can do: "系统管理员", "学习秘书", "领导"…
    position: str = ""


@dataclass(frozen=True)
class SeedOutcome:
    seeded: bool
    message: str
    accounts: list[DemoAccount] = field(default_factory=list)


def seed(today: date | None = None) -> SeedOutcome:
    """Load the demo into an empty database; report, without writing, in every other case.

    `today` places the session whose reflections are still due a few days back and the sessions
    still being planned (drafts) a few weeks ahead, and decides which notifications are still
    unread (those of the last two weeks); every other date is fixed.
    """
    if _demo_present():
        return SeedOutcome(
            False,
            "The demo data is already there; nothing was added. Demo accounts:",
            _existing_accounts(),
        )
    if _holds_data():
        return SeedOutcome(
            False, "The database already holds real data, so no demo data was added."
        )
    _build(today or today_local())
    db.session.flush()
    return SeedOutcome(True, "Demo data added. Demo accounts:", demo_accounts())


def demo_accounts() -> list[DemoAccount]:
    return [
        DemoAccount(p.username, DEMO_PASSWORD, p.name, role_of(p.username), p.position)
        for p in PEOPLE
    ]


def format_accounts(accounts: list[DemoAccount]) -> str:
    """An aligned table: login name, password, role, name; Chinese characters count as two
    columns, as a terminal shows them."""
    header = ("Login", "Password", "Role", "Name")
    rows = [
        (a.username, a.password, a.role, f"{a.display_name}（{a.position}）" if a.position
         else a.display_name)
        for a in accounts
    ]
    widths = [max(_columns(row[i]) for row in [header, *rows]) for i in range(3)]

    def line(row: tuple[str, str, str, str]) -> str:
        cells = [cell + " " * (width - _columns(cell))
                 for cell, width in zip(row, widths, strict=False)]
        return "  ".join([*cells, row[3]]).rstrip()

    rule = "  ".join("-" * width for width in [*widths, 4])
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _columns(text: str) -> int:
    """How many terminal columns `text` takes (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _demo_present() -> bool:
    """The marker: the demo administrator and the demo's root unit both exist."""
    admin = db.session.scalar(sa.select(User.id).where(User.username == ADMIN_USERNAME))
    root = db.session.scalar(
        sa.select(Organization.id).where(
            Organization.name == ROOT_NAME, Organization.parent_id.is_(None)
        )
    )
    return admin is not None and root is not None


def _holds_data() -> bool:
    """Anything at all in any of the application's tables."""
    return any(
        db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
        for table in Base.metadata.sorted_tables
    )


def _existing_accounts() -> list[DemoAccount]:
    """The demo accounts still present (an administrator may have removed or renamed some)."""
    present = set(db.session.scalars(
        sa.select(User.username).where(User.username.in_([p.username for p in PEOPLE]))
    ))
    return [account for account in demo_accounts() if account.username in present]


def _build(today: date) -> None:
    registry = build_people(DEMO_PASSWORD)
    materials = build_materials(catalogue.MATERIALS, registry)
    clock = Clock()
    sessions = (example_2020.SESSION, *catalogue.SESSIONS, *plans.ROUTINE,
                *catalogue.recent(today), *catalogue.upcoming(today))
    plans.build_targets(registry, clock)
    items = plans.build_plans(plans.items_for(sessions, today), registry, clock)
    for spec in sorted(sessions, key=lambda s: s.day):
        build_session(spec, registry, materials, clock, items.get((spec.group, spec.topic)))
    clock.apply(today)
