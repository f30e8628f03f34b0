"""End-to-end journeys in a real browser: Playwright driving Debian's Chromium against a live
server on 127.0.0.1 that this test session starts.

- The server is the real application (CSRF on, as in production; rate limiting off) on its own
  database, built by the Alembic migrations: a temporary SQLite file, or with --db=postgresql a
  schema of its own in the suite's PostgreSQL database (reached through search_path, so the
  per-test emptying of the other tests never touches it). It is seeded with the demo's people
  and study groups (studytrack.demo.people), nothing else: the journeys record the rest.
- One browser for the whole run; each role logs in once through the login form and later
  contexts reuse its storage state.
- Every page the journeys open is watched: console errors, uncaught page errors, CSP
  violations (the `securitypolicyviolation` event, reported by an init script, and console
  messages about the Content Security Policy), HTTP error responses and exceptions raised in
  the server. `shot()` screenshots each step to test-artifacts/e2e/ (git-ignored) and fails the
  test at the first step that showed a problem; the rest are caught when the test ends.
- Chromium is found as $STUDYTRACK_CHROMIUM, `chromium` on PATH or /usr/bin/chromium
  (Playwright is given its executable_path: it cannot download browsers here). Missing, the
  journeys fail in CI (CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask, got_request_exception
from fontTools.ttLib import TTFont
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from studytrack import PACKAGE_DIR, create_app
from studytrack.config import TestConfig

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM_HINT = "install chromium (apt-get install chromium)"

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError
except ImportError:  # the test extras were not installed
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parents[1] / "test-artifacts" / "e2e"
PASSWORD = "e2e-Pass-2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCHEMA_PREFIX = "e2e_"

# Reports CSP violations to the test as they happen; the binding survives navigations.
CSP_WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (e) {
  var text = "CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " in " + (e.sourceFile || document.location.href) + ":" + e.lineNumber
    + (e.sample ? " (" + e.sample + ")" : "");
  if (typeof window.__studytrackReport === "function") {
    window.__studytrackReport(text);
  }
});
"""


# Chromium cancels the requests of a page it leaves (a static file, the favicon) while the
# development server still sends them; the server then drops the connection before it closes
# the file, which Python reports when it collects it. Only those reports are let through, in
# every journey (each navigates, so each can meet the race; two CI runs failed on it).
DROPPED_STATIC_FILES = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/static/"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end journey in Chromium against a live server (tests/e2e)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the journeys last: the quick tests report first, and a broken journey does not hide
    them. (Under pytest-xdist, as `make test` runs them, they stay together on one worker, in
    this order, and that worker starts with them: see pytest_xdist_make_scheduler in
    tests/conftest.py.)"""
    in_e2e = [item for item in items if E2E_DIR in Path(str(item.path)).parents]
    for item in in_e2e:
        item.add_marker(DROPPED_STATIC_FILES)
    if in_e2e:
        rest = [item for item in items if item not in in_e2e]
        items[:] = rest + in_e2e


# --- the browser ---------------------------------------------------------------------------


def chromium_executable() -> str | None:
    explicit = os.environ.get("STUDYTRACK_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """pytest-playwright's launch options, with Debian's Chromium (never a downloaded one),
    which sees the project's own Chinese fonts (those of the PDF) besides the system's: pages
    are laid out, measured and screenshot with Chinese glyphs, as on a user's phone, also on a
    machine without a Chinese system font."""
    executable = chromium_executable()
    if executable is None:
        message = f"Chromium was not found: {CHROMIUM_HINT}, or set STUDYTRACK_CHROMIUM"
        if IN_CI:
            pytest.fail(f"{message}. The browser journeys are required in CI.", pytrace=False)
        pytest.skip(CHROMIUM_HINT)
    args = list(browser_type_launch_args.get("args", []))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root
    folder = tmp_path_factory.mktemp("fontconfig")
    for name in ("NotoSansSC-Regular", "NotoSansSC-Bold"):  # Chromium reads no WOFF2 here
        font = TTFont(PACKAGE_DIR / "static" / "vendor" / "noto-cjk" / f"{name}.woff2")
        font.flavor = None
        font.save(folder / f"{name}.otf")
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        '<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{folder}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}
    return {**browser_type_launch_args, "executable_path": executable, "args": args,
            "env": env}


# --- the live server -----------------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # errors still go to the log; each request does not


@dataclass
class LiveServer:
    url: str
    app: Flask
    server_errors: list[str]
    users: dict[str, int]  # username -> id
    group_id: int  # 校党委理论学习中心组
    org_id: int  # its unit, the university committee
    group_name: str


@contextlib.contextmanager
def _e2e_database(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(URL, engine options) of an empty database of the journeys' own."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'e2e.sqlite'}", {"connect_args": {"timeout": 30}}
        return
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        stale = connection.scalars(
            sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": SCHEMA_PREFIX + "%"},
        ).all()
        for name in stale:  # left by an interrupted run
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield database_url, {"connect_args": {"options": f"-csearch_path={schema}"},
                             "pool_pre_ping": True}
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _seed(app: Flask) -> dict[str, Any]:
    """The schema by the migrations, then the demo's people, units and study groups."""
    from flask_migrate import upgrade

    from studytrack.demo.people import GROUPS, build_people
    from studytrack.extensions import db

    with app.app_context():
        upgrade()
        registry = build_people(PASSWORD)
        db.session.commit()
        group = registry.groups[GROUPS[0].key]
        seeded = {
            "users": {name: user.id for name, user in registry.users.items()},
            "group_id": group.id,
            "org_id": group.organization_id,
            "group_name": group.name,
        }
        db.session.remove()
    return seeded


