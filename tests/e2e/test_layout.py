"""Every page of every role laid out for a phone (390 px) and a desk (1,280 px).

A server of its own holds the demo data (`flask seed-demo`: units, groups, a year of sessions
with attendance, talks, tasks, reflections). Every GET route of the app, filled with ids of
that data as the benchmarks' crawl fills them (benchmarks.crawl.routes), is opened by each of
the secretary, the member, the leader and the administrator who may open it (answering 200),
in Chromium at both widths. A page fails when:

- the document is wider than the screen (the page scrolls sideways);
- a link or button lies outside the screen or outside the box that clips it (reachable only
  by scrolling a table sideways);
- a table cell is narrower than the first two characters of its text;
- a short label or name (a table cell of at most six characters without spaces: 出勤情况,
  陈晓斌) is broken over two lines;
- a numbered list's number ("1.") is squeezed narrower than itself.

Each failure names the page, the width and the elements, all problems at once. Screenshots of
the main pages of each role go to docs/screenshots/ when STUDYTRACK_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from studytrack import create_app
from studytrack.config import TestConfig
from studytrack.demo import DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, QuietHandler, _e2e_database, login_through_form

ROLES = ("secretary", "member", "leader", "admin")
WIDTHS = {"phone": PHONE, "desk": DESKTOP}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The pages docs/screenshots shows, per role (endpoint names).
MAIN_PAGES = {
    "secretary": ("home.index", "groups.detail", "study_sessions.index", "study_sessions.detail",
                  "plans.plan", "reflections.review_queue"),
    "member": ("home.index", "study_sessions.detail", "followups.my_tasks"),
    "leader": ("home.index", "dashboard.index", "groups.figures", "reports.session_report"),
    "admin": ("home.index", "admin.users", "admin.groups", "dashboard.index"),
}

LAYOUT_SCRIPT = r"""
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none"
      && !el.closest(".visually-hidden, .visually-hidden-focusable, .dropdown-menu, "
                     + ".collapse:not(.show), .modal:not(.show), [hidden]");
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return el.tagName.toLowerCase()
      + (el.id ? "#" + el.id : "")
      + (text ? " \u201c" + text.slice(0, 20).replace(/\s+/g, " ") + "\u201d" : "");
  };
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push("the page is " + document.documentElement.scrollWidth + " px wide");
  }
  // Links and buttons: on the screen, and not clipped by a box that scrolls sideways.
  for (const el of document.querySelectorAll(
      "a[href], button, input[type=submit], input[type=button], [role=button]")) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    let outside = box.left < -1 || box.right > width + 1;
    for (let up = el.parentElement; up && !outside; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === "visible") continue;
      const clip = up.getBoundingClientRect();
      outside = overflow === "auto" || overflow === "scroll"
        ? box.left < clip.left - 1 || box.right > clip.right + 1  // behind a sideways scroll
        : box.left > clip.right - 16 || box.right < clip.left + 16;  // cut off (truncated)
    }
    if (outside) {
      problems.push(name(el) + " is out of reach (" + Math.round(box.left) + "\u2013"
                    + Math.round(box.right) + " px)");
    }
  }
  // The lines the text of `el` takes: its text boxes, each below the one before.
  const lines = (el) => {
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      rects.push(...Array.from(range.getClientRects()).filter((rect) => rect.width > 0));
    }
    rects.sort((a, b) => a.top - b.top);
    let count = rects.length ? 1 : 0;
    for (let i = 1; i < rects.length; i++) {
      if (rects[i].top >= rects[i - 1].bottom - 2) count++;
    }
    return count;
  };
  // Table cells: as wide as two characters of their text; short labels on one line.
  const ruler = document.createElement("canvas").getContext("2d");
  for (const cell of document.querySelectorAll("td, th")) {
    if (!shown(cell)) continue;
    const text = cell.innerText.trim();
    if (text.length < 2) continue;
    const style = getComputedStyle(cell);
    ruler.font = style.font;
    const room = cell.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    const chars = Array.from(text);
    if (room + 0.5 < ruler.measureText(chars.slice(0, 2).join("")).width) {
      problems.push(name(cell) + " is " + Math.round(room) + " px wide");
    } else if (chars.length <= 6 && !/\s/.test(text)) {
      if (lines(cell) > 1) problems.push(name(cell) + " is broken over two lines");
    }
  }
  // Numbered lists: the number (the item's ::before) keeps its width beside the content.
  for (const list of document.querySelectorAll(".list-group-numbered")) {
    Array.from(list.children).forEach((item, index) => {
      const content = item.firstElementChild;
      if (!shown(item) || !content) return;
      const marker = getComputedStyle(item, "::before");
      ruler.font = marker.font;
      const room = content.getBoundingClientRect().left - item.getBoundingClientRect().left
        - parseFloat(getComputedStyle(item).paddingLeft);
      if (room + 0.5 < ruler.measureText(String(index + 1) + ".").width) {
        problems.push(name(content) + ": its number is squeezed to " + Math.round(room) + " px");
      }
    });
  }
  return problems;
}
"""


@dataclass
class DemoServer:
    url: str
    app: Flask
    pages: dict[str, list[tuple[str, str]]]  # role -> (endpoint, url) it opens
    usernames: dict[str, str]


@pytest.fixture(scope="module")
def demo_server(database_url: str, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[DemoServer]:
    from benchmarks.chosen import choose_ids
    from benchmarks.crawl import routes
    from studytrack import demo
    from studytrack.extensions import db

    tmp = tmp_path_factory.mktemp("layout")
    with _e2e_database(database_url, tmp) as (url, engine_options):

        class LayoutConfig(TestConfig):
            TESTING = False
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = engine_options
            UPLOAD_FOLDER = str(tmp / "uploads")
            RATELIMIT_ENABLED = False

        app = create_app(LayoutConfig)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            demo.seed()
            db.session.commit()
            db.session.remove()
        _ask_for_an_archive(app)
        chosen = choose_ids(app)
        usernames = {role: name for role, name in chosen.usernames.items()
                     if role in ROLES and name}
        pages = {role: _pages_of(app, routes(app, chosen)[0], username)
                 for role, username in usernames.items()}
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield DemoServer(f"http://127.0.0.1:{server.server_port}", app, pages, usernames)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def _ask_for_an_archive(app: Flask) -> None:
    """A job for the job's page: the archive of the chosen group's latest year, as its
    secretary asks for it (left waiting: no worker runs here)."""
    from benchmarks.chosen import choose_ids
    from studytrack.extensions import db
    from studytrack.jobs.archive import ask_for_archive
    from studytrack.models import StudyGroup, User

    ids = choose_ids(app).ids
    with app.app_context(), app.test_request_context():
        group = db.session.get(StudyGroup, ids["group_id"])
        secretary = db.session.scalar(sa.select(User.id).where(User.username == "secretary"))
        assert group is not None
        ask_for_archive(group, ids["year"], secretary)
        db.session.commit()
        db.session.remove()


def _pages_of(app: Flask, filled: list[tuple[str, str]], username: str
              ) -> list[tuple[str, str]]:
    """The HTML pages `username` opens (200, text/html), by the test client."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username,
                                                "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    opened = []
    for endpoint, url in filled:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            opened.append((endpoint, url))
        response.close()
    return opened


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits(browser: Browser, demo_server: DemoServer, role: str, width: str
                         ) -> None:
    context = browser.new_context(
        base_url=demo_server.url, viewport=WIDTHS[width], locale="zh-CN",
        timezone_id="Asia/Shanghai", is_mobile=width == "phone", has_touch=width == "phone",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login_through_form(page, demo_server.usernames[role], DEMO_PASSWORD)
        problems: list[str] = []
        for endpoint, url in demo_server.pages[role]:
            page.goto(url)
            problems.extend(f"{url} ({endpoint}): {problem}"
                            for problem in page.evaluate(LAYOUT_SCRIPT))
            if os.environ.get("STUDYTRACK_SCREENSHOTS") and endpoint in MAIN_PAGES[role]:
                _screenshot(page, role, width, endpoint)
    finally:
        context.close()
    assert not problems, f"{role} at {WIDTHS[width]['width']} px:\n" + "\n".join(problems)


def _screenshot(page: Page, role: str, width: str, endpoint: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"{role}-{endpoint.replace('.', '-')}-{WIDTHS[width]['width']}.png"
    options: dict[str, Any] = {"path": SCREENSHOTS / name, "full_page": width == "desk"}
    page.screenshot(**options)


UNIT_CHART_AXES = """
() => {
  const element = document.querySelector("[data-chart=units]");
  const chart = element && echarts.getInstanceByDom(element);
  if (!chart) return {category: null};
  const option = chart.getOption();
  const box = element.getBoundingClientRect();
  return {category: option.yAxis[0].type === "category" ? "y" : "x",
          units: option.yAxis[0].data ? option.yAxis[0].data.length : option.xAxis[0].data.length,
          height: box.height, width: box.width};
}
"""


def test_unit_chart_lies_sideways_on_a_phone(browser: Browser, demo_server: DemoServer) -> None:
    """At 390 px the per-unit chart's unit names stand beside their bars, a row per unit
    (under each other, never overlapping); turned to a desk's width it is upright again."""
    url = next(url for endpoint, url in demo_server.pages["leader"]
               if endpoint == "dashboard.index")
    context = browser.new_context(base_url=demo_server.url, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        login_through_form(page, demo_server.usernames["leader"], DEMO_PASSWORD)
        page.goto(url)
        phone = _unit_chart_when(page, "y")
        assert phone["category"] == "y"
        assert phone["units"] >= 2
        assert phone["height"] >= 60 + phone["units"] * 28  # room for a row of bars each
        assert phone["width"] <= PHONE["width"]
        if os.environ.get("STUDYTRACK_SCREENSHOTS"):
            page.locator("[data-chart=units]").screenshot(
                path=SCREENSHOTS / "leader-dashboard-unit-chart-390.png")

        page.set_viewport_size(DESKTOP)
        desk = _unit_chart_when(page, "x")
        assert desk["height"] == 360  # dashboard.css's wide chart, no longer the phone's
    finally:
        context.close()


def _unit_chart_when(page: Page, category: str) -> dict[str, Any]:
    """The unit chart's axes and box once its categories lie along `category` (the resize is
    debounced); polled from here, as the CSP forbids wait_for_function's eval in the page."""
    for _attempt in range(50):
        chart = page.evaluate(UNIT_CHART_AXES)
        if chart["category"] == category:
            return chart
        page.wait_for_timeout(100)
    raise AssertionError(f"the unit chart's categories stayed along {chart['category']}")
