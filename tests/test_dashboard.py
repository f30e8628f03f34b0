"""The leader's dashboard: headline figures against their targets, the units table and its
drill-down, the charts' data, the Excel export, permissions, the query budget and the landing
after login — on a hand-built three-level tree.

The tree (all figures for 2025):

    校党委 (R)            own group G0: m1, m2      targets: sessions 1/group/year,
    ├── 机关党委 (A)      own group GA: a1, a2                reflections submitted 60%, on time 80%
    │   └── 办公室党支部 (A1)  group GA1: b1          A: seminars 1/group/year
    └── 学院党委 (B)      group GB: c1, c2 (+ secretary)   B: attendance 95%
    另一党委 (X)          group GX: x1               default: attendance 60%
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from studytrack.dashboard import metrics, queries
from studytrack.dashboard.metrics import Figures, Period
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    Job,
    JobKind,
    JobStatus,
    OrganizationKind,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyPlan,
    Talk,
    TalkKind,
    Target,
    TargetMetric,
    TaskStatus,
)
from tests.fixtures.jobs import job_download, job_url_of
from tests.fixtures.users import PASSWORD

YEAR = 2025


def at(day: date, hour: int = 2) -> datetime:
    """10:00 in Shanghai on `day`."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def attend(session: Any, user: Any, status: AttendanceStatus | None, **fields: Any) -> None:
    if status == AttendanceStatus.ON_LEAVE:
        fields.setdefault("leave_reason", "出差")
    db.session.add(Attendance(session=session, user_id=user.id, status=status, **fields))


def reflect(session: Any, user: Any, status: ReflectionStatus, late: bool = False) -> None:
    db.session.add(Reflection(
        session=session, author_id=user.id, status=status, body="心得", char_count=2,
        is_late=late,
        submitted_at=None if status == ReflectionStatus.DRAFT else at(date(YEAR, 12, 1)),
    ))


def task(session: Any, user: Any, status: TaskStatus, due_on: date | None) -> None:
    db.session.add(FollowUpTask(
        session=session, title="落实任务", assignee_id=user.id, status=status, due_on=due_on,
        completion_note="已完成" if status == TaskStatus.DONE else None,
        cancel_reason="撤销" if status == TaskStatus.CANCELLED else None,
    ))


def talk(session: Any, user: Any = None, guest: str | None = None) -> None:
    db.session.add(Talk(
        session=session, speaker_id=user.id if user else None, speaker_name=guest,
        kind=TalkKind.EXCHANGE,
    ))


def plan(group: Any, *periods: tuple[int | None, int | None]) -> None:
    study_plan = StudyPlan(group_id=group.id, year=YEAR)
    for month, quarter in periods:
        study_plan.items.append(PlanItem(month=month, quarter=quarter, topic="计划学习"))
    db.session.add(study_plan)


def target(org: Any, metric: TargetMetric, value: str) -> None:
    db.session.add(Target(
        organization_id=org.id if org else None, metric=metric, value=Decimal(value)
    ))


