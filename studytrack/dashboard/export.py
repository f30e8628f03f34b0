"""A dashboard's figures for the charts (JSON) and as a workbook (one sheet per table)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from studytrack.dashboard.figures import FIGURE_ZH
from studytrack.dashboard.measures import BY_KEY, HEADLINES, MEASURES, Cell
from studytrack.dashboard.queries import Dashboard
from studytrack.exports.common import safe_filename_part
from studytrack.exports.tables import Percent, Sheet, workbook
from studytrack.formatting import percent_number

# --- charts ---------------------------------------------------------------------------------

COMPLETION_CHART = ("attendance_rate", "reflection_completion_rate", "task_completion_rate")
MONTH_FIGURES = ("sessions_held", "seminars_held", "attendance_rate")  # of Dashboard.months


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What dashboard.js draws: plain numbers and labels, rates in percent."""
    months = [_("Month %(num)d", num=month) for month, *_rest in board.months]
    return {
        "months": {
            "labels": months,
            "series": [
                {"name": str(_("Sessions held")), "data": [m[1] for m in board.months]},
                {"name": str(_("Seminars held")), "data": [m[2] for m in board.months]},
            ],
        },
        "attendance": {
            "labels": months,
            "name": str(_("Attendance rate")),
            "data": [percent_number(m[3]) for m in board.months],
        },
        "units": {
            "labels": [_row_name(row.unit.name, row.own_groups) for row in board.rows],
            "series": [
                {
                    "name": str(BY_KEY[key].label),
                    "data": [percent_number(row.cells[key].value) for row in board.rows],
                }
                for key in COMPLETION_CHART
            ],
        },
    }


def _row_name(name: str, own_groups: bool) -> str:
    return str(_("%(unit)s (own groups)", unit=name)) if own_groups else name


# --- Excel ----------------------------------------------------------------------------------


def _period_zh(board: Dashboard) -> str:
    period = board.period
    return f"{period.year}年第{period.quarter}季度" if period.quarter else f"{period.year}年"


def _excel_value(cell: Cell) -> Any:
    if cell.value is None:
        return None
    return Percent(cell.value) if cell.measure.is_rate else cell.value


def _target_zh(cell: Cell, board: Dashboard) -> tuple[Any, str, str]:
    """(target held against, where it comes from, 达标/未达标/—) in Chinese."""
    if cell.measure.metric is None:
        return None, "", ""
    if cell.target is None:
        return None, "未设定目标", ""
    source = cell.target.source
    if source is None:
        origin = "系统默认"
    elif source.id == board.unit.id:
        origin = "本单位设定"
    else:
        origin = f"继承自 {source.name}"
    held = cell.held_against
    value: Any = Percent(held) if cell.measure.is_rate and held is not None else held
    verdict = "—" if cell.verdict is None else "达标" if cell.verdict else "未达标"
    return value, origin, verdict


def sheets(board: Dashboard) -> list[Sheet]:
    period = _period_zh(board)
    headline_rows = []
    for key in ("groups", "members", "sessions_planned", *HEADLINES, "reflections_missing",
                "tasks_done", "tasks_overdue"):
        cell = board.headline[key]
        target, origin, verdict = _target_zh(cell, board)
        headline_rows.append((cell.measure.zh, _excel_value(cell), target, origin, verdict))
    summary = Sheet(
        "汇总",
        ("单位", "期间", "指标", "数值", "目标", "目标来源", "是否达标"),
        [(board.unit.name, period, *row) for row in headline_rows],
        widths=(24, 14, 16, 12, 12, 24, 10),
        percent_columns=set(),
    )
    units = Sheet(
        "各单位",
        ("单位", *(m.zh for m in MEASURES)),
        [
            (
                f"{row.unit.name}（本级学习组）" if row.own_groups else row.unit.name,
                *(_excel_value(row.cells[m.key]) for m in MEASURES),
            )
            for row in board.rows
        ],
        widths=(28, *(12 for _m in MEASURES)),
        percent_columns={1 + i for i, m in enumerate(MEASURES) if m.is_rate},
    )
    months = Sheet(
        "按月",
        ("月份", *(FIGURE_ZH[key] for key in MONTH_FIGURES)),
        [(f"{month}月", held, seminars, rate) for month, held, seminars, rate in board.months],
        widths=(10, 12, 14, 10),
        percent_columns={3},
    )
    return [summary, units, months]


def filename(board: Dashboard) -> str:
    unit = safe_filename_part(board.unit.name) or "单位"
    return f"{unit} {_period_zh(board)} 学习情况统计.xlsx"


def xlsx(board: Dashboard) -> bytes:
    """The workbook (made by a job: studytrack.jobs.exports)."""
    return workbook(sheets(board))