@pytest.fixture(scope="session")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("e2e")
    with _e2e_database(database_url, tmp) as (url, engine_options):

        class E2EConfig(TestConfig):
            TESTING = False  # error pages as in production; exceptions are recorded below
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = engine_options
            UPLOAD_FOLDER = str(tmp / "uploads")
            WTF_CSRF_ENABLED = True  # a real browser posts real forms
            RATELIMIT_ENABLED = False

        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp / "instance"))
            app = create_app(E2EConfig)
        seeded = _seed(app)

        server_errors: list[str] = []

        def record_exception(sender: Flask, exception: BaseException, **extra: Any) -> None:
            server_errors.append(f"server error: {exception!r}")

        got_request_exception.connect(record_exception, app)
        server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler
        )
        thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(
                url=f"http://127.0.0.1:{server.server_port}", app=app,
                server_errors=server_errors, **seeded,
            )
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            got_request_exception.disconnect(record_exception, app)
            with app.app_context():
                from studytrack.extensions import db

                db.engine.dispose()


# --- watching every page -------------------------------------------------------------------


@dataclass
class Watcher:
    """Collects what must never happen on a page; `check()` fails the test with the list."""

    live: LiveServer
    problems: list[str] = field(default_factory=list)
    _server_seen: int = 0

    def __post_init__(self) -> None:
        self._server_seen = len(self.live.server_errors)

    def watch(self, context: BrowserContext) -> None:
        context.expose_function("__studytrackReport", self._report)
        context.add_init_script(CSP_WATCH_SCRIPT)
        context.on("console", self._console)
        context.on("weberror", self._page_error)
        context.on("response", self._response)

    def _report(self, text: str) -> None:
        self.problems.append(text)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        where = message.page.url if message.page else "?"
        if message.type == "error":
            self.problems.append(f"console error on {where}: {text}")
        elif "content security policy" in text.lower():
            self.problems.append(f"console CSP message on {where}: {text}")

    def _page_error(self, error: WebError) -> None:
        where = error.page.url if error.page else "?"
        self.problems.append(f"page error on {where}: {error.error}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.request.method} "
                                 f"{response.url}")

    def check(self, where: str = "") -> None:
        self.problems.extend(self.live.server_errors[self._server_seen:])
        self._server_seen = len(self.live.server_errors)
        if self.problems:
            found, self.problems[:] = list(self.problems), []
            pytest.fail(f"problems in the browser{' at ' + where if where else ''}:\n  "
                        + "\n  ".join(found), pytrace=False)


@pytest.fixture
def new_watcher(live_server: LiveServer) -> Callable[[], Watcher]:
    """A Watcher of one's own, for a test of the watching itself."""
    return lambda: Watcher(live_server)


# --- logins, contexts, screenshots ---------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/e2e/, emptied of the screenshots of an earlier run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


