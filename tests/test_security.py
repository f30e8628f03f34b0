"""Security headers, the CSP-clean templates, vendored assets, error pages and cookies."""

from __future__ import annotations

import contextvars
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask_babel import gettext

from studytrack import PACKAGE_DIR, create_app, resource_dir
from studytrack.config import TestConfig
from studytrack.extensions import db
from tests.fixtures.app import IsolatedClient

REPO_ROOT = PACKAGE_DIR.parent
TEMPLATES = resource_dir("templates")
STATIC = PACKAGE_DIR / "static"
VENDOR = STATIC / "vendor"




def translated(app: Flask, message: str) -> str:
    def render() -> str:
        with app.test_request_context():
            return gettext(message)

    return contextvars.Context().run(render)


# --- headers on every page ---------------------------------------------------------------


@pytest.fixture
def responses(client, login, create_user, create_group, create_session) -> list[tuple[str, Any]]:
    """A sample of every kind of response: pages, redirects, and each error page."""
    anonymous: list[tuple[str, Any]] = [
        ("login page", client.get("/auth/login")),
        ("redirect to login", client.get("/")),
        ("404 anonymous", client.get("/no-such-page")),
    ]
    admin = create_user(is_admin=True)
    member = create_user()
    group = create_group(members=(member,))
    create_session(group)
    login(member)
    member_pages = [
        ("home", client.get("/")),
        ("groups", client.get("/groups/")),
        ("group", client.get(f"/groups/{group.id}")),
        ("change password", client.get("/auth/password")),
        ("403", client.get("/units")),
        ("403 admin", client.get("/admin/")),
        ("404", client.get(f"/groups/{group.id + 1000}")),
        ("405", client.get("/auth/logout")),
        ("logout redirect", client.post("/auth/logout")),
    ]
    login(admin)
    admin_pages = [("admin", client.get("/admin/"))]
    return anonymous + member_pages + admin_pages


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = values
    return directives


def test_the_sample_covers_the_statuses(responses):
    assert {r.status_code for _, r in responses} == {200, 302, 403, 404, 405}


def test_every_response_has_a_strict_content_security_policy(responses):
    for name, response in responses:
        csp = csp_directives(response)
        assert csp["script-src"] == ["'self'"], name
        assert csp["style-src"] == ["'self'"], name
        assert csp["default-src"] == ["'self'"], name
        assert csp["object-src"] == ["'none'"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        header = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header, name
        assert "'unsafe-eval'" not in header, name


def test_every_response_refuses_framing_and_sniffing(responses):
    for name, response in responses:
        assert response.headers.get("X-Frame-Options") == "DENY", name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "same-origin", name


def test_html_pages_are_html(responses):
    for name, response in responses:
        if response.status_code != 302:
            assert response.mimetype == "text/html", name
            assert response.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")


# --- templates that the CSP will not break -------------------------------------------------

TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))

SCRIPT_ELEMENT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.DOTALL)
EXTERNAL_URL = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_there_are_templates_to_scan():
    names = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATE_FILES}
    assert {"base.html", "auth/login.html", "errors/error.html"} <= names


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=[p.relative_to(TEMPLATES).as_posix() for p in TEMPLATE_FILES]
)
def test_template_has_nothing_the_csp_would_block(path: Path):
    source = path.read_text(encoding="utf-8")
    for attributes, content in SCRIPT_ELEMENT.findall(source):
        assert "src=" in attributes, f"inline <script> in {path.name}"
        assert not content.strip(), f"<script src> with content in {path.name}"
    assert len(SCRIPT_ELEMENT.findall(source)) == source.lower().count("<script"), path.name
    assert not STYLE_ATTRIBUTE.search(source), f"style= attribute in {path.name}"
    assert not STYLE_ELEMENT.search(source), f"<style> element in {path.name}"
    assert not EVENT_HANDLER.search(source), f"inline event handler in {path.name}"
    assert not EXTERNAL_URL.search(source), f"external URL in {path.name}"
    assert not JAVASCRIPT_URL.search(source), f"javascript: URL in {path.name}"


@pytest.mark.parametrize(("snippet", "pattern"), [
    ('<script>alert(1)</script>', "script"),
    ('<div class="x" style="color:red">', "style_attr"),
    ("<style>p{}</style>", "style_el"),
    ('<a href="https://cdn.example/x.js">', "external"),
    ('<script src="//cdn.example/x.js"></script>', "external"),
    ('<img src="http://cdn.example/x.png">', "external"),
    ('<button onclick="go()">', "handler"),
])
def test_the_scanner_catches_what_it_should(snippet, pattern):
    found = {
        "script": any(c.strip() or "src=" not in a for a, c in SCRIPT_ELEMENT.findall(snippet)),
        "style_attr": bool(STYLE_ATTRIBUTE.search(snippet)),
        "style_el": bool(STYLE_ELEMENT.search(snippet)),
        "external": bool(EXTERNAL_URL.search(snippet)),
        "handler": bool(EVENT_HANDLER.search(snippet)),
    }
    assert found[pattern]


def test_rendered_pages_have_no_inline_script_or_style(responses):
    for name, response in responses:
        html = response.get_data(as_text=True)
        for attributes, content in SCRIPT_ELEMENT.findall(html):
            assert "src=" in attributes and not content.strip(), name
        assert not STYLE_ATTRIBUTE.search(html), name
        assert not STYLE_ELEMENT.search(html), name
        assert not EXTERNAL_URL.search(html), name


