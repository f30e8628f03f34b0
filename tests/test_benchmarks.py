"""The benchmark data generator at a tiny scale: counts, determinism, constraints, rules."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from flask import Flask

from benchmarks.generate import BASE, GenerateError, generate, sizes
from studytrack.dashboard.metrics import Period, figures_for_unit
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    Base,
    GroupMembership,
    Organization,
    Reflection,
    StudySession,
    User,
)
from studytrack.reflections.services import count_characters

SCALE = 0.005
TODAY = date(2026, 11, 29)


def _generate(seed: int = 7) -> dict[str, int]:
    db.session.remove()  # the generator writes on its own connection, in one transaction
    return generate(db.engine, SCALE, seed=seed, today=TODAY, out=None, analyze=False)


def _empty() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _fingerprint() -> list[tuple[object, ...]]:
    rows = db.session.execute(
        sa.select(Reflection.id, Reflection.session_id, Reflection.author_id,
                  Reflection.char_count, Reflection.status).order_by(Reflection.id)
    ).all()
    users = db.session.execute(sa.select(User.id, User.display_name).order_by(User.id)).all()
    return [tuple(r) for r in rows] + [tuple(u) for u in users]


def test_counts_follow_the_scale(app: Flask) -> None:
    counts = _generate()
    expected = sizes(SCALE)
    for name in ("users", "study_sessions", "reflections", "follow_up_tasks", "materials"):
        assert counts[name] == round(BASE[name] * SCALE), name
        assert counts[name] == expected[name]
    assert counts["organizations"] == 4  # the floor: still a tree four levels deep
    # a tiny scale has only three groups: the rosters, and so attendance, vary more
    assert 0.75 * 400_000 * SCALE <= counts["attendances"] <= 1.25 * 400_000 * SCALE
    for table in Base.metadata.sorted_tables:  # what it says it wrote is what is there
        written = db.session.scalar(sa.select(sa.func.count()).select_from(table))
        assert written == counts.get(table.name, 0), table.name
    depths = [org.depth for org in db.session.scalars(sa.select(Organization))]
    assert max(depths) == 3 and min(depths) == 0


def test_same_seed_same_rows_and_refuses_a_database_with_data(app: Flask) -> None:
    first = _generate()
    fingerprint = _fingerprint()
    with pytest.raises(GenerateError, match="not empty"):
        _generate()
    _empty()
    assert _generate() == first
    assert _fingerprint() == fingerprint


def test_rows_keep_the_rules(app: Flask) -> None:
    _generate()
    # every foreign key points at a row (SQLite does not enforce them by default)
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column.table.alias().c[fk.column.name]  # an alias: self-references
            orphans = db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(
                    fk.parent.is_not(None),
                    ~sa.exists().where(target == fk.parent),
                )
            )
            assert orphans == 0, f"{table.name}.{fk.parent.name}"
    # reflections only from people who must write one, for held sessions
    owed = (
        sa.select(sa.func.count()).select_from(Reflection)
        .join(StudySession, StudySession.id == Reflection.session_id)
        .where(~sa.exists().where(
            Attendance.session_id == Reflection.session_id,
            Attendance.user_id == Reflection.author_id,
            Attendance.owes_reflection,
        ) | StudySession.status.not_in(("published", "closed")))
    )
    assert db.session.scalar(owed) == 0
    for reflection in db.session.scalars(sa.select(Reflection).limit(50)):
        assert reflection.char_count == count_characters(reflection.body)
        assert 600 <= reflection.char_count <= 1_600
        assert reflection.submitted_at is None or reflection.submitted_at.tzinfo is not None
    # attendance only for members of the group at the time (plus the secretary and guests)
    strangers = db.session.scalar(
        sa.select(sa.func.count()).select_from(Attendance)
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(Attendance.user_id.is_not(None), ~sa.exists().where(
            GroupMembership.group_id == StudySession.group_id,
            GroupMembership.user_id == Attendance.user_id,
        ))
    )
    assert strangers == 0
    # the dashboard has figures to show, and they add up
    root = db.session.scalars(sa.select(Organization).where(Organization.parent_id.is_(None)))
    figures = figures_for_unit(root.one(), Period(TODAY.year), today=TODAY)
    assert figures.sessions_held > 0 and figures.sessions_planned > 0
    assert 0 < figures.reflections_submitted <= figures.reflections_required
    assert 0 < figures.tasks_done <= figures.tasks_total


def test_page_benchmark_times_every_page_in_shuffled_rounds(tmp_path, monkeypatch) -> None:
    # The page benchmark end to end on a tiny generated database (a file of its own): every
    # page answers 200 for the person chosen for it (measure stops otherwise), each is timed
    # `repeat` times in rounds that each ask for every page, in a shuffled order, and the
    # budget check names every page.
    from benchmarks import pages

    with _benchmark_app(tmp_path) as app:
        _measure_every_page(app, pages, monkeypatch)


@contextmanager
def _benchmark_app(tmp_path: Path) -> Iterator[Flask]:
    """The benchmarks' app (pages.build_app) on a tiny generated database of its own; the
    request log, which build_app quiets for the whole process, is restored afterwards."""
    from benchmarks import generate as generator
    from benchmarks.pages import build_app

    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    assert generator.main(["--database-url", url, "--scale", str(SCALE),
                           "--today", TODAY.isoformat()]) == 0
    request_log = logging.getLogger("studytrack.request")
    level = request_log.level
    try:
        yield build_app(url)
    finally:
        request_log.setLevel(level)


def _measure_every_page(app: Flask, pages: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = pages.choose_pages(app)
    timed: list[str] = []
    original = pages._get

    def get(client: object, page: pages.Page) -> None:
        timed.append(page.key)
        original(client, page)

    monkeypatch.setattr(pages, "_get", get)
    results = pages.measure(app, chosen, warmup=1, repeat=4, say=lambda _: None)
    keys = [p.key for p in chosen]
    assert [r.key for r in results] == keys and len(keys) == 10
    # warm-up in the pages' order, then four rounds of one request to every page
    assert timed[:10] == keys
    rounds = [timed[10 + 10 * i:20 + 10 * i] for i in range(4)]
    assert len(timed) == 10 + 40 and all(sorted(r) == sorted(keys) for r in rounds)
    # shuffled afresh each round, the same way in every run
    assert len({tuple(r) for r in rounds}) > 1 and rounds[0] != keys
    again: list[str] = []
    monkeypatch.setattr(pages, "_get", lambda client, page: again.append(page.key))
    pages.measure(app, chosen, warmup=0, repeat=2, say=lambda _: None, rounds=1)
    assert again == [key for key in rounds[0] for _ in range(2)]
    by_key = {r.key: r for r in results}
    # the bare page reads its user, and with it the navigation's unread count
    assert by_key["bare"].queries == 1 and by_key["login"].queries == 0
    assert all(by_key[k].queries >= 3 for k in pages.FLOOR_PAGES)
    assert all(r.median_ms > 0 and r.p95_ms >= r.median_ms for r in results)

    run = {"database": "SQLite", "scale": 1.0, "date": "today", "machine": pages.machine(app),
           "load_start": [0, 0, 0], "load_end": [0, 0, 0], "repeat": 4, "warmup": 1,
           "rounds": 4, "order": "shuffled", "pages": [r.__dict__ for r in results]}
    text = pages.render({"SQLite 1": run})
    for result in results:
        assert f"| {result.title} |" in text
    budget = text.split("## Budget check", 1)[1]
    assert budget.count("median < 5× bare page") == len(pages.FLOOR_PAGES)
    assert "in 4 rounds over the pages in a shuffled order" in text


def test_compare_takes_the_median_of_each_sides_runs() -> None:
    from collections import defaultdict

    from benchmarks import compare

    before: compare.Runs = defaultdict(list)
    after: compare.Runs = defaultdict(list)
    for median in ("2.0", "4.0", "3.0"):
        compare.parse(f"  Session report   {median} ms   9.9 ms   1.0 ms    7\nnoise\n", before)
    compare.parse("  Session report   3.3 ms   9.9 ms   1.0 ms    6\n", after)
    assert before["Session report"] == [(2.0, 7), (4.0, 7), (3.0, 7)]
    assert compare.table(before, after).splitlines()[-1] == (
        "| Session report | 3.00 | 3.30 | +10 % | 7 → 6 |"
    )


def test_the_crawler_visits_every_get_route_as_someone_who_may_open_it(tmp_path) -> None:
    # On a tiny generated database: every GET route of the URL map but the few SKIPPED (and
    # the page benchmark's own floor) is filled with real ids and answers 200 (or only
    # redirects) for one of the roles; none is left out without a reason.
    from benchmarks import crawl
    from benchmarks.chosen import choose_ids

    with _benchmark_app(tmp_path) as app:
        visits, problems = crawl.crawl(app, choose_ids(app), warmup=0, repeat=1)
    assert problems == []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in (rule.methods or ()) and not rule.endpoint.startswith("bench_")}
    assert {visit.endpoint for visit in visits} == endpoints - set(crawl.SKIPPED)
    by_endpoint = {visit.endpoint: visit for visit in visits}
    assert by_endpoint["admin.users"].role == "admin"
    assert by_endpoint["auth.login"].role == "anonymous"
    assert by_endpoint["reflections.edit"].role == "member"
    assert by_endpoint["dashboard.index"].role == "leader"
    assert by_endpoint["reports.session_docx"].download
    assert not by_endpoint["reports.session_report"].download
    assert all(visit.queries <= crawl.QUERY_BUDGET for visit in visits)


def test_the_crawl_budgets_name_what_grows_and_what_is_slow() -> None:
    from benchmarks import crawl

    def run(scale: float, queries: int, ms: float) -> dict[str, object]:
        return {"database": "SQLite", "scale": scale, "problems": [], "visits": [
            {"endpoint": "groups.detail", "url": "/groups/1", "role": "secretary",
             "status": 200, "download": False, "median_ms": ms, "queries": queries},
            {"endpoint": "reports.session_pdf", "url": "/sessions/1/report.pdf",
             "role": "secretary", "status": 200, "download": True, "median_ms": 900.0,
             "queries": 7},
        ]}

    assert crawl.misses({"a": run(0.1, 8, 10.0), "b": run(1, 8, 149.0)}) == []
    found = crawl.misses({"a": run(0.1, 8, 10.0), "b": run(1, 9, 151.0)})
    assert found == [
        "SQLite, scale 1: groups.detail takes 151 ms (budget 150)",
        "SQLite: groups.detail makes 8 at scale 0.1, 9 at scale 1: it grows with the data",
    ]
    assert crawl.misses({"a": run(5, 16, 1.0)}) == [
        "SQLite, scale 5: groups.detail makes 16 statements (budget 15)"]
    text = crawl.render({"a": run(0.1, 8, 10.0)})
    assert "| `groups.detail` | 10 ms, 8 |" in text and "**Budgets: all met.**" in text


def test_the_load_budgets() -> None:
    from benchmarks import load

    def side(throughput: float, p95: float, pages: dict[str, dict[str, float]]
             ) -> dict[str, object]:
        return {"throughput": throughput, "p50_ms": 1.0, "p95_ms": p95, "error_count": 0,
                "errors": [], "pages": pages}

    good = {"database": "PostgreSQL", "scale": 1, "workers": 2, "date": "today",
            "app": side(150.0, 200.0, {
                "dashboard": {"p50_ms": 100, "p95_ms": 290, "requests": 9},
                "group figures": {"p50_ms": 90, "p95_ms": 200, "requests": 9}}),
            "bare": side(1500.0, 10.0, {})}
    assert load.misses(good) == []
    slow = {**good, "app": side(50.0, 400.0, {"dashboard": {"p50_ms": 100, "p95_ms": 310},
                                              "group figures": {"p50_ms": 120, "p95_ms": 1}})}
    assert load.misses(slow) == [
        "PostgreSQL, scale 1: p95 400 ms (budget 250)",
        "PostgreSQL, scale 1: 50 requests/s, 1/30 of the bare app's 1500 (budget 1/10)",
        "PostgreSQL, scale 1: dashboard p95 310 ms (budget 300)",
        "PostgreSQL, scale 1: group figures median 120 ms (budget 100)",
    ]
    assert "| PostgreSQL 1 (today) | 2 | 150 (1500) | 1/10.0 | 1 / 200 | 0 |" in load.render(
        {"PostgreSQL 1": good})


def test_the_archive_budgets() -> None:
    from benchmarks import archive

    run = {"database": "SQLite", "scale": 1.0, "when": "today", "group_id": 60, "year": 2024,
           "sessions": 23, "job_id": 6, "ask_median_ms": 4.4, "job_seconds": 14.9,
           "peak_mb": 299.0, "file_bytes": 33_000_000}
    assert archive.misses(run) == []
    slow = {**run, "ask_median_ms": 101.0, "job_seconds": 27.85, "peak_mb": 310.0}
    assert archive.misses(slow) == [
        "SQLite, scale 1: the archive job took 27.85 s (budget 15 s)",
        "SQLite, scale 1: its process peaked at 310 MB (budget 300 MB)",
        "SQLite, scale 1: asking for it took 101 ms (budget 100 ms)",
    ]
    text = archive.render({"SQLite 1": slow})
    assert "| SQLite 1 (today) | 60, 2024 | 23 | 101 | 27.85 | 310 | 0 × 0 | 33.0 |" in text
    assert "**Budgets missed:**" in text