def login_through_form(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        page.locator("form:has(input[name='password']) button[type='submit']").click()
    if "/auth/login" in page.url:
        pytest.fail(f"{username} could not log in", pytrace=False)


@pytest.fixture(scope="session")
def storage_states(
    browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """storage_state(username): the path of a logged-in state, logging in once per person."""
    folder = tmp_path_factory.mktemp("e2e-logins")
    states: dict[str, str] = {}

    def state_of(username: str) -> str:
        if username not in states:
            watcher = Watcher(live_server)
            context = browser.new_context(base_url=live_server.url, viewport=DESKTOP,
                                          locale="zh-CN")
            watcher.watch(context)
            try:
                login_through_form(context.new_page(), username)
                path = folder / f"{username}.json"
                context.storage_state(path=path)
            finally:
                context.close()
            watcher.check(f"the login of {username}")
            states[username] = str(path)
        return states[username]

    return state_of


class Browsing:
    """Pages as a given person, at desktop or phone width, all watched by one Watcher."""

    def __init__(self, browser: Browser, live: LiveServer, watcher: Watcher,
                 storage_states: Callable[[str], str], shots: Path, test_name: str) -> None:
        self.browser, self.live, self.watcher = browser, live, watcher
        self._states, self._shots, self._test = storage_states, shots, test_name
        self._contexts: list[BrowserContext] = []
        self._count = 0

    def page_as(self, username: str | None, *, phone: bool = False) -> Page:
        """A new page in a new context; username None is a visitor who is not logged in."""
        options: dict[str, Any] = {
            "base_url": self.live.url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "accept_downloads": True,
        }
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True,
                           device_scale_factor=2)
        else:
            options.update(viewport=DESKTOP)
        if username is not None:
            options["storage_state"] = self._states(username)
        context = self.browser.new_context(**options)
        context.set_default_timeout(10_000)
        self.watcher.watch(context)
        self._contexts.append(context)
        page = context.new_page()
        # A <form data-confirm> asks with window.confirm(); the person answers yes.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    def shot(self, page: Page, step: str) -> None:
        """Screenshot this step, then fail if the browser or the server showed a problem."""
        self._count += 1
        label = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        page.screenshot(path=self._shots / f"{self._test}-{self._count:02d}-{label}.png",
                        full_page=True)
        self.watcher.check(f"step {self._count} ({step}), {page.url}")

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


@pytest.fixture
def browsing(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: LiveServer,
    storage_states: Callable[[str], str],
    artifacts_dir: Path,
) -> Iterator[Browsing]:
    watcher = Watcher(live_server)
    # test_x[member-home-chromium] -> x-member-home
    name = request.node.name.removeprefix("test_").replace("chromium", "")
    name = re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")
    session = Browsing(browser, live_server, watcher, storage_states, artifacts_dir, name)
    yield session
    session.close()  # delivers events still on their way
    watcher.check("the end of the test")


# --- the journeys' shared data ---------------------------------------------------------------


@dataclass
class JourneyState:
    """What earlier journeys made, for the later ones (they run in file order)."""

    values: dict[str, Any] = field(default_factory=dict)

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    def __getitem__(self, key: str) -> Any:
        if key not in self.values:
            pytest.skip(f"an earlier journey did not record {key!r}")
        return self.values[key]


@pytest.fixture(scope="session")
def journey() -> JourneyState:
    return JourneyState()


@dataclass(frozen=True)
class Dates:
    """The session is held today (local time), so this year's dashboard counts it."""

    today: date

    def at(self, day: date, hour: int, minute: int = 0) -> str:
        """The value of an <input type=datetime-local>."""
        return datetime(day.year, day.month, day.day, hour, minute).strftime("%Y-%m-%dT%H:%M")

    def plus(self, days: int) -> str:
        return (self.today + timedelta(days=days)).isoformat()


@pytest.fixture(scope="session")
def dates(live_server: LiveServer) -> Dates:
    zone = ZoneInfo(live_server.app.config["TIMEZONE"])
    return Dates(datetime.now(zone).date())


@pytest.fixture(scope="session")
def translate(live_server: LiveServer) -> Callable[..., str]:
    """translate("Save the attendance") -> the Chinese text the page shows, from the catalogue,
    for the few buttons and messages that have no other stable hook."""
    from flask_babel import force_locale, gettext

    def translated(message: str, **values: Any) -> str:
        with live_server.app.test_request_context(), force_locale("zh"):
            return str(gettext(message, **values))

    return translated
