"""Group chat robots (群机器人) of WeCom (企业微信) and DingTalk (钉钉): messages and posts.

Both services take a JSON POST to the robot's webhook address and answer
`{"errcode": 0, "errmsg": "ok"}` (another errcode: refused). Messages go as markdown:

- WeCom: `{"msgtype": "markdown", "markdown": {"content": …}}`, content at most 4096 bytes of
  UTF-8 (longer is refused with errcode 40058);
- DingTalk: `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`, the whole body at
  most 20000 bytes (errcode 460101). A robot with the 加签 security setting wants each post's
  address signed with its secret ("SEC…"): `&timestamp=…&sign=…`, the time in milliseconds
  (DingTalk refuses one more than an hour off).

The worker posts from inside the network, so a webhook address may only name a host of
ROBOT_HOSTS (checked when the secretary saves it, and again before every post), and redirects
are not followed. No Flask routes here: the worker and the pages both use this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote_plus, urlsplit, urlunsplit

from flask import current_app
from flask_babel import gettext as _

from studytrack.models import GroupRobot, RobotProvider

WECOM_MARKDOWN_BYTES = 4096
# DingTalk's limit is on the whole body; the title, the JSON around it and its escapes stay
# well inside what is left.
DINGTALK_TEXT_BYTES = 18000
TITLE_CHARACTERS = 64  # a title is one line of a chat's preview
ANSWER_BYTES = 64 * 1024  # both answers are a few dozen bytes; never read an endless one
ELLIPSIS = "…"
LINK_TEXT = "查看详情"  # the messages are in Chinese, as the chats they go to


class RobotError(Exception):
    """A post that did not reach the chat; the message says why, for the delivery's record."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RobotMessage:
    """What a robot posts: a title, plain lines of text (Chinese) and a link to the page."""

    title: str
    text: str
    link: str | None = None


# --- the messages ---------------------------------------------------------------------------


def cut_to_bytes(text: str, limit: int) -> str:
    """`text` within `limit` bytes of UTF-8, cut at a character (never inside one), with "…"
    when it was cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = max(limit - len(ELLIPSIS.encode("utf-8")), 0)
    # Decoding a cut sequence with "ignore" drops only the last, incomplete character.
    return data[:room].decode("utf-8", "ignore") + ELLIPSIS


def _title(message: RobotMessage) -> str:
    title = " ".join(message.title.split())  # one line, whatever it was given
    return title if len(title) <= TITLE_CHARACTERS else title[: TITLE_CHARACTERS - 1] + ELLIPSIS


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _link(message: RobotMessage) -> str:
    return f"[{LINK_TEXT}]({message.link})" if message.link else ""


def _within(head: str, body: str, tail: str, limit: int) -> str:
    """head + body + tail within `limit` bytes, cutting the body: the title and the link are
    what a reader needs most."""
    room = limit - len((head + tail).encode("utf-8"))
    if room <= len(ELLIPSIS.encode("utf-8")):  # a title and link too long for anything else
        return cut_to_bytes(head + tail, limit)
    return head + cut_to_bytes(body, room) + tail


def payload(provider: RobotProvider, message: RobotMessage) -> dict[str, Any]:
    """The JSON body of the robot's markdown message, within the provider's size limit."""
    title = _title(message)
    link = _link(message)
    if provider == RobotProvider.WECOM:
        # WeCom's markdown keeps single line breaks.
        body = "\n".join(_lines(message.text))
        content = _within(f"**{title}**\n", body, f"\n{link}" if link else "",
                          WECOM_MARKDOWN_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    if provider == RobotProvider.DINGTALK:
        # DingTalk's markdown joins single lines into one paragraph: one paragraph per line.
        body = "\n\n".join(_lines(message.text))
        text = _within(f"### {title}\n\n", body, f"\n\n{link}" if link else "",
                       DINGTALK_TEXT_BYTES)
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    raise ValueError(f"no robot message for provider {provider!r}")


# --- the address ----------------------------------------------------------------------------


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's signed address (加签): HMAC-SHA256 of "timestamp\\nsecret" keyed with the
    secret, in base64, URL-quoted, appended with the timestamp."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode("ascii"))
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}timestamp={timestamp_ms}&sign={sign}"))


def host_set(hosts: str | Iterable[str]) -> frozenset[str]:
    """Host names from a comma-separated string (as ROBOT_HOSTS is written) or a list."""
    items = hosts.split(",") if isinstance(hosts, str) else hosts
    return frozenset(host.strip().lower().rstrip(".") for host in items if host.strip())


def configured_hosts() -> frozenset[str]:
    """The hosts of ROBOT_HOSTS."""
    return host_set(current_app.config.get("ROBOT_HOSTS") or "")


def check_url(url: str, allowed_hosts: str | Iterable[str]) -> str | None:
    """Why `url` cannot be a robot's webhook address (a translated message), or None when it is
    an http(s) address of one of `allowed_hosts` (ROBOT_HOSTS: a comma-separated string, or a
    list)."""
    allowed = host_set(allowed_hosts)
    invalid: str = _("Enter the webhook address shown in the robot's settings, beginning with "
                "https://.")
    if not url or any(character.isspace() or ord(character) < 32 for character in url):
        return invalid
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is no number raises here, not at the post
    except ValueError:
        return invalid
    host = (parts.hostname or "").rstrip(".")
    # A user name in the address ("https://allowed.host@elsewhere/") only serves to mislead.
    if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc or port == 0:
        return invalid
    if host not in allowed:
        hosts = ", ".join(sorted(allowed)) or "-"
        not_allowed: str = _("Robots may only post to %(hosts)s. Ask the administrator if your "
                             "chat service runs elsewhere.", hosts=hosts)
        return not_allowed
    return None


# --- the post -------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect answers as the error it is: following it could lead the worker to a host
    that ROBOT_HOSTS does not allow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(robot: GroupRobot, message: RobotMessage, *, timeout: float = 10.0) -> None:
    """Post `message` to `robot`'s chat (signed for a DingTalk robot with a secret); RobotError
    if the address is not allowed, the service cannot be reached, answers an HTTP error or
    refuses the message (errcode other than 0)."""
    refused = check_url(robot.webhook_url, configured_hosts())
    if refused is not None:
        raise RobotError(refused)
    url = robot.webhook_url
    if robot.provider == RobotProvider.DINGTALK and robot.secret:
        url = signed_url(url, robot.secret, int(time.time() * 1000))
    body = json.dumps(payload(robot.provider, message), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            answer = response.read(ANSWER_BYTES)
    except HTTPError as error:
        with error:  # it holds the answer's connection
            raise RobotError(_("The chat service answered with HTTP error %(status)d.",
                               status=error.code)) from None
    except (OSError, http.client.HTTPException) as error:  # refused, timed out, no such host…
        # The address itself is never in the message: it holds the robot's key.
        reason = getattr(error, "reason", None) or error
        raise RobotError(_("The chat service could not be reached: %(reason)s",
                           reason=str(reason) or type(error).__name__)) from None
    _check_answer(answer)


def _check_answer(answer: bytes) -> None:
    try:
        result = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        result = None
    if not isinstance(result, dict) or "errcode" not in result:
        raise RobotError(_("The chat service gave an answer that is not a robot's."))
    if result["errcode"] != 0:
        raise RobotError(_("The chat service refused the message: %(message)s (error "
                           "%(code)s).", message=str(result.get("errmsg") or "-"),
                           code=result["errcode"]))
