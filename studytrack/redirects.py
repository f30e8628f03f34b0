"""Where to go after an action: a `next` the user was sent with, if it stays on this site."""

from __future__ import annotations

from flask import request


def safe_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Only "/…", never "//host" (another host, protocol-relative), and no backslash, white space
    or control character anywhere: browsers read "\\" as "/" and drop tabs and newlines, so
    "/\\evil.example" or "/\\t/evil.example" would lead to another host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(char == "\\" or char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0
           for char in target):
        return None
    return target


def next_url(default: str) -> str:
    """The request's `next` (from the form, a prefixed form's `<prefix>-next`, or the query
    string) if it is a path on this site; else `default`."""
    target = request.form.get("next") or next(
        (value for key, value in request.form.items() if key.endswith("-next") and value), None
    ) or request.args.get("next")
    return safe_path(target) or default
