"""Logging set-up and the request log: one line per request on "studytrack.request".

STUDYTRACK_LOG_FORMAT=text (default) writes lines for a person at a terminal; =json writes one
JSON object per line for a log collector. Either way a request line holds exactly these fields:

    method, path, endpoint, status, duration_ms, user_id, remote_addr, request_id (+ pid)

and nothing else. Never the query string (a link may carry a token), form data, cookies, other
headers, or who the user is beyond the numeric id (no login name, name, email or phone).
`remote_addr` is the address the app itself uses, the same as the rate limits: the peer of
gunicorn, or the client named by the trusted proxy when STUDYTRACK_PROXY_FIX_HOPS is set, never
a raw X-Forwarded-For header; STUDYTRACK_LOG_REMOTE_ADDR=0 leaves it out.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request, request_finished, request_started
from flask.logging import default_handler

request_log = logging.getLogger("studytrack.request")

HANDLER_NAME = "studytrack"
START_KEY = "studytrack.request_started"
# A request id set by the proxy (nginx: proxy_set_header X-Request-ID $request_id) is logged
# so that its lines can be matched with the proxy's; anything else a client sends is dropped.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_PATH = 300
# Load balancers poll the health check every few seconds: successful checks log at DEBUG.
QUIET_ENDPOINTS = frozenset({"ops.healthz"})
CONTROL_CHARACTERS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}


# --- formatters ---------------------------------------------------------------------------


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, pid, then the request's fields
    or the message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
        }
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(app: Flask) -> None:
    """Give the "studytrack" loggers a level and, unless the host process has configured
    logging itself (a logging config, pytest), one stderr handler in the chosen format.
    gunicorn's error log and systemd's journal both take stderr."""
    logger = logging.getLogger("studytrack")  # app.logger and every studytrack.* logger
    logger.setLevel(app.config["LOG_LEVEL"])
    # Flask-Limiter warns when Redis goes away ("falling back to in-memory storage"); it has
    # only a NullHandler of its own. Its INFO lines name the login that hit a limit: not those.
    limiter_logger = logging.getLogger("flask-limiter")
    limiter_logger.setLevel(logging.WARNING)
    formatter = formatter_for(app.config["LOG_FORMAT"])
    ours = [handler for handler in logger.handlers if handler.get_name() == HANDLER_NAME]
    if ours:
        for handler in ours:
            handler.setFormatter(formatter)
    elif not logging.getLogger().handlers:
        logger.removeHandler(default_handler)
        handler = logging.StreamHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        limiter_logger.addHandler(handler)


# --- the request log ----------------------------------------------------------------------


def _started(sender: Flask, **extra: Any) -> None:
    request.environ[START_KEY] = time.perf_counter()


def _user_id() -> int | None:
    """The logged-in user's id, if this request looked at the user (every page does; static
    files do not). Read from the identity map, so it never costs a query."""
    user = g.get("_login_user")  # where Flask-Login keeps current_user once loaded
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa.inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def _clean(text: str, limit: int = MAX_PATH) -> str:
    text = text.translate(CONTROL_CHARACTERS)  # no forged lines in the text format
    return text if len(text) <= limit else text[:limit] + "…"


def request_fields(app: Flask, status: int) -> dict[str, Any]:
    started = request.environ.get(START_KEY)
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    fields: dict[str, Any] = {
        "method": _clean(request.method, 16),
        "path": _logged_path(),
        "endpoint": request.endpoint,
        "status": status,
        "duration_ms": round(duration, 1) if duration is not None else None,
        "user_id": _user_id(),
    }
    if app.config["LOG_REMOTE_ADDR"]:
        fields["remote_addr"] = request.remote_addr
    request_id = request.headers.get("X-Request-ID", "")
    if REQUEST_ID.fullmatch(request_id):
        fields["request_id"] = request_id
    return fields


def _logged_path() -> str:
    """The path, never with its query string, nor the secret a path may carry (a calendar
    feed's or an unsubscribe link's `<token>`), which the log must not hand to its readers."""
    path = request.path
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        path = path.replace(token, "[token]")
    return _clean(path)


def format_request(fields: dict[str, Any]) -> str:
    """The human-readable line: "GET /auth/login 200 12.3ms endpoint=auth.login user=5 …"."""
    text = f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']}ms"
    for key, label in (("endpoint", "endpoint"), ("user_id", "user"),
                       ("remote_addr", "addr"), ("request_id", "request_id")):
        if fields.get(key) is not None:
            text += f" {label}={fields[key]}"
    return text


def _finished(sender: Flask, response: Any, **extra: Any) -> None:
    status = response.status_code
    if status >= 500:
        level = logging.WARNING
    elif request.endpoint in QUIET_ENDPOINTS and status < 400:
        level = logging.DEBUG
    else:
        level = logging.INFO
    if not request_log.isEnabledFor(level):
        return
    try:
        fields = request_fields(sender, status)
    except Exception:  # the log line must never turn a good response into an error
        logging.getLogger(__name__).exception("could not build the request log line")
        return
    request_log.log(level, "%s", format_request(fields), extra={"request": fields})


def init_app(app: Flask) -> None:
    configure_logging(app)
    # Signals, not before/after_request hooks: request_started comes before every
    # before_request function (the rate limiter, the HTTPS redirect), and request_finished
    # after every after_request one, so the line has the final status and the whole time.
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
