"""The generated blocks of benchmarks/RESULTS.md: each benchmark rewrites its own block, between
its markers, and keeps the text around it."""

from __future__ import annotations

from pathlib import Path

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
