"""Configuration read from STUDYTRACK_* environment variables.

Nothing secret is hard-coded: without STUDYTRACK_SECRET_KEY a random key is generated once
and kept in the instance folder, so sessions survive restarts of a single installation.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ENV_PREFIX = "STUDYTRACK_"
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FONT_FAMILY_NAME = re.compile(r"[\w \-]+")  # letters (any script), digits, _, space, hyphen
# A PostgreSQL setting as name=value: no spaces, quotes or backslashes, which libpq would read.
POSTGRES_SETTING = re.compile(r"[a-z_][a-z0-9_.]*=[A-Za-z0-9_.+-]+")


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Defaults for a single installation; every value can be overridden from the environment."""

    TESTING = False
    DEBUG = False
    ENV_NAME = "development"

    SQLALCHEMY_DATABASE_URI: str | None = None  # resolved in finalize(): SQLite in instance/
    # hide_parameters: a failed statement's values (names, hashes) stay out of errors and logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    SECRET_KEY: str | None = None
    # Settings of PostgreSQL for the app's own connections, "name=value" separated by commas
    # (STUDYTRACK_POSTGRES_SETTINGS; empty: the server's). The app's statements are short: a
    # JIT compilation or parallel workers cost more than they save (docs/performance.md; the
    # top dashboard at scale 5: 260 ms for a 38 ms statement with JIT, 94 ms for 46 with two
    # workers on two cores).
    POSTGRES_SETTINGS = "jit=off, max_parallel_workers_per_gather=0"

    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    # The dates a form accepts (session times, due dates, make-up study…): from 1 January of
    # DATE_FIRST_YEAR to 31 December of the year DATE_YEARS_AHEAD after the current one. A date
    # outside is refused beside its field (studytrack/inputs.py); the year filters and the
    # yearly archive offer these years. A material's issue date may go back to 1800.
    DATE_FIRST_YEAR = 2000
    DATE_YEARS_AHEAD = 10

    UPLOAD_FOLDER: str | None = None  # resolved in finalize(): instance/uploads
    MAX_UPLOAD_MB = 50

    # Many intranets serve plain HTTP; HTTPS deployments set STUDYTRACK_SECURE_COOKIES=1.
    SECURE_COOKIES = False
    FORCE_HTTPS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14  # also the server's limit of such a login
    # Logins live on the server (auth.login_sessions, docs/security.md): one not remembered ends
    # after this long without a request, and after LOGIN_MAX_HOURS whatever the activity.
    LOGIN_IDLE_MINUTES = 120
    LOGIN_MAX_HOURS = 12

    WTF_CSRF_TIME_LIMIT = None  # a member may write a reflection for hours before saving

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Refused logins (a wrong password or an unknown name: docs/security.md, "Lock-outs").
    # The tight limit is one account from one address: it stops guessing without locking the
    # owner out elsewhere. The looser ones stop guessing spread over many addresses, and one
    # address trying many accounts, without locking out a campus behind one NAT address.
    LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT = "5 per 5 minutes"
    LOGIN_RATE_LIMIT_PER_ACCOUNT = "30 per 15 minutes"
    LOGIN_RATE_LIMIT_PER_CLIENT = "100 per 5 minutes"

    # The PDF prints with the Chinese fonts the project ships (static/vendor/noto-cjk). A unit
    # used to 仿宋 or 宋体 may name installed font families to prefer for body text, in order,
    # comma-separated ("FangSong, 仿宋_GB2312, SimSun"); the shipped fonts stand in for any
    # that is not installed, and still set titles, headings and tables.
    PDF_SYSTEM_FONTS = ""

    # Background jobs (studytrack/jobs, docs/architecture.md): the queue is a SQLite file in
    # the instance folder unless STUDYTRACK_QUEUE_URL names a Redis ("redis://host:6379/2"),
    # which several app servers and workers share. A failed job is tried JOBS_RETRIES more
    # times, the first after JOBS_RETRY_DELAY seconds and each next one after twice as long.
    # Finished files are kept JOBS_KEEP_HOURS, in JOBS_FILE_FOLDER (instance/job-files).
    JOBS_QUEUE_URL: str | None = None
    JOBS_QUEUE_NAME = "studytrack"
    JOBS_IMMEDIATE = False
    JOBS_RETRIES = 3
    JOBS_RETRY_DELAY = 30
    JOBS_KEEP_HOURS = 24
    # A job still waiting or running after this long is failed by the clean-up (its worker
    # stopped or the queue lost it), so that asking again starts a new one.
    JOBS_STALE_MINUTES = 60
    JOBS_FILE_FOLDER: str | None = None
    # Where the files jobs make and the reports' kept PDFs are stored (studytrack/storage.py):
    # "local" (JOBS_FILE_FOLDER) or "s3", an S3-compatible store (MinIO, Ceph, a cloud's), with
    # the S3_* settings. S3_SIGNED_URLS: downloads go straight to the store by a short-lived
    # signed URL, rather than through the app.
    STORAGE = "local"
    S3_ENDPOINT_URL: str | None = None
    S3_BUCKET: str | None = None
    S3_PREFIX = ""
    S3_REGION: str | None = None
    S3_ACCESS_KEY: str | None = None
    S3_SECRET_KEY: str | None = None
    S3_ADDRESSING_STYLE = "path"  # what MinIO and most private stores answer; or "virtual"
    S3_SIGNED_URLS = False
    S3_SIGNED_URL_SECONDS = 300
    # Processes a job may draw PDFs with at once (the archive's): one per core, at most 4
    # (each holds the fonts, about 165 MB).
    JOBS_PDF_PROCESSES = min(os.cpu_count() or 1, 4)

    # Reminders (studytrack/reminders, docs/operations.md). Mail goes out through Flask-Mailman:
    # MAIL_BACKEND "smtp" (the MAIL_* server), "file" (one file per mail in MAIL_FILE_PATH, as
    # `make run` does), "console", or "locmem" (kept in memory, for tests).
    MAIL_BACKEND = "smtp"
    MAIL_FILE_PATH: str | None = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 10
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "studytrack@localhost"
    # The app's address as its users reach it: the links of mails, robot posts and calendar
    # feeds are made from it (the worker that sends them has no request to take it from).
    PUBLIC_URL = "http://127.0.0.1:5000/"
    # A reflection or task is reminded of this many days before it is due (and once overdue).
    REMINDER_DAYS_BEFORE = 3
    # A mail or robot post that fails is tried again after 5, 10, 20… minutes, this many times.
    DELIVERY_RETRIES = 4
    DELIVERY_RETRY_MINUTES = 5
    # The hosts group chat robots may post to (the webhook URL a secretary enters): WeCom's and
    # DingTalk's; add a private deployment's host. Nothing else is reached from the worker.
    ROBOT_HOSTS = "qyapi.weixin.qq.com, oapi.dingtalk.com"

    PROXY_FIX_HOPS = 0

    # One line per request on the "studytrack.request" logger (studytrack/ops/logs.py):
    # "text" for people at a terminal, "json" for a log collector (recommended in production).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # The client address as the app sees it (after ProxyFix); off where local rules forbid it.
    LOG_REMOTE_ADDR = True
    # Keeps this installation's counters apart when several share one Redis.
    RATELIMIT_KEY_PREFIX = "studytrack"
    # Redis down: count in each worker's memory (logged) rather than refuse every login.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    @classmethod
    def from_env(cls) -> dict[str, Any]:
        """The values that the environment sets; unset variables keep the class defaults."""
        values: dict[str, Any] = {}
        strings = {
            "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
            "SECRET_KEY": "SECRET_KEY",
            "TIMEZONE": "TIMEZONE",
            "UPLOAD_FOLDER": "UPLOAD_FOLDER",
            "QUEUE_URL": "JOBS_QUEUE_URL",
            "QUEUE_NAME": "JOBS_QUEUE_NAME",
            "JOB_FILE_FOLDER": "JOBS_FILE_FOLDER",
            "STORAGE": "STORAGE",
            "S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
            "S3_BUCKET": "S3_BUCKET",
            "S3_PREFIX": "S3_PREFIX",
            "S3_REGION": "S3_REGION",
            "S3_ACCESS_KEY": "S3_ACCESS_KEY",
            "S3_SECRET_KEY": "S3_SECRET_KEY",
            "S3_ADDRESSING_STYLE": "S3_ADDRESSING_STYLE",
            "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
            "MAIL_SERVER": "MAIL_SERVER",
            "MAIL_USERNAME": "MAIL_USERNAME",
            "MAIL_PASSWORD": "MAIL_PASSWORD",
            "MAIL_DEFAULT_SENDER": "MAIL_DEFAULT_SENDER",
            "MAIL_BACKEND": "MAIL_BACKEND",
            "MAIL_FILE_PATH": "MAIL_FILE_PATH",
            "PUBLIC_URL": "PUBLIC_URL",
            "ROBOT_HOSTS": "ROBOT_HOSTS",
            "ENV": "ENV_NAME",
            "PDF_SYSTEM_FONTS": "PDF_SYSTEM_FONTS",
            "LOG_FORMAT": "LOG_FORMAT",
            "LOG_LEVEL": "LOG_LEVEL",
            "RATELIMIT_KEY_PREFIX": "RATELIMIT_KEY_PREFIX",
            "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT": "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT",
            "LOGIN_RATE_LIMIT_PER_ACCOUNT": "LOGIN_RATE_LIMIT_PER_ACCOUNT",
            "LOGIN_RATE_LIMIT_PER_CLIENT": "LOGIN_RATE_LIMIT_PER_CLIENT",
        }
        for var, key in strings.items():
            if (value := env(var)) not in (None, ""):
                values[key] = value
        if (value := env("POSTGRES_SETTINGS")) is not None:  # empty: the server's own
            values["POSTGRES_SETTINGS"] = value
        for var, key in {"MAX_UPLOAD_MB": "MAX_UPLOAD_MB", "MAIL_PORT": "MAIL_PORT",
                         "PROXY_FIX_HOPS": "PROXY_FIX_HOPS",
                         "LOGIN_IDLE_MINUTES": "LOGIN_IDLE_MINUTES",
                         "LOGIN_MAX_HOURS": "LOGIN_MAX_HOURS",
                         "DATE_FIRST_YEAR": "DATE_FIRST_YEAR",
                         "DATE_YEARS_AHEAD": "DATE_YEARS_AHEAD",
                         "JOB_RETRIES": "JOBS_RETRIES",
                         "JOB_RETRY_DELAY": "JOBS_RETRY_DELAY",
                         "JOB_KEEP_HOURS": "JOBS_KEEP_HOURS",
                         "JOB_PDF_PROCESSES": "JOBS_PDF_PROCESSES",
                         "JOB_STALE_MINUTES": "JOBS_STALE_MINUTES",
                         "S3_SIGNED_URL_SECONDS": "S3_SIGNED_URL_SECONDS",
                         "MAIL_TIMEOUT": "MAIL_TIMEOUT",
                         "REMINDER_DAYS_BEFORE": "REMINDER_DAYS_BEFORE",
                         "DELIVERY_RETRIES": "DELIVERY_RETRIES",
                         "DELIVERY_RETRY_MINUTES": "DELIVERY_RETRY_MINUTES"}.items():
            if env(var) not in (None, ""):
                values[key] = env_int(var, 0)
        for var in ("SECURE_COOKIES", "FORCE_HTTPS", "MAIL_USE_TLS", "MAIL_USE_SSL", "DEBUG",
                    "LOG_REMOTE_ADDR", "S3_SIGNED_URLS"):
            if env(var) is not None:
                values[var] = env_bool(var)
        return values


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-only-" + secrets.token_hex(8)
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # Hashing dominated the suite's time; one iteration is fine for throwaway test accounts.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    # A job runs as it is queued, through the same code as in a worker; a failure is final.
    JOBS_IMMEDIATE = True
    JOBS_RETRIES = 0
    JOBS_PDF_PROCESSES = 1  # the archives of the tests are small; tests/test_jobs.py uses 2
    MAIL_BACKEND = "locmem"  # flask_mailman.outbox; tests/test_reminder_mail.py uses SMTP
    PUBLIC_URL = "http://studytrack.test/"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def instance_secret_key(instance_path: Path) -> str:
    """Read the generated key from instance/, creating it (mode 600) on first use."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def finalize(config: dict[str, Any], instance_path: Path) -> None:
    """Fill in derived values and refuse unsafe production settings."""
    instance_path.mkdir(parents=True, exist_ok=True)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'studytrack.sqlite'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = with_postgres_settings(
            config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}, str(config["POSTGRES_SETTINGS"]),
            config["SQLALCHEMY_DATABASE_URI"],
        )
    if not config.get("UPLOAD_FOLDER"):
        config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if not config.get("JOBS_FILE_FOLDER"):
        config["JOBS_FILE_FOLDER"] = str(instance_path / "job-files")
    config["STORAGE"] = str(config["STORAGE"]).strip().lower()
    if config["STORAGE"] not in ("local", "s3"):
        raise ConfigurationError("STUDYTRACK_STORAGE must be local or s3.")
    if config["STORAGE"] == "s3" and not config.get("S3_BUCKET"):
        raise ConfigurationError("STUDYTRACK_STORAGE=s3 needs STUDYTRACK_S3_BUCKET.")
    if config["S3_ADDRESSING_STYLE"] not in ("path", "virtual", "auto"):
        raise ConfigurationError("STUDYTRACK_S3_ADDRESSING_STYLE must be path, virtual or auto.")
    url = config.get("JOBS_QUEUE_URL")
    if url and not str(url).startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("STUDYTRACK_QUEUE_URL must be a Redis URL (redis://…).")
    config["MAX_CONTENT_LENGTH"] = (int(config["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]
    config["SESSION_COOKIE_SECURE"] = bool(config["SECURE_COOKIES"])
    config["REMEMBER_COOKIE_SECURE"] = bool(config["SECURE_COOKIES"])

    config["LOG_FORMAT"] = str(config["LOG_FORMAT"]).strip().lower()
    if config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigurationError("STUDYTRACK_LOG_FORMAT must be one of: " + ", ".join(LOG_FORMATS))
    config["LOG_LEVEL"] = str(config["LOG_LEVEL"]).strip().upper()
    if config["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigurationError("STUDYTRACK_LOG_LEVEL must be one of: " + ", ".join(LOG_LEVELS))

    if not 1900 <= int(config["DATE_FIRST_YEAR"]) <= datetime.now().year:
        raise ConfigurationError("STUDYTRACK_DATE_FIRST_YEAR must be a year from 1900 to this one.")
    if not 0 <= int(config["DATE_YEARS_AHEAD"]) <= 100:
        raise ConfigurationError("STUDYTRACK_DATE_YEARS_AHEAD must be from 0 to 100.")

    families = [name.strip() for name in str(config["PDF_SYSTEM_FONTS"]).split(",")]
    if any(name and not FONT_FAMILY_NAME.fullmatch(name) for name in families):
        raise ConfigurationError(
            "STUDYTRACK_PDF_SYSTEM_FONTS must be font family names separated by commas."
        )

    production = config.get("ENV_NAME") == "production"
    if production and (config.get("DEBUG") or config.get("TESTING")):
        raise ConfigurationError("STUDYTRACK_ENV=production refuses to start with debug on.")
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigurationError(
                "STUDYTRACK_ENV=production needs STUDYTRACK_SECRET_KEY (at least 32 characters)."
            )
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    elif production and len(config["SECRET_KEY"]) < 32:
        raise ConfigurationError("STUDYTRACK_SECRET_KEY must be at least 32 characters long.")


def with_postgres_settings(options: dict[str, Any], settings: str, url: str) -> dict[str, Any]:
    """The engine options with `settings` ("jit=off, work_mem=8MB") given to every connection
    (libpq's `options`, which PostgreSQL applies as the session starts: no statement), after
    any `options` the URL or the engine options already give (they would otherwise replace
    one another)."""
    pairs = [item.strip() for item in settings.split(",") if item.strip()]
    if any(not POSTGRES_SETTING.fullmatch(pair) for pair in pairs):
        raise ConfigurationError(
            "STUDYTRACK_POSTGRES_SETTINGS must be name=value pairs separated by commas."
        )
    if not pairs:
        return options
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options") or sa.make_url(url).query.get("options") or ""
    if isinstance(given, tuple):  # the URL gave it more than once
        given = " ".join(given)
    ours = " ".join(f"-c {pair}" for pair in pairs)
    connect_args["options"] = f"{given} {ours}".strip()
    return {**options, "connect_args": connect_args}


def normalize_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
