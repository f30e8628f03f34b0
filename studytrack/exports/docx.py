"""The session report as a Word document laid out as a study record (学习记录).

A4 with the margins of Chinese official documents, 宋体 for the body and 黑体 for headings set
as East Asian fonts (`w:rFonts/@w:eastAsia`: Word and WPS ignore the Latin font name for Han
characters), every label in Chinese. Pure functions: report data in, bytes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from studytrack.exports.common import (
    ZH,
    xml_text,
    zh,
    zh_date,
    zh_datetime,
    zh_time_span,
)
from studytrack.formatting import percent
from studytrack.models import AttendanceStatus, ReflectionStatus, SessionStatus, TaskStatus
from studytrack.reports.report import ReportReflection, SessionReport

BODY_FONT = "宋体"  # SimSun
HEADING_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(12)  # 小四
HEADING_SIZES = {0: Pt(22), 1: Pt(15), 2: Pt(13)}  # 二号, 小三 (≈15), 13

_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n+")


def report_docx(report: SessionReport) -> bytes:
    """The whole study record of one session as .docx bytes."""
    document = _new_document(f"{ZH['record']} {report.topic}")
    _header_and_footer(document, f"{report.organization}　{ZH['record']}")
    _title(document, ZH["record"] + ("（草稿）" if report.status == SessionStatus.DRAFT else ""))
    _facts(document, report)

    _heading(document, f"一、{ZH['materials']}")
    _materials(document, report)

    _heading(document, f"二、{ZH['attendance']}")
    _attendance(document, report)

    _heading(document, f"三、{ZH['talks']}")
    _talks(document, report)

    _heading(document, f"四、{ZH['minutes']}")
    _text_block(document, report.minutes)

    _heading(document, f"五、{ZH['tasks']}")
    _tasks(document, report)

    _heading(document, f"六、{ZH['reflections']}")
    _reflections(document, report)
    return _to_bytes(document)


def reflection_docx(report: SessionReport, reflection: ReportReflection) -> bytes:
    """One accepted reflection as its own document (for the yearly archive)."""
    document = _new_document(f"{ZH['reflections']} {reflection.author}")
    _header_and_footer(document, f"{report.organization}　{ZH['reflections']}")
    _title(document, xml_text(reflection.title) or ZH["reflections"])
    byline = reflection.author + (f"（{reflection.position}）" if reflection.position else "")
    _paragraph(document, byline, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(
        document,
        f"{report.group}　{zh_date(report.starts_at)}　{ZH['topic']}：{report.topic}",
        align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(10.5),
    )
    _text_block(document, reflection.body, empty="")
    return _to_bytes(document)


# --- the sections ---------------------------------------------------------------------------


def _facts(document: Any, report: SessionReport) -> None:
    rows = [
        (ZH["organization"], report.organization),
        (ZH["group"], report.group),
        (ZH["kind"], zh(report.kind)),
        (ZH["topic"], report.topic),
        (ZH["time"], zh_time_span(report.starts_at, report.ends_at)),
        (ZH["location"], report.location or ""),
        (ZH["chair"], _with_position(report.chair, report.chair_position)),
        (ZH["recorder"], _with_position(report.recorder, report.recorder_position)),
    ]
    table = _table(document, None, rows, widths=(Cm(3), Cm(12.6)))
    for row in table.rows:
        _bold(row.cells[0])
        row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _materials(document: Any, report: SessionReport) -> None:
    if not report.materials:
        _paragraph(document, ZH["none"])
        return
    for number, material in enumerate(report.materials, 1):
        details = [zh(material.kind)]
        if material.speaker:
            details.append(material.speaker)
        if material.issued_on:
            details.append(zh_date(material.issued_on))
        if material.source:
            details.append(material.source)
        _paragraph(document, f"{number}. 《{material.title}》（{'，'.join(details)}）")
        if material.summary:
            _paragraph(document, material.summary, indent=True, size=Pt(10.5))
        if material.attachments:
            names = "、".join(a.original_name for a in material.attachments)
            _paragraph(document, f"{ZH['attachments']}：{names}", indent=True, size=Pt(10.5))


def _attendance(document: Any, report: SessionReport) -> None:
    by_status: dict[AttendanceStatus | None, list[Any]] = {}
    for attendee in report.attendees:
        by_status.setdefault(attendee.status, []).append(attendee)
    figures = report.figures
    if figures is not None:
        rate = (
            f"，出勤率{percent(figures.attendance_rate)}"
            if figures.attendance_rate is not None else ""
        )
        _paragraph(
            document,
            f"应到{figures.attendance_expected}人，实到{figures.attendance_present}人{rate}。",
        )

    def names(status: AttendanceStatus | None, with_reason: bool = False) -> str:
        people = by_status.get(status, [])
        if not people:
            return ZH["none"]
        parts = []
        for person in people:
            text = person.name
            if with_reason and person.leave_reason:
                text += f"（{ZH['leave_reason']}：{person.leave_reason}）"
            parts.append(text)
        return "、".join(parts)

    for status in (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT,
                   AttendanceStatus.OBSERVER):
        count = len(by_status.get(status, []))
        _labelled(document, f"{zh(status)}（{count}人）",
                  names(status, with_reason=status == AttendanceStatus.ON_LEAVE))
    if by_status.get(None):
        _labelled(document, f"{ZH['not_marked']}（{len(by_status[None])}人）", names(None))

    made_up = [a for a in report.attendees if a.makeup_on is not None]
    if made_up:
        _labelled(document, ZH["makeup"], "")
        for person in made_up:
            note = f"，{person.makeup_note}" if person.makeup_note else ""
            _paragraph(document, f"{person.name}：{zh_date(person.makeup_on)}补学{note}",
                       indent=True)


def _talks(document: Any, report: SessionReport) -> None:
    if not report.talks:
        _paragraph(document, ZH["none"])
        return
    for talk in report.talks:
        speaker = _with_position(talk.speaker, talk.position)
        if talk.title:
            speaker += f"：{talk.title}"
        _labelled(document, zh(talk.kind), speaker)
        _text_block(document, talk.summary, empty="")


def _tasks(document: Any, report: SessionReport) -> None:
    tasks = [t for t in report.tasks if t.status != TaskStatus.CANCELLED]
    if not tasks:
        _paragraph(document, ZH["none"])
        return
    header = ("序号", ZH["task"], ZH["assignee"], ZH["task_org"], ZH["due_on"], ZH["status"],
              ZH["completion_note"])
    rows = []
    for number, task in enumerate(tasks, 1):
        title = task.title + (f"\n{task.detail}" if task.detail else "")
        status = zh(task.status) + (f"（{ZH['overdue']}）" if task.is_overdue else "")
        rows.append((str(number), title, task.assignee or "", task.organization or "",
                     zh_date(task.due_on), status, task.completion_note or ""))
    _table(document, header, rows, size=Pt(10.5),
           widths=(Cm(1.1), Cm(5), Cm(1.9), Cm(2.2), Cm(2.4), Cm(1.6), Cm(1.4)))


def _reflections(document: Any, report: SessionReport) -> None:
    figures = report.figures
    if figures is not None:
        _paragraph(
            document,
            f"应交{figures.reflections_required}篇，已提交{figures.reflections_submitted}篇，"
            f"已通过{report.reflections_accepted}篇，逾期提交{figures.reflections_late}篇。",
        )
    if report.reflections:
        header = (ZH["name"], ZH["status"], ZH["char_count"], ZH["submitted_at"])
        rows = []
        for reflection in report.reflections:
            status = zh(reflection.status) if reflection.status else ZH["not_started"]
            if reflection.is_late:
                status += f"（{ZH['late']}）"
            rows.append((reflection.author, status,
                         str(reflection.char_count) if reflection.status else "",
                         zh_datetime(reflection.submitted_at)))
        _table(document, header, rows, size=Pt(10.5),
               widths=(Cm(3.5), Cm(4.5), Cm(2.5), Cm(5.1)))
    for reflection in report.reflections:
        if reflection.status != ReflectionStatus.ACCEPTED or not reflection.body:
            continue
        title = reflection.author
        if reflection.title:
            title += f"：{reflection.title}"
        _heading(document, title, level=2)
        _text_block(document, reflection.body, empty="")


# --- building blocks ------------------------------------------------------------------------


def _with_position(name: str | None, position: str | None) -> str:
    if not name:
        return ""
    return f"{name}（{position}）" if position else name


def _new_document(title: str) -> Any:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    # GB/T 9704 (party and government documents): 37 mm top, 28 mm left, 26 mm right.
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    styles = document.styles
    normal = styles["Normal"]
    _set_fonts(normal, LATIN_FONT, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    _set_language(normal)
    for level, name in ((0, "Title"), (1, "Heading 1"), (2, "Heading 2")):
        style = styles[name]
        _set_fonts(style, HEADING_FONT, HEADING_FONT)
        style.font.size = HEADING_SIZES[level]
        style.font.bold = level != 0
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if level else 0)
        style.paragraph_format.space_after = Pt(6)
        _remove_border(style)
    core = document.core_properties
    core.title = xml_text(title)[:255]
    core.language = "zh-CN"
    core.author = ""
    return document


def _header_and_footer(document: Any, header: str) -> None:
    """The unit and the kind of document at the top of every page; 第 X 页 共 Y 页 at the
    bottom (Word's PAGE and NUMPAGES fields, filled in when the document is shown)."""
    section = document.sections[0]
    top = section.header.paragraphs[0]
    top.alignment = WD_ALIGN_PARAGRAPH.CENTER
    top.add_run(xml_text(header)).font.size = Pt(9)
    bottom = section.footer.paragraphs[0]
    bottom.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"):
        if part.isupper():
            _field(bottom, part)
        else:
            bottom.add_run(part).font.size = Pt(9)


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in its own runs: begin, the code, separate, "1", end."""
    def run_with(element: Any) -> None:
        run = paragraph.add_run()
        run.font.size = Pt(9)
        run._r.append(element)

    for kind in ("begin", "code", "separate", "result", "end"):
        if kind == "code":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        elif kind == "result":
            element = OxmlElement("w:t")
            element.text = "1"
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run_with(element)


def _set_fonts(style: Any, latin: str, east_asian: str) -> None:
    """Latin and East Asian fonts of a style, replacing the template's theme fonts."""
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attribute), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), latin)


