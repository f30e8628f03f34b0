"""Small filters and coercions shared by the forms of several areas."""

from __future__ import annotations

from typing import Any


def strip(value: Any) -> Any:
    """Filter for text fields: surrounding white space is not input (other values as they
    are)."""
    return value.strip() if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """Coerce for selects and hidden fields where empty (or garbage) means "none"."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def version_value(value: Any) -> int | None:
    """The version counter a form was loaded with (None when missing or tampered with)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