# --- vendored assets -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def vendor_manifest() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vendor_manifest", REPO_ROOT / "scripts" / "vendor_manifest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendor_manifest_matches_the_files(vendor_manifest):
    packages = vendor_manifest.load_manifest(VENDOR / "MANIFEST.json")
    assert vendor_manifest.check(VENDOR, packages) == []


def test_vendor_manifest_check_reports_a_changed_file(vendor_manifest, tmp_path):
    """The checker itself can fail: a copy of the vendor folder with one byte changed."""
    import shutil

    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR, copy)
    target = copy / "htmx" / "htmx.min.js"
    target.write_bytes(target.read_bytes() + b"\n")
    (copy / "htmx" / "extra.js").write_text("// not listed\n")
    problems = vendor_manifest.check(copy, vendor_manifest.load_manifest(copy / "MANIFEST.json"))
    assert any(p.startswith("mismatch: htmx/htmx.min.js") for p in problems)
    assert "unlisted: htmx/extra.js" in problems


def test_every_vendored_file_is_listed_with_its_sha256_and_licence():
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    for package in manifest["packages"]:
        assert package["license"], package["name"]
        assert package["version"], package["name"]
        assert any(Path(f).name.startswith("LICENSE") for f in package["files"]), package["name"]
        listed.update(package["files"])
    on_disk = {
        p.relative_to(VENDOR).as_posix(): p for p in VENDOR.rglob("*")
        if p.is_file() and p.relative_to(VENDOR).as_posix() not in {"MANIFEST.json", "README.md"}
    }
    assert set(on_disk) == set(listed)
    for rel, path in on_disk.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[rel], rel


STATIC_REFERENCE = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)""")


def test_every_static_file_the_templates_name_is_served(client):
    referenced = {
        name for path in TEMPLATE_FILES
        for name in STATIC_REFERENCE.findall(path.read_text(encoding="utf-8"))
    }
    base = set(STATIC_REFERENCE.findall((TEMPLATES / "base.html").read_text(encoding="utf-8")))
    assert {"vendor/bootstrap/css/bootstrap.min.css", "js/app.js", "css/app.css"} <= base
    for name in sorted(referenced):
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200, name
            assert response.content_length, name


def test_every_static_url_on_the_login_page_is_served(client):
    html = client.get("/auth/login").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(urls) >= 5
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200, url


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


@pytest.mark.parametrize("css", ["vendor/bootstrap-icons/bootstrap-icons.min.css", "css/app.css"])
def test_stylesheets_only_load_local_files(client, css):
    """Fonts and images named by a stylesheet are vendored too (the CSP allows only 'self')."""
    path = STATIC / css
    for target in CSS_URL.findall(path.read_text(encoding="utf-8")):
        if target.startswith("data:"):
            continue
        assert not re.match(r"(?:[a-z]+:)?//", target), target
        local = (path.parent / target.split("?")[0].split("#")[0]).resolve()
        assert local.is_file(), target
        with client.get("/static/" + local.relative_to(STATIC).as_posix()) as response:
            assert response.status_code == 200, target


def test_missing_static_file_is_a_plain_404(client):
    response = client.get("/static/no-such-file.js")
    assert response.status_code == 404


# --- error pages -------------------------------------------------------------------------


def test_404_page_renders_the_error_template(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert translated(app, "Page not found") in body
    assert translated(app, "Back to the home page") in body
    assert 'href="/"' in body
    assert "Traceback" not in body


@pytest.fixture
def production_like_app(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Not in testing mode, exceptions not propagated: what a real server does."""
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))

    class Config(TestConfig):
        TESTING = False
        DEBUG = False
        PROPAGATE_EXCEPTIONS = False
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Config)
    app.test_client_class = IsolatedClient

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("internal-detail-that-must-not-leak")

    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_500_page_is_friendly_and_shows_no_stack_trace(production_like_app, caplog):
    app = production_like_app
    client = app.test_client()

    response = client.get("/boom")

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert translated(app, "Something went wrong") in body
    assert translated(app, "The error has been logged. Please try again later.") in body
    for leak in ("Traceback", "RuntimeError", "internal-detail-that-must-not-leak", "boom()"):
        assert leak not in body, leak
    assert "Content-Security-Policy" in response.headers
    # ... and the operators do get the details.
    assert any(
        record.levelname == "ERROR" and "/boom" in record.getMessage()
        and record.exc_info and "internal-detail" in str(record.exc_info[1])
        for record in caplog.records
    )


# --- cookies -----------------------------------------------------------------------------


def set_cookie(response: Any, name: str) -> str:
    header = next(
        (h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")), None
    )
    assert header is not None, f"no {name} cookie set"
    return header


def test_session_cookie_is_http_only_and_same_site_lax(client, create_user):
    user = create_user()
    response = client.post(
        "/auth/login",
        data={"username": user.username, "password": "correct-horse-42", "remember": "y"},
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = set_cookie(response, name)
        assert "HttpOnly" in header, name
        assert "SameSite=Lax" in header, name
        assert "Secure" not in header, name  # plain-HTTP intranets unless configured


def test_cookies_are_secure_when_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))

    class Config(TestConfig):
        SECURE_COOKIES = True
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().get("/auth/login", base_url="https://localhost")
    header = set_cookie(response, "session")
    assert "Secure" in header
    assert "HttpOnly" in header