@pytest.fixture
def tree(app, create_org, create_user, create_group, create_session) -> dict[str, Any]:
    people = {name: create_user(name, f"同志{name}", locale="en") for name in
              ("m1", "m2", "a1", "a2", "b1", "c1", "c2", "x1", "sec")}
    root = create_org("校党委")
    a = create_org("机关党委", parent=root)
    a1 = create_org("办公室党支部", parent=a, kind=OrganizationKind.BRANCH)
    b = create_org("学院党委", parent=root)
    x = create_org("另一党委")
    g0 = create_group(root, "校党委中心组", members=(people["m1"], people["m2"]))
    ga = create_group(a, "机关党委中心组", members=(people["a1"], people["a2"]))
    ga1 = create_group(a1, "办公室支部学习组", members=(people["b1"],))
    gb = create_group(b, "学院党委中心组", members=(people["c1"], people["c2"]),
                      secretaries=(people["sec"],))
    gx = create_group(x, "另一党委中心组", members=(people["x1"],))
    p = people

    s0 = create_session(g0, starts_at=at(date(YEAR, 3, 10)), status=SessionStatus.CLOSED,
                        reflection_due_on=date(YEAR, 3, 20))
    attend(s0, p["m1"], AttendanceStatus.PRESENT)
    attend(s0, p["m2"], AttendanceStatus.ON_LEAVE, makeup_on=date(YEAR, 3, 12))
    reflect(s0, p["m1"], ReflectionStatus.SUBMITTED)
    reflect(s0, p["m2"], ReflectionStatus.SUBMITTED, late=True)
    task(s0, p["m1"], TaskStatus.DONE, date(YEAR, 4, 1))
    talk(s0, p["m1"])
    create_session(g0, starts_at=at(date(YEAR - 1, 12, 1)))  # another year

    sa = create_session(ga, starts_at=at(date(YEAR, 4, 15)), kind=SessionKind.SEMINAR,
                        reflection_due_on=date(YEAR, 4, 30))
    attend(sa, p["a1"], AttendanceStatus.PRESENT)
    attend(sa, p["a2"], AttendanceStatus.ABSENT)
    reflect(sa, p["a1"], ReflectionStatus.DRAFT)
    task(sa, p["a1"], TaskStatus.OPEN, date(YEAR, 5, 1))  # overdue
    talk(sa, p["a1"])
    talk(sa, guest="外请专家")

    sa1 = create_session(ga1, starts_at=at(date(YEAR, 7, 1)))
    attend(sa1, p["b1"], AttendanceStatus.PRESENT)
    attend(sa1, p["m1"], AttendanceStatus.OBSERVER)
    reflect(sa1, p["b1"], ReflectionStatus.ACCEPTED)
    task(sa1, p["b1"], TaskStatus.IN_PROGRESS, date(2099, 1, 1))

    sb = create_session(gb, starts_at=at(date(YEAR, 10, 20)), kind=SessionKind.SEMINAR,
                        status=SessionStatus.CLOSED)
    attend(sb, p["c1"], AttendanceStatus.PRESENT)
    attend(sb, p["c2"], AttendanceStatus.PRESENT)
    reflect(sb, p["c1"], ReflectionStatus.SUBMITTED)
    task(sb, p["c1"], TaskStatus.CANCELLED, None)
    talk(sb, p["c1"])
    talk(sb, p["c2"])
    create_session(gb, starts_at=at(date(YEAR, 10, 21)), status=SessionStatus.DRAFT)
    create_session(gb, starts_at=at(date(YEAR, 10, 22)), status=SessionStatus.CANCELLED)

    sx = create_session(gx, starts_at=at(date(YEAR, 5, 5)))
    attend(sx, p["x1"], AttendanceStatus.PRESENT)

    plan(g0, (3, None), (11, None))
    plan(ga, (None, 2))

    target(None, TargetMetric.ATTENDANCE_RATE, "0.6")
    target(root, TargetMetric.SESSIONS_PER_YEAR, "1")
    target(root, TargetMetric.REFLECTION_COMPLETION_RATE, "0.6")
    target(root, TargetMetric.REFLECTION_ON_TIME_RATE, "0.8")
    target(a, TargetMetric.SEMINARS_PER_YEAR, "1")
    target(b, TargetMetric.ATTENDANCE_RATE, "0.95")
    db.session.commit()
    return {
        **people, "R": root, "A": a, "A1": a1, "B": b, "X": x,
        "G0": g0, "GA": ga, "GA1": ga1, "GB": gb, "GX": gx,
    }


@pytest.fixture
def leader(create_user, grant_leadership, tree) -> Any:
    user = create_user("leader", "领导", locale="en")
    grant_leadership(user, tree["R"])
    return user


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def headline(html_text: str) -> dict[str, tuple[str, str, str]]:
    """measure -> (css classes, value, target text) of the headline cards."""
    cards = {}
    for css, key, body in re.findall(
        r'<div class="card h-100 dashboard-figure ([^"]+)" data-measure="(\w+)">(.*?)</div>\s*'
        r'</div>\s*</div>', html_text, re.S,
    ):
        value = re.search(r'data-value="([^"]*)"', body)
        target_text = re.search(r'<p class="figure-target[^"]*">(.*?)</p>', body, re.S)
        assert value and target_text
        cards[key] = (css, html.unescape(value.group(1)), text_of(target_text.group(1)))
    return cards


