"""The benchmark data set: units, people, groups, sessions and what happened at them, as rows.

`Builder(sizes, seed, today).run(writer)` hands each table's rows, in foreign-key order, to
`writer.write(Model, rows)` (benchmarks.generate.Writer). Everything is drawn from one seeded
`random.Random`, so the same sizes, seed and `today` give the same rows; the proportions (group
sizes, attendance, how many write on time, task outcomes) are set in the code below.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from werkzeug.security import generate_password_hash

from benchmarks import texts
from studytrack.demo.build import at
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    GroupTitle,
    Job,
    JobKind,
    JobStatus,
    LeadershipRole,
    Material,
    MaterialKind,
    Notification,
    NotificationKind,
    Organization,
    OrganizationKind,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionMaterial,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
    Talk,
    TalkKind,
    Target,
    TargetMetric,
    TaskStatus,
    User,
)

DEFAULT_SEED = 2026
BATCH = 5_000

# Scale 1. Attendance (≈400,000) follows from the groups' sizes and the sessions.
BASE = {
    "organizations": 300, "study_groups": 600, "users": 12_000, "study_sessions": 15_000,
    "reflections": 180_000, "follow_up_tasks": 40_000, "materials": 20_000,
}
FLOORS = {"organizations": 4, "study_groups": 2, "users": 20, "study_sessions": 8,
          "reflections": 0, "follow_up_tasks": 2, "materials": 4}


BENCH_PASSWORD = "bench2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTIFICATION_DAYS = 180  # notifications are kept for the events of the last half year
HELD = (SessionStatus.PUBLISHED, SessionStatus.CLOSED)
EXTRA_MEMBERSHIP_SHARE = 0.42  # members who also sit in a second group (unit heads above)
MAX_GROUP_SIZE = 60  # a central group is a unit's leadership, not its whole staff


class RowWriter(Protocol):
    def write(self, model: Any, rows: Iterable[dict[str, Any]]) -> int: ...


# --- the rows ----------------------------------------------------------------------------


@dataclass
class Org:
    id: int
    parent_id: int | None
    path: str
    level: int
    name: str
    kind: OrganizationKind


@dataclass
class Group:
    id: int
    org: Org
    name: str
    active: bool
    secretary: int
    members: list[tuple[int, date, date | None]]  # (user id, joined_on, left_on), in order
    diligence: float  # how readily its members attend and write


@dataclass
class Session:
    id: int
    group: Group
    day: date
    starts_at: datetime
    kind: SessionKind
    status: SessionStatus
    topic: str
    short: str
    due_on: date | None
    chair: int
    plan_item_id: int | None = None


@functools.cache
def _password_hash() -> str:
    """Hashed once (scrypt, the app's default) and shared by every account."""
    return generate_password_hash(BENCH_PASSWORD)


def _stamp(day: date, hour: int = 10) -> datetime:
    return at(day, hour)


class Builder:
    def __init__(self, counts: dict[str, int], seed: int, today: date) -> None:
        self.n = counts
        self.rng = random.Random(seed)
        self.today = today
        self.now = at(today, 12)
        self.year = today.year
        self.start = date(self.year - 2, 1, 1)
        self.end = min(today + timedelta(days=21), date(self.year, 12, 31))
        self.password_hash = _password_hash()
        self.orgs: list[Org] = []
        self.groups: list[Group] = []
        self.sessions: list[Session] = []
        self.user_names: list[str] = []
        self.required: list[tuple[Session, int, date | None]] = []  # (session, user, makeup_on)

    def run(self, w: RowWriter) -> None:
        self._tree()
        w.write(Organization, self._organization_rows())
        self._groups_and_people()
        w.write(User, self._user_rows())
        w.write(StudyGroup, self._group_rows())
        w.write(GroupMembership, self._membership_rows())
        w.write(LeadershipRole, self._leadership_rows())
        w.write(Target, self._target_rows())
        w.write(Material, self._material_rows())
        self._plan_sessions()
        w.write(StudyPlan, self._plan_rows())
        w.write(PlanItem, self._item_rows())
        w.write(StudySession, self._session_rows())
        w.write(SessionMaterial, self._session_material_rows())
        w.write(Attendance, self._attendance_rows())
        w.write(Talk, self._talk_rows())
        reflections: list[dict[str, Any]] = []
        w.write(Reflection, self._reflection_rows(reflections))
        tasks: list[dict[str, Any]] = []
        w.write(FollowUpTask, self._task_rows(tasks))
        w.write(Notification, self._notification_rows(reflections, tasks))
        w.write(Job, self._job_rows())

    # --- units -------------------------------------------------------------------------------

    def _tree(self) -> None:
        n = self.n["organizations"]
        n2 = max(1, round(n * 0.04))
        n3 = max(1, round(n * 0.2))
        n4 = n - 1 - n2 - n3
        root = Org(1, None, "/1/", 1, texts.PROVINCE, OrganizationKind.COMMITTEE)
        self.orgs = [root]
        siblings: Counter[int] = Counter()

        def add(parent: Org, names: tuple[str, ...], level: int) -> None:
            k = siblings[parent.id]
            siblings[parent.id] += 1
            name = names[k % len(names)] + (f"（{k // len(names) + 1}）" if k >= len(names) else "")
            if level == 2:
                kind = OrganizationKind.OTHER if name.startswith("省") and "党组" in name \
                    else OrganizationKind.COMMITTEE
            elif level == 3:
                name = _base(parent.name) + name
                kind = OrganizationKind.GENERAL_BRANCH if "总支" in name \
                    else OrganizationKind.COMMITTEE
            else:
                name = _base(parent.name) + name
                kind = OrganizationKind.BRANCH
            org_id = len(self.orgs) + 1
            self.orgs.append(Org(org_id, parent.id, f"{parent.path}{org_id}/", level, name, kind))

        for _ in range(n2):
            add(root, texts.LEVEL2, 2)
        level2 = self.orgs[1:]
        for i in range(n3):
            add(level2[i % n2], texts.LEVEL3, 3)
        level3 = self.orgs[1 + n2:]
        for i in range(n4):
            add(level3[i % n3], texts.LEVEL4, 4)

    def _organization_rows(self) -> Iterator[dict[str, Any]]:
        order: Counter[int | None] = Counter()
        created = _stamp(date(self.year - 3, 1, 5))
        for org in self.orgs:
            yield {
                "id": org.id, "parent_id": org.parent_id, "name": org.name,
                "short_name": "省委" if org.level == 1 else None, "kind": org.kind,
                "path": org.path, "sort_order": order[org.parent_id], "is_active": True,
                "created_at": created, "updated_at": created,
            }
            order[org.parent_id] += 1

    # --- groups and people -------------------------------------------------------------------

    def _groups_and_people(self) -> None:
        rng = self.rng
        n_groups = self.n["study_groups"]
        upper = [o for o in self.orgs if o.level < 4]
        lower = [o for o in self.orgs if o.level == 4]
        owners = upper[:n_groups]
        rest = n_groups - len(owners)
        owners += [lower[i % len(lower)] for i in range(rest)] if lower else []
        per_org: Counter[int] = Counter()
        # users: 1 the administrator, then one secretary per group, then the members
        for i, org in enumerate(owners):
            per_org[org.id] += 1
            if org.level < 4:
                name = f"{org.name}理论学习中心组"
            else:
                name = f"第{_chinese_number(per_org[org.id])}学习小组"
            self.groups.append(Group(
                id=i + 1, org=org, name=name,
                active=i == 0 or rng.random() > 0.02, secretary=i + 2, members=[],
                diligence=rng.uniform(0.35, 1.0),
            ))
        n_users = max(self.n["users"], 1 + 2 * n_groups)
        first_member = 2 + n_groups
        weights = [{1: 3.0, 2: 2.0, 3: 1.4}.get(g.org.level, 0.85) for g in self.groups]
        home: list[int] = []
        roster: list[list[int]] = [[] for _ in self.groups]
        cap = max(MAX_GROUP_SIZE, 2 * (n_users - first_member + 1) // n_groups)
        for i, user_id in enumerate(range(first_member, n_users + 1)):
            g = i % n_groups
            if i >= 3 * n_groups:
                g = rng.choices(range(n_groups), weights)[0]
                while len(roster[g]) >= cap:
                    g = rng.randrange(n_groups)
            home.append(g)
            roster[g].append(user_id)
        self.user_org = {1: 1}
        for group in self.groups:
            self.user_org[group.secretary] = group.org.id
        for user_id, g in zip(range(first_member, n_users + 1), home, strict=True):
            self.user_org[user_id] = self.groups[g].org.id
        member_ids = list(range(first_member, n_users + 1))
        extra = round(len(member_ids) * EXTRA_MEMBERSHIP_SHARE)
        upper_groups = [i for i, g in enumerate(self.groups) if g.org.level < 4] or [0]
        upper_weights = [weights[i] for i in upper_groups]
        for _ in range(extra):
            g = rng.choices(upper_groups, upper_weights)[0] if rng.random() < 0.5 \
                else rng.choices(range(n_groups), weights)[0]
            user_id = rng.choice(member_ids)
            if user_id not in roster[g] and len(roster[g]) < cap:
                roster[g].append(user_id)
        window = (self.today - timedelta(days=30) - self.start).days
        self.titles: dict[int, str] = {}
        for group, ids in zip(self.groups, roster, strict=True):
            for position, user_id in enumerate(ids):
                if rng.random() < 0.9:
                    joined = date(self.year - 3, rng.randint(1, 12), rng.randint(1, 28))
                else:
                    joined = self.start + timedelta(days=rng.randrange(window))
                left = None
                if position > 2 and rng.random() < 0.04:
                    span = (self.today - joined).days
                    if span > 30:
                        left = joined + timedelta(days=rng.randint(30, span))
                group.members.append((user_id, joined, left))
                if position == 0:
                    self.titles.setdefault(user_id, "lead")
        self.user_names = [_person_name(rng) for _ in range(n_users + 1)]
        self.n_users = n_users

    def _user_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        created = _stamp(date(self.year - 3, 1, 6))
        secretaries = {g.secretary for g in self.groups}
        for user_id in range(1, self.n_users + 1):
            if user_id == 1:
                username, name, position = "admin", "系统管理员", "省委办公厅信息中心"
            else:
                username, name = f"u{user_id:06d}", self.user_names[user_id]
                if user_id in secretaries:
                    position = rng.choice(texts.POSITIONS_SECRETARY)
                elif self.titles.get(user_id) == "lead":
                    position = rng.choice(texts.POSITIONS_LEAD)
                else:
                    position = rng.choice(texts.POSITIONS_STAFF)
            yield {
                "id": user_id, "username": username, "display_name": name,
                "position": position, "email": f"{username}@example.gov.cn",
                "phone": None, "password_hash": self.password_hash, "active": True,
                "is_admin": user_id == 1, "locale": "zh", "must_change_password": False,
                "login_version": 1,
                "last_login_at": self.now - timedelta(minutes=rng.randrange(90 * 24 * 60)),
                "organization_id": self.user_org[user_id],
                "created_at": created, "updated_at": created,
            }

    def _group_rows(self) -> Iterator[dict[str, Any]]:
        created = _stamp(date(self.year - 3, 1, 8))
        for g in self.groups:
            yield {
                "id": g.id, "organization_id": g.org.id, "name": g.name,
                "description": f"{g.org.name}的理论学习组织，按年度计划开展集体学习和研讨。",
                "is_active": g.active, "created_at": created, "updated_at": created,
            }

    def _job_rows(self) -> Iterator[dict[str, Any]]:
        """Each group's archive of last year, asked for by its secretary in January: done,
        its file since removed (a job keeps its row, not its file)."""
        year = self.year - 1
        asked = _stamp(date(self.year, 1, 15))
        for g in self.groups:
            yield {
                "id": g.id, "kind": JobKind.GROUP_ARCHIVE, "key": f"group_archive:{g.id}:{year}",
                "version": "", "params": {"year": year}, "status": JobStatus.DONE,
                "group_id": g.id, "requested_by_id": g.secretary, "progress_done": 1,
                "progress_total": 1, "attempts": 1, "error": None, "file_path": None,
                "file_name": f"{g.name} {year}年学习档案.zip", "file_size": None,
                "created_at": asked, "started_at": asked,
                "finished_at": asked + timedelta(minutes=1),
                "expires_at": asked + timedelta(days=1),
            }

    def _membership_rows(self) -> Iterator[dict[str, Any]]:
        membership_id = 0
        created = _stamp(date(self.year - 3, 1, 8))
        for g in self.groups:
            for position, (user_id, joined, left) in enumerate(g.members):
                membership_id += 1
                title = (GroupTitle.LEADER if position == 0
                         else GroupTitle.DEPUTY if position <= (2 if len(g.members) > 6 else 1)
                         else GroupTitle.MEMBER)
                yield {
                    "id": membership_id, "group_id": g.id, "user_id": user_id,
                    "role": GroupRole.MEMBER, "title": title, "sort_order": position,
                    "joined_on": joined, "left_on": left, "created_at": created,
                    "updated_at": created,
                }
            membership_id += 1
            yield {
                "id": membership_id, "group_id": g.id, "user_id": g.secretary,
                "role": GroupRole.SECRETARY, "title": GroupTitle.MEMBER,
                "sort_order": len(g.members), "joined_on": date(self.year - 3, 1, 8),
                "left_on": None, "created_at": created, "updated_at": created,
            }

    def _leadership_rows(self) -> Iterator[dict[str, Any]]:
        """The head of each unit above the branches leads it (the root: its head and deputy)."""
        created = _stamp(date(self.year - 3, 1, 9))
        role_id = 0
        seen: set[tuple[int, int]] = set()
        for g in self.groups:
            if g.org.level == 4 or not g.members:
                continue
            heads = [m[0] for m in g.members[: 2 if g.org.level <= 2 else 1]]
            for user_id in heads:
                if (user_id, g.org.id) in seen:
                    continue
                seen.add((user_id, g.org.id))
                role_id += 1
                yield {"id": role_id, "user_id": user_id, "organization_id": g.org.id,
                       "created_at": created, "updated_at": created}

    def _target_rows(self) -> Iterator[dict[str, Any]]:
        created = _stamp(date(self.year - 2, 1, 15))
        root_targets = {
            TargetMetric.SESSIONS_PER_YEAR: Decimal(10), TargetMetric.SEMINARS_PER_YEAR: Decimal(3),
            TargetMetric.ATTENDANCE_RATE: Decimal("0.9"),
            TargetMetric.REFLECTION_COMPLETION_RATE: Decimal("0.9"),
            TargetMetric.REFLECTION_ON_TIME_RATE: Decimal("0.85"),
            TargetMetric.TASK_COMPLETION_RATE: Decimal("0.9"),
            TargetMetric.TALKS_PER_MEMBER: Decimal(2),
        }
        rows = [(1, metric, value) for metric, value in root_targets.items()]
        rows += [(org.id, TargetMetric.ATTENDANCE_RATE, Decimal("0.85"))
                 for org in self.orgs if org.level == 2][:2]
        for target_id, (org_id, metric, value) in enumerate(rows, start=1):
            yield {"id": target_id, "organization_id": org_id, "metric": metric,
                   "value": value, "created_at": created, "updated_at": created}

    # --- materials ---------------------------------------------------------------------------

    def _material_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        weights = [{1: 0.15 * len(self.orgs), 2: 3.0, 3: 1.0}.get(o.level, 0.6) for o in self.orgs]
        secretary_of = {g.org.id: g.secretary for g in reversed(self.groups)}
        self.library: dict[int, list[int]] = {}
        first = self.start - timedelta(days=365)
        span = (self.today - first).days
        kinds = list(MaterialKind)
        owners = rng.choices(self.orgs, weights, k=self.n["materials"])
        for material_id, org in enumerate(owners, start=1):
            _theme, short = rng.choice(texts.THEMES)
            kind = rng.choices(kinds, (3, 4, 3, 1, 1, 0.5))[0]
            issued = first + timedelta(days=rng.randrange(span))
            archived = rng.random() < 0.05
            if not archived:
                self.library.setdefault(org.id, []).append(material_id)
            yield {
                "id": material_id, "organization_id": org.id, "kind": kind,
                "title": rng.choice(texts.MATERIAL_TITLES).format(short)[:255],
                "speaker": "习近平" if kind == MaterialKind.SPEECH else None,
                "issued_on": issued, "source": rng.choice(texts.MATERIAL_SOURCES), "url": None,
                "body": _paragraph(rng, 4), "is_archived": archived,
                "created_by_id": secretary_of.get(org.id, 1),
                "created_at": _stamp(issued + timedelta(days=1)),
                "updated_at": _stamp(issued + timedelta(days=1)),
            }

    # --- sessions and plans ------------------------------------------------------------------

    def _plan_sessions(self) -> None:
        rng = self.rng
        weights = [(1.3 if g.org.level < 4 else 0.9) for g in self.groups]
        per_group = Counter(rng.choices(range(len(self.groups)), weights,
                                        k=self.n["study_sessions"]))
        kinds = list(SessionKind)
        plans: dict[tuple[int, int], list[dict[str, Any]]] = {}
        session_id = 0
        drafts: list[Session] = []
        for index, g in enumerate(self.groups):
            k = per_group[index]
            if not k or not g.members:
                continue
            end = self.end if g.active else date(self.year - 1, 6, 30)
            span = (end - self.start).days
            for i in range(k):
                day = self.start + timedelta(days=int((i + rng.random()) * span / k))
                day -= timedelta(days=max(0, day.weekday() - 4))
                kind = rng.choices(kinds, (55, 25, 12, 3, 5))[0]
                theme, short = rng.choice(texts.THEMES)
                suffix = rng.choice(texts.TOPIC_SUFFIXES)
                if day > self.today:
                    status = SessionStatus.DRAFT
                elif rng.random() < 0.02:
                    status = SessionStatus.CANCELLED
                elif (self.today - day).days <= 45:
                    status = (SessionStatus.DRAFT if rng.random() < 0.01
                              else SessionStatus.PUBLISHED)
                else:
                    status = (SessionStatus.CLOSED if rng.random() < 0.88
                              else SessionStatus.PUBLISHED)
                hour, minute = rng.choice(((9, 0), (9, 30), (14, 30), (15, 0)))
                due = None
                if rng.random() < 0.85:
                    due = day + timedelta(days=14 if kind == SessionKind.SEMINAR else 7)
                session_id += 1
                session = Session(
                    id=session_id, group=g, day=day, starts_at=at(day, hour, minute), kind=kind,
                    status=status, topic=(theme + suffix)[:200], short=short, due_on=due,
                    chair=g.members[0][0],
                )
                self.sessions.append(session)
                if rng.random() < 0.85:
                    plans.setdefault((g.id, day.year), []).append({
                        "month": day.month, "quarter": None, "topic": session.topic,
                        "kind": kind, "responsible_id": session.chair, "session": session,
                    })
                if status == SessionStatus.DRAFT:
                    drafts.append(session)
        # a few items every year that no session fulfilled (yet)
        for g in self.groups:
            if not g.members:
                continue
            for year in range(self.year - 2, self.year + 1):
                for _ in range(rng.randint(0, 2)):
                    theme, _short = rng.choice(texts.THEMES)
                    by_quarter = rng.random() < 0.15
                    plans.setdefault((g.id, year), []).append({
                        "month": None if by_quarter else rng.randint(1, 12),
                        "quarter": rng.randint(1, 4) if by_quarter else None,
                        "topic": theme, "kind": rng.choice(kinds),
                        "responsible_id": g.members[0][0], "session": None,
                    })
        self.plans = sorted(plans.items())

    def _plan_rows(self) -> Iterator[dict[str, Any]]:
        for plan_id, ((group_id, year), _items) in enumerate(self.plans, start=1):
            stamp = _stamp(date(year - 1, 12, 20))
            yield {
                "id": plan_id, "group_id": group_id, "year": year,
                "title": f"{year}年度理论学习中心组学习计划", "note": None, "version": 1,
                "created_at": stamp, "updated_at": stamp,
            }

    def _item_rows(self) -> Iterator[dict[str, Any]]:
        item_id = 0
        for plan_id, ((_group_id, year), items) in enumerate(self.plans, start=1):
            stamp = _stamp(date(year - 1, 12, 20))
            items.sort(key=lambda i: (i["month"] or 3 * i["quarter"], i["topic"]))
            for position, item in enumerate(items):
                item_id += 1
                if item["session"] is not None:
                    item["session"].plan_item_id = item_id
                yield {
                    "id": item_id, "plan_id": plan_id, "month": item["month"],
                    "quarter": item["quarter"], "topic": item["topic"], "kind": item["kind"],
                    "planned_materials": None, "responsible_id": item["responsible_id"],
                    "position": position, "created_at": stamp, "updated_at": stamp,
                }

    def _session_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for s in self.sessions:
            held = s.status in HELD
            published = s.starts_at + timedelta(days=1) if held else None
            closed = (s.starts_at + timedelta(days=21)
                      if s.status == SessionStatus.CLOSED else None)
            yield {
                "id": s.id, "group_id": s.group.id, "kind": s.kind, "topic": s.topic,
                "starts_at": s.starts_at,
                "ends_at": s.starts_at + timedelta(hours=3 if s.kind == SessionKind.SEMINAR else 2),
                "location": rng.choice(texts.LOCATIONS), "chair_id": s.chair,
                "recorder_id": s.group.secretary,
                "minutes": _paragraph(rng, 5) if held else None, "status": s.status,
                "published_at": published, "closed_at": closed, "reflection_due_on": s.due_on,
                "min_reflection_chars": rng.choice((0, 0, 300, 500, 600)),
                "created_by_id": s.group.secretary, "plan_item_id": s.plan_item_id,
                "version": 1, "created_at": s.starts_at - timedelta(days=6),
                "updated_at": closed or published or s.starts_at - timedelta(days=6),
            }

    def _session_material_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        by_id = {o.id: o for o in self.orgs}
        candidates: dict[int, list[int]] = {}
        for s in self.sessions:
            if s.status == SessionStatus.CANCELLED:
                continue
            org = s.group.org
            if org.id not in candidates:
                ancestors = [int(part) for part in org.path.strip("/").split("/")]
                candidates[org.id] = [m for a in ancestors if a in by_id
                                      for m in self.library.get(a, ())]
            pool = candidates[org.id]
            if not pool:
                continue
            for position, material_id in enumerate(rng.sample(pool, min(len(pool),
                                                                       rng.randint(1, 3)))):
                yield {"session_id": s.id, "material_id": material_id, "position": position}

    # --- what happened at the sessions -------------------------------------------------------

    def _attendance_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        row_id = 0
        self.present: dict[int, list[int]] = {}
        for s in self.sessions:
            held = s.status in HELD
            marked_by = s.starts_at + timedelta(hours=3)
            present: list[int] = []
            order = 0
            recent = held and s.status == SessionStatus.PUBLISHED and (self.today - s.day).days < 3
            for user_id, joined, left in s.group.members:
                if joined > s.day or (left is not None and left <= s.day):
                    continue
                status = reason = makeup = note = None
                if held and not (recent and rng.random() < 0.3):
                    r = rng.random()
                    attend = 0.78 + 0.2 * s.group.diligence
                    if r < attend:
                        status = AttendanceStatus.PRESENT
                    elif r < attend + (1 - attend) * 0.7:
                        status = AttendanceStatus.ON_LEAVE
                        reason = rng.choice(texts.LEAVE_REASONS)
                    else:
                        status = AttendanceStatus.ABSENT
                    if status != AttendanceStatus.PRESENT and rng.random() < (
                        0.6 if status == AttendanceStatus.ON_LEAVE else 0.3
                    ):
                        day = s.day + timedelta(days=rng.randint(3, 20))
                        if day <= self.today:
                            makeup, note = day, rng.choice(texts.MAKEUP_NOTES)
                if status == AttendanceStatus.PRESENT:
                    present.append(user_id)
                if status == AttendanceStatus.PRESENT or makeup is not None:
                    self.required.append((s, user_id, makeup))
                row_id += 1
                yield {
                    "id": row_id, "session_id": s.id, "user_id": user_id, "guest_name": None,
                    "guest_position": None, "status": status, "leave_reason": reason,
                    "makeup_on": makeup, "makeup_note": note, "sort_order": order,
                    "created_at": s.starts_at - timedelta(days=6),
                    "updated_at": marked_by if status else s.starts_at - timedelta(days=6),
                }
                order += 1
            observers: list[tuple[int | None, str | None]] = [(s.group.secretary, None)]
            if rng.random() < 0.04:
                observers.append((None, _person_name(rng)))
            for observer_id, guest in observers:
                row_id += 1
                yield {
                    "id": row_id, "session_id": s.id, "user_id": observer_id, "guest_name": guest,
                    "guest_position": "上级督导组成员" if guest else None,
                    "status": AttendanceStatus.OBSERVER if held else None, "leave_reason": None,
                    "makeup_on": None, "makeup_note": None, "sort_order": order,
                    "created_at": s.starts_at - timedelta(days=6),
                    "updated_at": marked_by if held else s.starts_at - timedelta(days=6),
                }
                order += 1
            if held:
                self.present[s.id] = present

    def _talk_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        talk_id = 0
        for s in self.sessions:
            present = self.present.get(s.id)
            if present is None:
                continue
            talks: list[tuple[TalkKind, int | None, str | None, str | None]] = []
            if s.chair in present:
                talks.append((TalkKind.CHAIR_ADDRESS, s.chair, None, None))
            if s.kind == SessionKind.LECTURE and rng.random() < 0.3:
                talks.append((TalkKind.KEYNOTE, None, _person_name(rng), "专题辅导报告"))
            others = [u for u in present if u != s.chair]
            speakers = rng.sample(others, min(len(others), rng.randint(1, 4)))
            for position, user_id in enumerate(speakers):
                kind = TalkKind.KEYNOTE if position == 0 else TalkKind.EXCHANGE
                talks.append((kind, user_id, None, None))
            for position, (kind, speaker, guest, title) in enumerate(talks):
                talk_id += 1
                yield {
                    "id": talk_id, "session_id": s.id, "speaker_id": speaker,
                    "speaker_name": guest, "kind": kind, "position": position, "title": title,
                    "summary": _paragraph(rng, 2), "created_at": s.starts_at + timedelta(days=1),
                    "updated_at": s.starts_at + timedelta(days=1),
                }

    def _reflection_rows(self, out: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The required rows that have a reflection: a weighted sample (diligent groups write
        more; the last ten days' sessions are still being written), exactly the target count."""
        rng = self.rng
        target = min(self.n["reflections"], len(self.required))
        keyed = []
        for index, (s, _user, _makeup) in enumerate(self.required):
            weight = s.group.diligence * (0.3 if (self.today - s.day).days < 10 else 1.0)
            keyed.append((rng.random() ** (1.0 / weight), index))
        keyed.sort(reverse=True)
        chosen = sorted(index for _key, index in keyed[:target])
        for reflection_id, index in enumerate(chosen, start=1):
            s, author, makeup = self.required[index]
            fresh = s.status == SessionStatus.PUBLISHED and (self.today - s.day).days <= 14
            r = rng.random()
            if fresh:
                status = (ReflectionStatus.DRAFT if r < 0.3 else ReflectionStatus.SUBMITTED
                          if r < 0.9 else ReflectionStatus.RETURNED if r < 0.95
                          else ReflectionStatus.ACCEPTED)
            else:
                status = (ReflectionStatus.ACCEPTED if r < 0.88 else ReflectionStatus.SUBMITTED
                          if r < 0.93 else ReflectionStatus.RETURNED if r < 0.96
                          else ReflectionStatus.DRAFT)
            begun = at(makeup, 9) if makeup else s.starts_at + timedelta(hours=30)
            submitted = reviewed = None
            late = False
            comment = None
            if status != ReflectionStatus.DRAFT:
                submitted = min(begun + timedelta(hours=rng.randint(2, 12 * 24)),
                                self.now - timedelta(hours=1))
                late = s.due_on is not None and submitted.astimezone(SHANGHAI).date() > s.due_on
            if status in (ReflectionStatus.ACCEPTED, ReflectionStatus.RETURNED):
                assert submitted is not None
                reviewed = min(submitted + timedelta(hours=rng.randint(12, 72)), self.now)
                if status == ReflectionStatus.RETURNED:
                    comment = rng.choice(texts.RETURN_COMMENTS)
            body, chars = _reflection_text(rng, s)
            created = min(begun, submitted or begun)
            row = {
                "id": reflection_id, "session_id": s.id, "author_id": author,
                "title": f"{s.short}学习体会"[:200], "body": body, "char_count": chars,
                "status": status, "submitted_at": submitted, "is_late": late,
                "reviewer_id": s.group.secretary if reviewed else None, "reviewed_at": reviewed,
                "review_comment": comment, "version": 1, "created_at": created,
                "updated_at": reviewed or submitted or created,
            }
            yield row
            if (reviewed or submitted or created) >= self.now - timedelta(days=NOTIFICATION_DAYS):
                out.append({k: row[k] for k in ("id", "session_id", "author_id", "status",
                                                  "submitted_at", "is_late", "reviewed_at",
                                                  "review_comment", "reviewer_id")}
                           | {"session": s})

    def _task_rows(self, out: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        held = [s for s in self.sessions if s.id in self.present]
        if not held:
            return
        chosen = sorted(rng.choices(range(len(held)), k=self.n["follow_up_tasks"]))
        for task_id, index in enumerate(chosen, start=1):
            s = held[index]
            present = self.present[s.id] or [s.chair]
            r = rng.random()
            assignee = None if r < 0.2 else rng.choice(present)
            org_id = s.group.org.id if r < 0.35 else None
            created = s.starts_at + timedelta(days=1)
            due = s.day + timedelta(days=rng.randint(14, 60)) if rng.random() < 0.9 else None
            old = (self.today - s.day).days > 90
            r = rng.random()
            if old:
                status = (TaskStatus.DONE if r < 0.85 else TaskStatus.CANCELLED if r < 0.88
                          else TaskStatus.IN_PROGRESS if r < 0.93 else TaskStatus.OPEN)
            else:
                status = (TaskStatus.OPEN if r < 0.5 else TaskStatus.IN_PROGRESS if r < 0.8
                          else TaskStatus.DONE)
            completed = None
            if status == TaskStatus.DONE:
                completed = min(created + timedelta(days=rng.randint(3, 50)), self.now)
            row = {
                "id": task_id, "session_id": s.id,
                "title": f"围绕{s.short}{rng.choice(texts.TASK_TITLES)}"[:200],
                "detail": _paragraph(rng, 1), "assignee_id": assignee, "organization_id": org_id,
                "due_on": due, "status": status,
                "completion_note": rng.choice(texts.TASK_NOTES) if completed else None,
                "completed_at": completed,
                "completed_by_id": (assignee or s.group.secretary) if completed else None,
                "cancel_reason": (rng.choice(texts.CANCEL_REASONS)
                                  if status == TaskStatus.CANCELLED else None),
                "created_by_id": s.group.secretary, "version": 1, "created_at": created,
                "updated_at": completed or created,
            }
            yield row
            if assignee and created >= self.now - timedelta(days=NOTIFICATION_DAYS):
                out.append(row | {"session": s})

    def _notification_rows(
        self, reflections: list[dict[str, Any]], tasks: list[dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        since = self.now - timedelta(days=NOTIFICATION_DAYS)
        unread_from = self.now - timedelta(days=14)
        notes: list[tuple[datetime, int, NotificationKind, dict[str, Any], dict[str, Any]]] = []
        for r in reflections:
            s = r["session"]
            if r["submitted_at"] and r["submitted_at"] >= since:
                notes.append((r["submitted_at"], s.group.secretary,
                              NotificationKind.REFLECTION_SUBMITTED, r, {
                                  "author": self.user_names[r["author_id"]], "topic": s.topic,
                                  "resubmission": False, "late": r["is_late"]}))
            if r["reviewed_at"] and r["reviewed_at"] >= since:
                kind = (NotificationKind.REFLECTION_RETURNED
                        if r["status"] == ReflectionStatus.RETURNED
                        else NotificationKind.REFLECTION_ACCEPTED)
                details = {"topic": s.topic, "reviewer": self.user_names[s.group.secretary]}
                if r["review_comment"]:
                    details["comment"] = r["review_comment"]
                notes.append((r["reviewed_at"], r["author_id"], kind, r, details))
        for t in tasks:
            notes.append((t["created_at"], t["assignee_id"], NotificationKind.TASK_ASSIGNED, t, {
                "title": t["title"], "topic": t["session"].topic,
                "due_on": t["due_on"].isoformat() if t["due_on"] else None}))
        notes.sort(key=lambda n: (n[0], n[1], n[2].value, n[3]["id"]))
        for note_id, (when, user_id, kind, obj, details) in enumerate(notes, start=1):
            is_task = kind == NotificationKind.TASK_ASSIGNED
            yield {
                "id": note_id, "created_at": when, "user_id": user_id, "kind": kind,
                "session_id": obj["session"].id, "reflection_id": None if is_task else obj["id"],
                "task_id": obj["id"] if is_task else None, "details": details,
                "read_at": when + timedelta(days=1) if when < unread_from else None,
            }


# --- texts -----------------------------------------------------------------------------------

KIND_WORDS = {
    SessionKind.COLLECTIVE: "集体学习", SessionKind.SEMINAR: "专题研讨",
    SessionKind.LECTURE: "专题辅导", SessionKind.READING_RETREAT: "读书班学习",
    SessionKind.OTHER: "学习",
}


def _base(name: str) -> str:
    """A unit's name without its kind, as the prefix of the units below it."""
    for suffix in ("党组", "党委", "党总支", "市委"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ("市" if suffix == "市委" else "")
    return name


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(texts.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(texts.SURNAMES) + given


def _paragraph(rng: random.Random, sentences: int) -> str:
    return "".join(rng.choice(texts.SENTENCES) for _ in range(sentences))


def _reflection_text(rng: random.Random, s: Session) -> tuple[str, int]:
    """600–1,500 characters: an opening on the session, then paragraphs of pooled sentences."""
    opening = (f"{s.day.month}月{s.day.day}日，{s.group.name}围绕“{s.short}”开展"
               f"{KIND_WORDS[s.kind]}。通过学习和交流，我进一步加深了认识，现将体会汇报如下。")
    chars = len(opening) - opening.count(" ")
    goal = rng.randint(600, 1500)
    paragraphs = [opening]
    current: list[str] = []
    pool, counts = texts.SENTENCES, texts.SENTENCE_CHARS
    while chars < goal:
        i = rng.randrange(len(pool))
        current.append(pool[i])
        chars += counts[i]
        if len(current) >= 4 and rng.random() < 0.4:
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return "\n\n".join(paragraphs), chars

