"""Compare the key pages of two checkouts on one database: both benchmarks at the same time.

    python -m benchmarks.compare --before ../studytrack-7c53225 --after . \\
        --database-url sqlite:///benchmarks/data/bench_s01.sqlite --scale 0.1

This machine's speed changes by up to a factor of two within seconds, so timing one checkout
after the other compares moments rather than code. Here each run starts both checkouts'
`benchmarks.pages` (with `--no-write`, each with its own `.venv`) at the same time, one per
core (`taskset`), swapping the cores between runs; a page's figure is the median of the runs'
medians. The output is a Markdown table (benchmarks/RESULTS.md, "Issue 16").
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

# A line of benchmarks.pages' table: title, median, p95, CPU (ms), statements.
LINE = re.compile(r"\s+(.+?)\s+([\d.]+) ms\s+([\d.]+) ms\s+([\d.]+) ms\s+(\d+)$")

Runs = dict[str, list[tuple[float, int]]]  # page title -> (median ms, statements) per run


def parse(output: str, into: Runs) -> None:
    """Add one run's table (the lines benchmarks.pages prints) to `into`."""
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            into[match.group(1)].append((float(match.group(2)), int(match.group(5))))


def table(before: Runs, after: Runs) -> str:
    """The Markdown table: each page's median of medians before and after, and statements."""
    lines = [
        "| Page | before (ms) | after (ms) | change | statements before → after |",
        "|---|---:|---:|---:|---|",
    ]
    for page, runs in before.items():
        was = statistics.median(ms for ms, _ in runs)
        now = statistics.median(ms for ms, _ in after[page])
        lines.append(
            f"| {page} | {was:.2f} | {now:.2f} | {100 * (now - was) / was:+.0f} % "
            f"| {runs[-1][1]} → {after[page][-1][1]} |"
        )
    return "\n".join(lines)


def _start(checkout: Path, core: int, args: argparse.Namespace) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["taskset", "-c", str(core), str(checkout / ".venv" / "bin" / "python"), "-m",
         "benchmarks.pages", "--database-url", args.database_url, "--scale", str(args.scale),
         "--repeat", str(args.repeat), "--no-write"],
        cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    parser.add_argument("--after", type=Path, default=Path("."), help="the newer checkout")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    results: dict[str, Runs] = {"before": defaultdict(list), "after": defaultdict(list)}
    for run in range(args.runs):
        started = {
            "before": _start(args.before.resolve(), run % 2, args),
            "after": _start(args.after.resolve(), (run + 1) % 2, args),
        }
        for side, process in started.items():
            _, printed = process.communicate()  # benchmarks.pages prints its table on stderr
            if process.returncode:
                print(printed, file=sys.stderr)
                return process.returncode
            parse(printed, results[side])
    print(table(results["before"], results["after"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
