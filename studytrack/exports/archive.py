"""The yearly study archive (学习档案) of a group: one .zip written entry by entry.

Layout (everything inside one folder, so unpacking never spills):

    校党委理论学习中心组 2026年学习档案/
        目录.html                      the index, linking every file
        出勤登记表.xlsx                 all sessions' attendance, one row per person
        后续任务清单.xlsx               all sessions' follow-up tasks
        心得体会一览.xlsx               every reflection owed or written, with its status
        年度学习计划.xlsx               the year's plan, each item held or not (if there is one)
        列席督导评价.xlsx               the supervisors' evaluations of the sessions (if any)
        01 2026-03-26 <topic>/
            学习记录.docx
            学习记录.pdf
            新闻稿.txt                  the news release, when one was marked final
            心得体会/<author>.docx      accepted reflections

The caller passes an open binary file (a temporary file): each entry is generated, written and
dropped before the next, so the archive is never held in memory as a whole. Entry names keep
their Chinese; zipfile marks non-ASCII names as UTF-8 (general purpose flag bit 11).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from urllib.parse import quote

from markupsafe import escape

from studytrack.exports import docx as docx_writer
from studytrack.exports import excel
from studytrack.exports.common import (
    ZH,
    report_file_stem,
    safe_filename_part,
    zh,
    zh_date,
    zh_datetime,
)
from studytrack.models import ReflectionStatus
from studytrack.reports.report import SessionReport
from studytrack.timeutil import now_utc

INDEX_NAME = "目录.html"
ATTENDANCE_NAME = "出勤登记表.xlsx"
TASKS_NAME = "后续任务清单.xlsx"
REFLECTION_LIST_NAME = "心得体会一览.xlsx"
PLAN_NAME = "年度学习计划.xlsx"
EVALUATIONS_NAME = "列席督导评价.xlsx"
RECORD_DOCX = "学习记录.docx"
RECORD_PDF = "学习记录.pdf"
NEWS_RELEASE_NAME = "新闻稿.txt"
REFLECTIONS_FOLDER = "心得体会"

# Already-compressed formats are stored as they are; text is deflated.
_STORED = (".docx", ".xlsx", ".pdf")


@dataclass(frozen=True)
class CancelledSession:
    """A session of the year that did not take place: kept in the archive with its reason."""

    starts_at: datetime
    topic: str
    reason: str | None


@dataclass(frozen=True)
class SummaryLine:
    """One figure of the year against its target, in Chinese (the index's summary)."""

    name: str
    value: str
    target: str  # the value held against, or 未设定目标
    verdict: str  # 达标 / 未达标 / —


@dataclass
class _SessionEntries:
    report: SessionReport
    folder: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (label, path in the folder)


def archive_folder_name(group: str, year: int) -> str:
    return f"{safe_filename_part(group) or '学习组'} {year}年学习档案"


def write_archive(
    target: BinaryIO,
    *,
    group: str,
    organization: str,
    year: int,
    reports: Sequence[SessionReport],
    pdf: Callable[[SessionReport], bytes] | None,
    progress: Callable[[int], None] | None = None,
    plan: Sequence[excel.PlanLine] | None = None,
    cancelled: Sequence[CancelledSession] = (),
    evaluations: Sequence[excel.EvaluationLine] = (),
    summary: Sequence[SummaryLine] = (),
) -> list[str]:
    """Write the archive of `reports` (one group's sessions of `year`, in date order) into
    `target`. `pdf` renders one report to PDF (None: an archive without PDFs, for tests
    that need no PDF). `progress` is told how many sessions are written, after each one.
    `plan`: the year's plan items (None: the group has no plan for the year); `cancelled`:
    the sessions of the year that were cancelled; `evaluations`: the supervisors' (列席旁听);
    `summary`: the year's figures against their targets. Returns the entry names written."""
    root = archive_folder_name(group, year)
    names: list[str] = []
    sessions: list[_SessionEntries] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, data: bytes | str) -> None:
            name = f"{root}/{path}"
            compress = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
            names.append(name)

        for number, report in enumerate(reports, 1):
            entries = _SessionEntries(
                report, f"{number:02d} {report_file_stem(report.starts_at, report.topic)}"
            )
            sessions.append(entries)
            add(f"{entries.folder}/{RECORD_DOCX}", docx_writer.report_docx(report))
            entries.files.append((f"{ZH['record']}（Word）", RECORD_DOCX))
            if pdf is not None:
                add(f"{entries.folder}/{RECORD_PDF}", pdf(report))
                entries.files.append((f"{ZH['record']}（PDF）", RECORD_PDF))
            if report.news_release:
                add(f"{entries.folder}/{NEWS_RELEASE_NAME}", news_release_txt(report.news_release))
                entries.files.append(("新闻稿（定稿）", NEWS_RELEASE_NAME))
            taken: set[str] = set()
            for reflection in report.reflections:
                if reflection.status != ReflectionStatus.ACCEPTED or not reflection.body:
                    continue
                file_name = _unique(safe_filename_part(reflection.author) or "作者", taken)
                path = f"{REFLECTIONS_FOLDER}/{file_name}.docx"
                add(f"{entries.folder}/{path}", docx_writer.reflection_docx(report, reflection))
                entries.files.append((f"{ZH['reflections']}：{reflection.author}", path))
            if progress is not None:
                progress(number)

        add(ATTENDANCE_NAME, excel.attendance_xlsx(reports))
        add(TASKS_NAME, excel.tasks_xlsx(reports))
        add(REFLECTION_LIST_NAME, excel.reflections_xlsx(reports))
        if plan is not None:
            add(PLAN_NAME, excel.plan_xlsx(plan))
        if evaluations:
            add(EVALUATIONS_NAME, excel.evaluations_xlsx(evaluations))
        add(INDEX_NAME, _index_html(root, organization, sessions, plan is not None, cancelled,
                                    bool(evaluations), summary))
    return names


