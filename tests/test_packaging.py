"""The wheel carries everything the app needs: code, templates, static files, catalogue, migrations.

templates/ and migrations/ sit at the top of the source tree; pyproject.toml maps them into the
package (studytrack/templates, studytrack/migrations). The slow test builds the wheel, installs
it into a new virtualenv and runs the app from there, far from the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
import tomllib
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# What a wheel build reads; copied so that the build never sees (or leaves) build/ output or
# egg-info in the working tree.
BUILD_INPUTS = ("pyproject.toml", "README.md", "studytrack", "templates", "migrations")
IGNORED = shutil.ignore_patterns("__pycache__", "*.py[cod]", "*.egg-info", "build", "dist")


def source_packages() -> set[str]:
    """Every folder under studytrack/ that holds Python code, as a dotted package name."""
    folders = {path.parent for path in (ROOT / "studytrack").rglob("*.py")}
    return {".".join(folder.relative_to(ROOT).parts) for folder in folders}


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = sorted(source_packages() - listed)
    assert not missing, (
        f"add {missing} to [tool.setuptools] packages in pyproject.toml, "
        "or the wheel will not contain them"
    )


def test_templates_and_migrations_are_mapped_into_the_package() -> None:
    package_dir = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert package_dir == {
        "studytrack.templates": "templates",
        "studytrack.migrations": "migrations",
    }
    for folder in package_dir.values():
        assert (ROOT / folder).is_dir()
        # resource_dir() prefers studytrack/<name>; in the source tree that must not exist.
        assert not (ROOT / "studytrack" / folder).exists()


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("STUDYTRACK_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(extra)
    return env


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.fixture
def packaged_database_url(database_url: str, tmp_path: Path) -> Iterator[str | None]:
    """None on SQLite (the app's default file in its instance folder); on PostgreSQL a URL
    that reaches a new, empty schema through search_path."""
    if database_url.startswith("sqlite"):
        yield None
        return
    schema = f"packaging_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


CHECK_INSTALLED_APP = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import sqlalchemy as sa
    from babel.support import Translations

    import studytrack
    from studytrack import PACKAGE_DIR, create_app, resource_dir
    from studytrack.extensions import db
    from studytrack.models import Base

    venv = Path(sys.prefix).resolve()
    assert PACKAGE_DIR.is_relative_to(venv), PACKAGE_DIR
    for name in ("templates", "migrations"):
        assert resource_dir(name) == PACKAGE_DIR / name, resource_dir(name)

    app = create_app()
    client = app.test_client()

    page = client.get("/auth/login")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    for marker in ('<form method="post"', 'name="username"', 'name="password"'):
        assert marker in html, marker
    catalogue = PACKAGE_DIR / "translations"
    if catalogue.is_dir():
        chinese = Translations.load(str(catalogue), ["zh"]).gettext("Log in")
        assert chinese != "Log in" and chinese in html, chinese

    asset = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")
    assert asset.status_code == 200 and len(asset.data) > 10_000, asset.status_code
    asset.close()

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"flask db upgrade did not create {missing}"
    assert "alembic_version" in tables
    print("installed app OK:", PACKAGE_DIR)
    """
)


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_source_tree(
    tmp_path: Path, packaged_database_url: str | None
) -> None:
    timings: dict[str, float] = {}
    started = time.monotonic()

    # 1. Build the wheel from a copy of the build inputs.
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=IGNORED)
        elif path.exists():
            shutil.copy2(path, source / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, source],
         cwd=tmp_path, env=_clean_environment())
    (wheel,) = dist.glob("studytrack-*.whl")
    timings["build"] = time.monotonic() - started

    # 2. The wheel holds the code and everything around it.
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = {
        "studytrack/__init__.py",
        "studytrack/templates/base.html",
        "studytrack/templates/auth/login.html",
        "studytrack/migrations/env.py",
        "studytrack/migrations/alembic.ini",
        "studytrack/migrations/script.py.mako",
        "studytrack/static/vendor/MANIFEST.json",
    }
    expected |= {f"{package.replace('.', '/')}/__init__.py" for package in source_packages()
                 if (ROOT.joinpath(*package.split(".")) / "__init__.py").exists()}
    expected |= {
        f"studytrack/{path.relative_to(ROOT).as_posix()}"
        for path in (ROOT / "migrations" / "versions").glob("*.py")
    }
    expected |= {
        f"studytrack/{path.relative_to(ROOT).as_posix()}"
        for path in (ROOT / "templates").rglob("*.html")
    }
    if (ROOT / "studytrack" / "translations").is_dir():
        expected.add("studytrack/translations/zh/LC_MESSAGES/messages.mo")
    assert expected - names == set()
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert any(name.startswith("studytrack/migrations/versions/") for name in names)

    # 3. A new virtualenv with nothing but the wheel and its dependencies.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=_clean_environment())
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel],
         cwd=tmp_path, env=_clean_environment())
    timings["install"] = time.monotonic() - started - timings["build"]

    # 4. Migrate and serve from a folder outside the source tree.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_environment(STUDYTRACK_INSTANCE_PATH=str(tmp_path / "instance"))
    if packaged_database_url:
        env["STUDYTRACK_DATABASE_URL"] = packaged_database_url
    _run([venv / "bin" / "flask", "--app", "studytrack", "db", "upgrade"], cwd=elsewhere, env=env)
    output = _run([venv / "bin" / "python", "-c", CHECK_INSTALLED_APP], cwd=elsewhere, env=env)
    assert "installed app OK" in output
    assert "Usage" in _run([venv / "bin" / "studytrack", "--help"], cwd=elsewhere, env=env)
    if packaged_database_url is None:
        assert (tmp_path / "instance" / "studytrack.sqlite").is_file()

    timings["total"] = time.monotonic() - started
    print("packaging timings (s):", {step: round(seconds, 1) for step, seconds in timings.items()})