def table_rows(html_text: str) -> dict[str, dict[str, tuple[str, str]]]:
    """row label -> measure -> (css class, shown value) of the units table body."""
    body = html_text[html_text.index("<tbody>"):html_text.index("</tbody>")]
    rows = {}
    for chunk in body.split("<tr ")[1:]:
        label = re.search(r'<th scope="row"[^>]*>\s*(.*?)\s*(?:<ul|</th>)', chunk, re.S)
        assert label
        cells = {
            key: (css.split()[-1], text_of(content).split(" ")[0])
            for css, key, content in re.findall(
                r'<td class="([^"]+)" data-measure="(\w+)"[^>]*>(.*?)</td>', chunk, re.S
            )
        }
        rows[text_of(label.group(1))] = cells
    return rows


def values(rows: dict[str, dict[str, tuple[str, str]]], key: str) -> dict[str, str]:
    return {label: cells[key][1] for label, cells in rows.items()}


def classes(rows: dict[str, dict[str, tuple[str, str]]], key: str) -> dict[str, str]:
    return {label: cells[key][0] for label, cells in rows.items()}


OWN = "校党委 (own groups)"


# --- the figures ----------------------------------------------------------------------------


def test_headline_figures_their_colours_and_targets(client, login, leader, tree):
    login(leader)
    cards = headline(page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}"))

    assert cards["sessions_held"] == (
        "figure-meets", "4", "Target 1 per group a year (4 for this period) (set by this unit)"
    )
    assert cards["seminars_held"] == ("figure-no-target", "2", "No target set")
    assert cards["attendance_rate"] == ("figure-meets", "71.4%", "Target 60% (default setting)")
    assert cards["reflection_completion_rate"] == (
        "figure-meets", "66.7%", "Target 60% (set by this unit)"
    )
    assert cards["reflection_on_time_rate"] == (
        "figure-misses", "75%", "Target 80% (set by this unit)"
    )
    assert cards["task_completion_rate"] == ("figure-no-target", "33.3%", "No target set")
    assert cards["talks_per_member"] == ("figure-no-target", "0.57", "No target set")


def test_headline_details_say_what_the_rates_are_made_of(client, login, leader, tree):
    login(leader)
    text = text_of(page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}"))
    assert "of 3 planned (133.3%)" in text
    assert "5 present of 7 expected; 1 on leave, 1 absent" in text
    assert "4 submitted of 6; 2 missing" in text
    assert "3 on time, 1 late" in text
    assert "1 done of 3; 1 overdue" in text
    assert "4 talks by 7 members" in text