def _set_language(style: Any) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _remove_border(style: Any) -> None:
    ppr = style.element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _title(document: Any, text: str) -> None:
    heading = document.add_heading(xml_text(text), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _heading(document: Any, text: str, level: int = 1) -> None:
    document.add_heading(xml_text(text), level=level)


def _paragraph(
    container: Any, text: str, *, indent: bool = False, align: Any = None, size: Any = None,
    bold: bool = False,
) -> Any:
    paragraph = container.add_paragraph()
    run = paragraph.add_run(xml_text(text))
    run.bold = bold or None
    if size is not None:
        run.font.size = size
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _labelled(document: Any, label: str, text: str) -> None:
    """"出席（5人）：张三、李四" with the label in bold."""
    paragraph = document.add_paragraph()
    paragraph.add_run(xml_text(f"{label}：")).bold = True
    if text:
        paragraph.add_run(xml_text(text))


def _text_block(document: Any, text: str | None, empty: str = ZH["none"]) -> None:
    """Plain text with blank lines between paragraphs, each indented by two characters."""
    blocks = _blocks(text)
    if not blocks and empty:
        _paragraph(document, empty)
    for block in blocks:
        _paragraph(document, block, indent=True)


def _blocks(text: str | None) -> list[str]:
    if not text:
        return []
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return [block.strip("\n") for block in _BLANK_LINES.split(normalized) if block.strip()]


def _table(
    document: Any, header: Iterable[str] | None, rows: Iterable[Iterable[str]], *,
    size: Any = None, widths: tuple[Any, ...] = (),
) -> Any:
    body = [tuple(row) for row in rows]
    head = tuple(header) if header is not None else None
    columns = len(head) if head is not None else len(body[0])
    table = document.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if head is not None:
        cells = table.add_row().cells
        for cell, text in zip(cells, head, strict=True):
            _cell_text(cell, text, size=size, bold=True)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _repeat_header(table.rows[0])
    for row in body:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _cell_text(cell, text, size=size)
    for index, width in enumerate(widths):
        for cell in table.columns[index].cells:
            cell.width = width
    document.add_paragraph()  # breathing space after the table
    return table


def _cell_text(cell: Any, text: str, *, size: Any = None, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(xml_text(text))
    run.bold = bold or None
    if size is not None:
        run.font.size = size


def _bold(cell: Any) -> None:
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.bold = True


def _repeat_header(row: Any) -> None:
    """The header row repeats on every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _to_bytes(document: Any) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