def news_release_txt(text: str) -> bytes:
    """A news release as a text file every editor opens as it is, Windows Notepad included:
    UTF-8 with a byte-order mark, lines ending in CRLF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "\r\n".join(lines).encode("utf-8-sig") + b"\r\n"


def _unique(name: str, taken: set[str]) -> str:
    candidate, counter = name, 2
    while candidate in taken:
        candidate = f"{name}（{counter}）"
        counter += 1
    taken.add(candidate)
    return candidate


def _link(path: str, text: str) -> str:
    return f'<a href="{escape(quote(path))}">{escape(text)}</a>'


# The index prints as the archive's cover and table of contents (A4: the cover on a page of
# its own). It is a file of the archive, read in a browser or printed, never served by the app.
_PRINT_STYLE = (
    "<style>body{font-family:SimSun,'Songti SC','Noto Serif CJK SC',serif;margin:2em}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .6em}"
    ".cover{text-align:center;padding-top:30vh}.cover h1{font-size:2.2em;letter-spacing:.2em}"
    "@page{size:A4;margin:25mm 20mm}"
    "@media print{.cover{height:230mm;page-break-after:always;padding-top:80mm}"
    "a{color:inherit;text-decoration:none}}</style>"
)


def _index_html(title: str, organization: str, sessions: list[_SessionEntries],
                has_plan: bool, cancelled: Sequence[CancelledSession],
                has_evaluations: bool = False, summary: Sequence[SummaryLine] = ()) -> str:
    """A self-contained page (no scripts, no external files): a cover, then every file."""
    lines = [
        "<!doctype html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>{_PRINT_STYLE}</head><body>",
        f'<div class="cover"><h1>{escape(title)}</h1>',
        f"<p>{escape(organization)}</p>",
        f"<p>共{len(sessions)}次学习</p>",
        f"<p>{escape(zh_date(now_utc()))}</p></div>",
    ]
    if summary:
        lines.append("<h2>全年学习情况（对照目标）</h2><table><thead><tr><th>指标</th>"
                     "<th>完成情况</th><th>目标</th><th>是否达标</th></tr></thead><tbody>")
        for line in summary:
            lines.append(f"<tr><td>{escape(line.name)}</td><td>{escape(line.value)}</td>"
                         f"<td>{escape(line.target)}</td><td>{escape(line.verdict)}</td></tr>")
        lines.append("</tbody></table>")
    lines.append("<h2>目录</h2>")
    lines.append("<h2>汇总表</h2><ul>")
    lines.append(f"<li>{_link(ATTENDANCE_NAME, '出勤登记表（Excel）')}</li>")
    lines.append(f"<li>{_link(TASKS_NAME, '后续任务清单（Excel）')}</li>")
    lines.append(f"<li>{_link(REFLECTION_LIST_NAME, '心得体会一览（Excel）')}</li>")
    if has_plan:
        lines.append(f"<li>{_link(PLAN_NAME, '年度学习计划及完成情况（Excel）')}</li>")
    if has_evaluations:
        lines.append(f"<li>{_link(EVALUATIONS_NAME, '列席督导评价（Excel）')}</li>")
    lines.append("</ul><h2>各次学习</h2>")
    if not sessions:
        lines.append("<p>本年度没有已发布的学习记录。</p>")
    for entries in sessions:
        report = entries.report
        figures = report.figures
        facts = [zh_date(report.starts_at), zh(report.kind)]
        if report.location:
            facts.append(report.location)
        if report.chair:
            facts.append(f"{ZH['chair']}：{report.chair}")
        lines.append(f"<h3>{escape(entries.folder)}</h3>")
        lines.append(f"<p>{escape('　'.join(facts))}</p>")
        if figures is not None:
            lines.append(
                f"<p>应到{figures.attendance_expected}人，实到{figures.attendance_present}人；"
                f"心得体会已通过{report.reflections_accepted}/{figures.reflections_required}篇；"
                f"后续任务已完成{figures.tasks_done}/{figures.tasks_total}项</p>"
            )
        lines.append("<ul>")
        for label, path in entries.files:
            lines.append(f"<li>{_link(f'{entries.folder}/{path}', label)}</li>")
        lines.append("</ul>")
    if cancelled:
        lines.append("<h2>已取消的学习</h2><ul>")
        for item in cancelled:
            reason = f"（取消原因：{item.reason}）" if item.reason else ""
            lines.append(f"<li>{escape(zh_date(item.starts_at))}　{escape(item.topic)}"
                         f"{escape(reason)}</li>")
        lines.append("</ul>")
    lines.append(f"<p><small>生成时间：{escape(zh_datetime(now_utc()))}</small></p>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"