def test_units_table_rows_values_and_colours(client, login, leader, tree):
    login(leader)
    rows = table_rows(page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}"))

    # Own groups first, then the tree's order (sort_order, then name: 学 < 机 by code point).
    assert list(rows) == [OWN, "学院党委", "机关党委"]
    assert values(rows, "groups") == {OWN: "1", "机关党委": "2", "学院党委": "1"}
    assert values(rows, "members") == {OWN: "2", "机关党委": "3", "学院党委": "2"}
    assert values(rows, "sessions_planned") == {OWN: "2", "机关党委": "1", "学院党委": "0"}
    assert values(rows, "sessions_held") == {OWN: "1", "机关党委": "2", "学院党委": "1"}
    assert values(rows, "seminars_held") == {OWN: "0", "机关党委": "1", "学院党委": "1"}
    assert values(rows, "attendance_rate") == {OWN: "50%", "机关党委": "66.7%", "学院党委": "100%"}
    assert values(rows, "reflection_completion_rate") == {
        OWN: "100%", "机关党委": "50%", "学院党委": "50%"
    }
    assert values(rows, "reflection_on_time_rate") == {
        OWN: "50%", "机关党委": "100%", "学院党委": "100%"
    }
    assert values(rows, "tasks_done") == {OWN: "1", "机关党委": "0", "学院党委": "0"}
    assert values(rows, "tasks_overdue") == {OWN: "0", "机关党委": "1", "学院党委": "0"}
    assert values(rows, "task_completion_rate") == {OWN: "100%", "机关党委": "0%", "学院党委": "—"}
    assert values(rows, "talks_per_member") == {OWN: "0.5", "机关党委": "0.33", "学院党委": "1"}

    # Each row against its own unit's targets (inherited, set locally, or the default).
    assert classes(rows, "sessions_held") == {
        OWN: "figure-meets", "机关党委": "figure-meets", "学院党委": "figure-meets"
    }
    assert classes(rows, "seminars_held") == {  # only 机关党委 sets one: 1 per group, 2 groups
        OWN: "figure-no-target", "机关党委": "figure-misses", "学院党委": "figure-no-target"
    }
    assert classes(rows, "attendance_rate") == {  # default 60%; 学院党委 sets 95%
        OWN: "figure-misses", "机关党委": "figure-meets", "学院党委": "figure-meets"
    }
    assert classes(rows, "reflection_completion_rate") == {
        OWN: "figure-meets", "机关党委": "figure-misses", "学院党委": "figure-misses"
    }
    assert classes(rows, "groups") == {label: "figure-plain" for label in rows}


def test_cell_titles_name_the_target_and_its_source(client, login, leader, tree):
    login(leader)
    text = page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}")
    row_b = text[text.index(f'<tr data-unit="{tree["B"].id}"'):]
    row_b = row_b[:row_b.index("</tr>")]
    assert 'title="Target 95% (set by this unit)"' in row_b
    assert 'title="Target 60% (inherited from 校党委)"' in row_b  # reflections submitted
    row_a = text[text.index(f'<tr data-unit="{tree["A"].id}"'):]
    row_a = row_a[:row_a.index("</tr>")]
    assert 'title="Target 1 per group a year (2 for this period) (set by this unit)"' in row_a


def test_a_units_figures_equal_the_sum_of_its_rows(app, tree):
    period = Period(YEAR)
    for org in (tree["R"], tree["A"]):
        rows = metrics.figures_by_unit(org, period)
        assert sum((row.figures for row in rows), Figures()) == metrics.figures_for_unit(
            org, period
        )
    board = queries.dashboard(queries.unit_tree(tree["R"].id), period)
    a_row = next(row for row in board.rows if row.unit.id == tree["A"].id)
    a_board = queries.dashboard(queries.unit_tree(tree["A"].id), period)
    assert a_board.figures == a_row.figures  # drilling down keeps the numbers
    assert board.figures.sessions_held == 4 and board.figures.attendance_present == 5


def test_table_total_row_is_the_headline(client, login, leader, tree):
    login(leader)
    text = page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}")
    total = text[text.index('<tr class="dashboard-total">'):]
    total = total[:total.index("</tr>")]
    shown = dict(re.findall(r'data-measure="(\w+)"[^>]*>([^<]*)</td>', total))
    assert shown["sessions_held"] == "4"
    assert shown["attendance_rate"] == "71.4%"
    assert shown["members"] == "7"


def test_quarter_scales_count_targets_and_plan(client, login, leader, tree):
    login(leader)
    text = page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}&quarter=2")
    cards = headline(text)
    # Q2 holds one session; the target is 1 per group a year x 4 groups x 1/4 year = 1.
    assert cards["sessions_held"] == (
        "figure-meets", "1", "Target 1 per group a year (1 for this period) (set by this unit)"
    )
    assert "of 1 planned (100%)" in text_of(text)
    assert values(table_rows(text), "sessions_held") == {
        OWN: "0", "机关党委": "1", "学院党委": "0"
    }


