"""How figures read, on pages and in exports alike."""

from __future__ import annotations


def percent(value: float | None) -> str:
    """A rate (0–1) as people read it: "83.3%", "100%", and "—" when there is none."""
    if value is None:
        return "—"
    rounded = round(value * 100, 1)
    return f"{rounded:.0f}%" if rounded == int(rounded) else f"{rounded:.1f}%"


def percent_number(value: float | None) -> float | None:
    """A rate (0–1) as the number of percent with one decimal (charts, spreadsheets)."""
    return None if value is None else round(value * 100, 1)
