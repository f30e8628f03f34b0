"""What the crawler and the load test share: their runs stored as JSON beside this file, and
their blocks of benchmarks/RESULTS.md, each rewritten between its markers, the text around it
kept."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"


def write_block(begin: str, end: str, heading: str, body: str) -> None:
    """Put `body` between the markers `begin` and `end`; the first time, at the end of the
    file under `heading`."""
    text = RESULTS_MD.read_text("utf-8")
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{block}\n"
    RESULTS_MD.write_text(text, "utf-8")


def verdict(missed: list[str]) -> list[str]:
    """The lines that end a block: all met, or each budget missed."""
    return ["", "**Budgets: all met.**" if not missed else "**Budgets missed:**", "",
            *(f"- {line}" for line in missed)]


def stored_runs(path: Path) -> dict[str, Any]:
    """The runs stored in `path`, by "<database> <scale>" (none before the first)."""
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def store_runs(path: Path, runs: dict[str, Any]) -> None:
    path.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", "utf-8")


def exit_status(missed: list[str]) -> int:
    """Say each budget missed on stderr; 1 if any was (the benchmark fails), else 0."""
    for line in missed:
        print(f"budget missed: {line}", file=sys.stderr)
    return 1 if missed else 0