def test_sorting_by_a_column_server_side(client, login, leader, tree):
    login(leader)
    base = f"/dashboard/units/{tree['R'].id}?year={YEAR}"
    ascending = table_rows(page(client, base + "&sort=attendance_rate"))
    assert list(ascending) == [OWN, "机关党委", "学院党委"]
    assert list(table_rows(page(client, base + "&sort=name&dir=desc"))) == [
        OWN, "机关党委", "学院党委"
    ]
    descending = table_rows(page(client, base + "&sort=attendance_rate&dir=desc"))
    assert list(descending) == ["学院党委", "机关党委", OWN]
    # Units without a value stay last whichever way.
    assert list(table_rows(page(client, base + "&sort=task_completion_rate&dir=desc"))) == [
        OWN, "机关党委", "学院党委"  # 100%, 0%, then none
    ]
    assert list(table_rows(page(client, base + "&sort=task_completion_rate"))) == [
        "机关党委", OWN, "学院党委"
    ]
    # The heading of the sorted column offers the other direction.
    text = page(client, base + "&sort=members")
    assert re.search(r'href="[^"]*sort=members&amp;dir=desc#units" data-sort="members"', text)
    assert 'aria-sort="ascending"' in text


# --- drill-down -----------------------------------------------------------------------------


def test_drill_down_links(client, login, leader, tree):
    login(leader)
    text = page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}")
    units = set(re.findall(r'href="(/dashboard/units/\d+\?year=\d+)" data-drill="unit"', text))
    assert units == {f"/dashboard/units/{tree[k].id}?year={YEAR}" for k in ("A", "B")}
    groups = set(re.findall(r'href="([^"]+)" data-drill="group"', text))
    assert groups == {f"/groups/{tree[k].id}/figures?year={YEAR}" for k in ("G0", "GA", "GB")}
    # The numbers of a unit's row open that unit's dashboard; the own-groups row its group.
    row_a = text[text.index(f'<tr data-unit="{tree["A"].id}"'):]
    row_a = row_a[row_a.index("<td"):row_a.index("</tr>")]
    assert set(re.findall(r'href="([^"]+)"', row_a)) == {
        f"/dashboard/units/{tree['A'].id}?year={YEAR}#units"
    }
    own = text[text.index('data-own-groups="1"'):]
    own = own[own.index("<td"):own.index("</tr>")]
    assert set(re.findall(r'href="([^"]+)"', own)) == {
        f"/groups/{tree['G0'].id}/figures?year={YEAR}"
    }
    # Headline numbers open the table sorted by what they count.
    assert f'href="/dashboard/units/{tree["R"].id}?year={YEAR}&amp;sort=attendance_rate' in text

    # One level down: 机关党委's own group and its branch, with the way back up.
    text = page(client, f"/dashboard/units/{tree['A'].id}?year={YEAR}&quarter=2")
    rows = table_rows(text)
    assert list(rows) == ["机关党委 (own groups)", "办公室党支部"]
    assert values(rows, "sessions_held") == {"机关党委 (own groups)": "1", "办公室党支部": "0"}
    assert f'href="/groups/{tree["GA1"].id}/figures?year={YEAR}&amp;quarter=2"' in text
    assert f'href="/dashboard/units/{tree["R"].id}?year={YEAR}&amp;quarter=2" data-drill="up"' \
        in text


def test_unit_without_groups_says_so(client, login, create_user, create_org, grant_leadership):
    lonely = create_org("空党委")
    user = create_user(locale="en")
    grant_leadership(user, lonely)
    login(user)
    text = page(client, f"/dashboard/units/{lonely.id}?year={YEAR}")
    assert 'id="no-units"' in text
    assert headline(text)["attendance_rate"][1] == "—"


def test_chart_data_is_in_a_data_attribute(client, login, leader, tree):
    import json

    login(leader)
    text = page(client, f"/dashboard/units/{tree['R'].id}?year={YEAR}")
    raw = re.search(r"data-charts='([^']*)'", text)
    assert raw
    data = json.loads(html.unescape(raw.group(1)))
    assert data["months"]["series"][0]["data"] == [0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert data["months"]["series"][1]["data"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    assert data["attendance"]["data"] == [
        None, None, 50.0, 50.0, None, None, 100.0, None, None, 100.0, None, None
    ]
    assert data["units"]["labels"] == [OWN, "学院党委", "机关党委"]
    assert data["units"]["series"][0]["data"] == [50.0, 100.0, 66.7]
    assert "vendor/echarts/echarts.min.js" in text and "js/dashboard.js" in text
    assert "<script>" not in text


# --- who may see what -----------------------------------------------------------------------


def test_a_leader_sees_only_their_subtree(client, login, create_user, grant_leadership, tree):
    leader_a = create_user("leader_a", locale="en")
    grant_leadership(leader_a, tree["A"])
    login(leader_a)
    text = page(client, "/dashboard")
    assert "<h1 class=\"h4 mb-1\">机关党委</h1>" in text
    assert page(client, f"/dashboard/units/{tree['A1'].id}")
    for key in ("R", "B", "X"):
        assert client.get(f"/dashboard/units/{tree[key].id}").status_code == 404, key
        assert client.get(f"/dashboard/units/{tree[key].id}.xlsx").status_code == 404, key
        assert client.post(f"/dashboard/units/{tree[key].id}.xlsx").status_code == 404, key
    assert client.get("/dashboard/units/999999").status_code == 404
    # No way up to the unit above (only the source of an inherited target names it).
    assert 'data-drill="up"' not in text
    assert "Target 60% (inherited from 校党委)" in text


@pytest.mark.parametrize("who", ["m1", "sec"])
def test_members_and_secretaries_may_not_open_dashboards(client, login, tree, who):
    login(tree[who])
    assert client.get("/dashboard").status_code == 403
    own_unit = "R" if who == "m1" else "B"
    assert client.get(f"/dashboard/units/{tree[own_unit].id}").status_code == 403
    assert client.get(f"/dashboard/units/{tree['X'].id}").status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    for path in ("/dashboard", f"/dashboard/units/{tree['R'].id}",
                 f"/dashboard/units/{tree['R'].id}.xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.location, path


def test_a_leader_of_several_units_gets_a_selector(
    client, login, create_user, grant_leadership, tree
):
    user = create_user(locale="en")
    grant_leadership(user, tree["B"])
    grant_leadership(user, tree["X"])
    grant_leadership(user, tree["A1"])
    login(user)
    text = page(client, "/dashboard")
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', text)
    assert (str(tree["B"].id), "学院党委") in options
    assert (str(tree["X"].id), "另一党委") in options
    assert '<h1 class="h4 mb-1">办公室党支部</h1>' in text or "<h1" in text
    chosen = page(client, f"/dashboard?unit={tree['X'].id}&year={YEAR}")
    assert '<h1 class="h4 mb-1">另一党委</h1>' in chosen
    assert headline(chosen)["sessions_held"][1] == "1"
    # A unit not led is ignored: the first one is shown.
    assert '<h1 class="h4 mb-1">另一党委</h1>' not in page(
        client, f"/dashboard?unit={tree['R'].id}"
    )


def test_an_admin_starts_from_the_roots(client, login, create_user, tree):
    admin = create_user(is_admin=True, locale="en")
    login(admin)
    text = page(client, f"/dashboard?year={YEAR}")
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', text)
    assert [name for _id, name in options if not name.isdigit() and "Quarter" not in name
            and name != "Whole year"] == ["另一党委", "校党委"]
    text = page(client, f"/dashboard?unit={tree['R'].id}&year={YEAR}")
    assert headline(text)["sessions_held"][1] == "4"
    assert page(client, f"/dashboard/units/{tree['A1'].id}")


def test_admin_without_units_sees_an_empty_dashboard(client, login, create_user):
    login(create_user(is_admin=True, locale="en"))
    assert 'id="dashboard-empty"' in page(client, "/dashboard")


# --- Excel ----------------------------------------------------------------------------------


def test_the_workbook_reads_back(client, login, leader, tree):
    login(leader)
    job_url = job_url_of(client.post(f"/dashboard/units/{tree['R'].id}.xlsx?year={YEAR}"))
    response = job_download(client, job_url)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert "%E6%A0%A1%E5%85%9A%E5%A7%94" in response.headers["Content-Disposition"]  # 校党委
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["汇总", "各单位", "按月"]

    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0] == ("单位", "期间", "指标", "数值", "目标", "目标来源", "是否达标")
    by_name = {row[2]: row for row in summary[1:]}
    assert by_name["已开展次数"][3:] == (4, 4, "本单位设定", "达标")
    assert by_name["出勤率"][3:] == (pytest.approx(5 / 7), 0.6, "系统默认", "达标")
    assert by_name["心得按时率"][3:] == (0.75, 0.8, "本单位设定", "未达标")
    assert by_name["任务完成率"][4:] == (None, "未设定目标", None)
    rate_row = next(i for i, row in enumerate(summary, 1) if row[2] == "出勤率")
    assert book["汇总"].cell(rate_row, 4).number_format == "0.0%"
    assert book["汇总"]["A1"].font.bold

    units = list(book["各单位"].iter_rows(values_only=True))
    assert units[0][:5] == ("单位", "学习组数", "成员数", "计划次数", "已开展次数")
    assert [row[0] for row in units[1:]] == ["校党委（本级学习组）", "学院党委", "机关党委"]
    column = units[0].index("出勤率")
    assert [row[column] for row in units[1:]] == [0.5, 1.0, pytest.approx(2 / 3)]
    assert book["各单位"].cell(2, column + 1).number_format == "0.0%"
    tasks = units[0].index("任务完成率")
    assert units[2][tasks] is None

    months = list(book["按月"].iter_rows(values_only=True))
    assert months[0] == ("月份", "已开展次数", "专题研讨次数", "出勤率")
    assert months[3] == ("3月", 1, 0, 0.5)
    assert len(months) == 13


def test_the_workbook_is_made_by_a_job_of_its_askers(client, login, leader, tree):
    """Each click makes it from the figures as they are then; its page leads back to the
    same dashboard; nobody else sees the leader's job."""
    login(leader)
    url = f"/dashboard/units/{tree['A'].id}.xlsx?year={YEAR}&quarter=2"
    job_url = job_url_of(client.post(url))
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.status, job.requested_by_id) == (
        JobKind.DASHBOARD_WORKBOOK, JobStatus.DONE, leader.id)
    assert job.file_name == f"机关党委 {YEAR}年第2季度 学习情况统计.xlsx"
    page_text = client.get(job_url).get_data(as_text=True)
    assert f'href="/dashboard/units/{tree["A"].id}?year={YEAR}&amp;quarter=2"' in page_text
    assert job_url_of(client.post(url)) != job_url  # made again: the figures may have moved

    # An old link to the workbook leads to the dashboard, whose button makes it.
    old_link = client.get(url)
    assert old_link.status_code == 302
    assert old_link.headers["Location"] == f"/dashboard/units/{tree['A'].id}?year={YEAR}&quarter=2"
    text = page(client, old_link.headers["Location"])
    assert re.search(r'<form method="post" action="/dashboard/units/\d+\.xlsx\?year=\d+'
                     r'&amp;quarter=2" id="dashboard-export-form"', text)
    assert 'form="dashboard-export-form"' in text

    client.post("/auth/logout")
    login(tree["m1"])
    assert client.get(job_url).status_code == 404
    assert client.get(f"{job_url}/download", buffered=True).status_code == 404


def test_a_second_click_joins_the_workbook_on_its_way(app, leader, tree):
    from studytrack.dashboard.metrics import Period
    from studytrack.jobs.exports import ask_for_dashboard_workbook

    with app.test_request_context():
        first = ask_for_dashboard_workbook(tree["R"], Period(YEAR, None), leader)
        assert ask_for_dashboard_workbook(tree["R"], Period(YEAR, None), leader) is first
        assert ask_for_dashboard_workbook(tree["R"], Period(YEAR, 1), leader) is not first
        db.session.rollback()


def test_a_workbook_job_whose_asker_no_longer_leads_the_unit_fails(app, tree):
    from studytrack.jobs import services as job_services

    job = Job(kind=JobKind.DASHBOARD_WORKBOOK, key="dashboard_workbook:test", version="v",
              requested_by_id=tree["m1"].id,
              params={"unit_id": tree["R"].id, "unit": "校党委", "year": YEAR, "quarter": None})
    db.session.add(job)
    db.session.commit()
    job_services.run(job.id, last_attempt=True)
    db.session.expire_all()
    assert job.status == JobStatus.FAILED and "PermissionError" in job.error


# --- the query budget -----------------------------------------------------------------------


def grow(tree: dict[str, Any], create_org, create_group, create_user, create_session) -> None:
    """More units, groups, people and sessions under 校党委."""
    for n in range(3):
        unit = create_org(f"新增党委{n}", parent=tree["R"])
        branch = create_org(f"新增支部{n}", parent=unit, kind=OrganizationKind.BRANCH)
        for org in (unit, branch):
            people = [create_user() for _ in range(3)]
            group = create_group(org, members=tuple(people))
            for month in (2, 5):
                session = create_session(group, starts_at=at(date(YEAR, month, 3)))
                for person in people:
                    attend(session, person, AttendanceStatus.PRESENT)
                    reflect(session, person, ReflectionStatus.SUBMITTED)
                task(session, people[0], TaskStatus.OPEN, date(YEAR, 6, 1))
                talk(session, people[1])
    db.session.commit()


def test_query_count_does_not_grow_with_the_data(
    client, login, leader, tree, count_queries, create_org, create_group, create_user,
    create_session,
):
    login(leader)
    requests = [
        ("GET", "/dashboard?year=2025", 200),
        ("GET", f"/dashboard/units/{tree['R'].id}?year={YEAR}&sort=attendance_rate", 200),
        # Asking for the workbook: the job runs within (the queue's immediate mode).
        ("POST", f"/dashboard/units/{tree['R'].id}.xlsx?year={YEAR}&quarter=2", 302),
    ]

    def measure() -> list[int]:
        counts = []
        for method, path, status in requests:
            with count_queries() as counter:
                response = client.open(path, method=method)
            assert response.status_code == status, path
            counts.append(counter.count)
        return counts

    small = measure()
    grow(tree, create_org, create_group, create_user, create_session)
    large = measure()
    assert large == small
    assert max(small[:2]) <= 15, small  # the pages; the job writes its row and notification


# --- landing after login --------------------------------------------------------------------


def login_location(client: FlaskClient, user: Any, next_: str | None = None) -> str:
    url = "/auth/login" + (f"?next={next_}" if next_ else "")
    response = client.post(url, data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return str(response.location)


def test_a_leader_lands_on_the_dashboard(client, leader):
    assert login_location(client, leader) == "/dashboard"


def test_a_leader_with_next_goes_there(client, leader):
    assert login_location(client, leader, "/groups/") == "/groups/"


def test_a_leader_who_studies_in_a_group_lands_home(
    client, create_user, grant_leadership, tree
):
    grant_leadership(tree["m1"], tree["A"])
    assert login_location(client, tree["m1"]) == "/"


def test_a_member_lands_home(client, tree):
    assert login_location(client, tree["c1"]) == "/"


def test_navigation_offers_the_dashboard_to_leaders(client, login, leader, tree):
    login(leader)
    text = page(client, "/")
    assert 'href="/dashboard" data-nav="dashboard"' in text
    assert 'data-nav="organizations"' not in text
    assert page(client, "/units")  # the old list still works




def test_leader_finds_the_target_settings_from_the_dashboard(client, login, create_user, create_org,
                                                           grant_leadership):
    unit = create_org("目标测试党委")
    leader = create_user(locale="en")
    grant_leadership(leader, unit)
    login(leader)
    html = client.get(f"/dashboard/units/{unit.id}").get_data(as_text=True)
    assert f'href="/organizations/{unit.id}/targets"' in html
