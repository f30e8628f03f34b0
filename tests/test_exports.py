"""The writers (Word, Excel, PDF, archive) on hand-built report data: no database, no HTTP."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from flask import Flask
from flask_babel import force_locale
from pypdf import PdfReader

from studytrack.dashboard.figures import Figures
from studytrack.exports import archive, common, excel, pdf
from studytrack.exports import docx as docx_writer
from studytrack.models import (
    AttendanceStatus,
    MaterialKind,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    TalkKind,
    TaskStatus,
)
from studytrack.reports.report import (
    ReportAttachment,
    ReportAttendee,
    ReportMaterial,
    ReportReflection,
    ReportTalk,
    ReportTask,
    SessionReport,
)

TOPIC = "学习贯彻习近平总书记“2·23”重要讲话精神"
REFLECTION_BODY = "疫情防控是一场大考。\n\n要把学习成果转化为推动学校发展的实际行动。"


def make_report(**overrides: Any) -> SessionReport:
    fields: dict[str, Any] = dict(
        session_id=7,
        organization="上海中侨职业技术大学党委",
        group="校党委理论学习中心组",
        kind=SessionKind.COLLECTIVE,
        status=SessionStatus.PUBLISHED,
        topic=TOPIC,
        starts_at=datetime(2026, 3, 26, 6, 0, tzinfo=UTC),  # 14:00 in Shanghai
        ends_at=datetime(2026, 3, 26, 8, 0, tzinfo=UTC),
        location="518会议室",
        chair="平杰",
        recorder="王秘书",
        minutes="会议指出，要抓紧抓实抓细各项防控工作。\n\n会议强调，各基层党组织要深入贯彻落实。",
        reflection_due_on=date(2026, 4, 10),
        min_reflection_chars=800,
        materials=(
            ReportMaterial(
                1, MaterialKind.SPEECH,
                "在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的讲话",
                "习近平", date(2020, 2, 23), "人民出版社", None, None,
                (ReportAttachment(3, "讲话全文.pdf", "application/pdf", 1024),),
            ),
        ),
        attendees=(
            ReportAttendee("平杰", "党委书记", AttendanceStatus.PRESENT, None, None, None),
            ReportAttendee("陈晓斌", "校长", AttendanceStatus.ON_LEAVE, "出差", date(2026, 3, 30),
                           "自学讲话全文"),
            ReportAttendee("寇新建", None, AttendanceStatus.ABSENT, None, None, None),
            ReportAttendee("李列席", None, AttendanceStatus.OBSERVER, None, None, None),
        ),
        talks=(
            ReportTalk(TalkKind.CHAIR_ADDRESS, "平杰", "党委书记", "抓紧抓实抓细各项防控工作。"),
            ReportTalk(TalkKind.EXCHANGE, "管琰琰", "副校长", "结合分管工作交流。"),
        ),
        tasks=(
            ReportTask("制定开学疫情防控方案", "报党委审定", "管琰琰", "学生处", date(2026, 3, 31),
                       TaskStatus.IN_PROGRESS, True, None),
            ReportTask("已撤销的任务", None, None, None, None, TaskStatus.CANCELLED, False, None),
        ),
        reflections=(
            ReportReflection("平杰", "党委书记", ReflectionStatus.ACCEPTED, "凝心聚力 共克时艰",
                             REFLECTION_BODY, 1200, datetime(2026, 4, 1, 2, 0, tzinfo=UTC), False),
            ReportReflection("陈晓斌", "校长", ReflectionStatus.SUBMITTED, None, None, 900,
                             datetime(2026, 4, 12, 2, 0, tzinfo=UTC), True),
            ReportReflection("寇新建", None, None, None, None, 0, None, False),
        ),
        figures=Figures(
            attendance_expected=3, attendance_present=1, attendance_on_leave=1,
            attendance_absent=1, attendance_observers=1, attendance_made_up=1,
            reflections_required=3, reflections_submitted=2, reflections_on_time=1,
            reflections_late=1, tasks_total=1, tasks_done=0, tasks_overdue=1,
        ),
        reflections_accepted=1,
    )
    fields.update(overrides)
    return SessionReport(**fields)


def read_docx(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def all_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def east_asian_font(style: Any) -> str | None:
    rfonts = style.element.rPr.find(qn("w:rFonts"))
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


# --- Word -----------------------------------------------------------------------------------


def test_word_record_has_the_facts_table_and_every_section(app: Flask) -> None:
    document = read_docx(docx_writer.report_docx(make_report()))

    assert document.paragraphs[0].text == "学习记录"
    assert document.paragraphs[0].style.name == "Title"
    facts = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert facts == {
        "单位": "上海中侨职业技术大学党委",
        "学习组": "校党委理论学习中心组",
        "形式": "集体学习",
        "主题": TOPIC,
        "时间": "2026年3月26日 14:00—16:00",  # Asia/Shanghai, not UTC
        "地点": "518会议室",
        "主持人": "平杰",
        "记录人": "王秘书",
    }
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、学习材料", "二、出勤情况", "三、发言情况", "四、会议纪要",
                        "五、后续任务", "六、心得体会"]
    text = all_text(document)
    assert "《在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的讲话》" in text
    assert "附件：讲话全文.pdf" in text
    assert "出席（1人）：平杰" in text
    assert "请假（1人）：陈晓斌（请假事由：出差）" in text
    assert "缺席（1人）：寇新建" in text
    assert "列席（1人）：李列席" in text
    assert "陈晓斌：2026年3月30日补学，自学讲话全文" in text
    assert "应到3人，实到1人，出勤率33.3%。" in text
    assert "主持讲话：平杰（党委书记）" in text
    assert "交流发言：管琰琰（副校长）" in text
    minutes = [p for p in document.paragraphs if p.text.startswith("会议")]
    assert [p.text for p in minutes] == ["会议指出，要抓紧抓实抓细各项防控工作。",
                                          "会议强调，各基层党组织要深入贯彻落实。"]


def test_word_pages_carry_the_unit_and_their_numbers(app: Flask) -> None:
    """Header: the unit and the kind of document; footer: 第 X 页 共 Y 页 as Word fields."""
    document = read_docx(docx_writer.report_docx(make_report()))
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "上海中侨职业技术大学党委　学习记录"
    footer = section.footer.paragraphs[0]
    codes = [node.text.strip() for node in footer._p.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"]
    assert footer.text == "第 1 页 共 1 页"  # the fields' placeholders until Word counts
    kinds = [node.get(qn("w:fldCharType")) for node in footer._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2


def test_word_record_lists_tasks_and_reflections(app: Flask) -> None:
    document = read_docx(docx_writer.report_docx(make_report()))

    tasks = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert tasks[0] == ["序号", "任务", "责任人", "责任单位", "完成时限", "状态", "完成情况"]
    assert tasks[1] == ["1", "制定开学疫情防控方案\n报党委审定", "管琰琰", "学生处",
                        "2026年3月31日", "进行中（已逾期）", ""]
    assert len(tasks) == 2  # the cancelled task is left out

    reflections = [[c.text for c in row.cells] for row in document.tables[2].rows]
    assert reflections == [
        ["姓名", "状态", "字数", "提交时间"],
        ["平杰", "已通过", "1200", "2026年4月1日 10:00"],
        ["陈晓斌", "已提交（逾期提交）", "900", "2026年4月12日 10:00"],
        ["寇新建", "未撰写", "", ""],
    ]
    text = all_text(document)
    assert "应交3篇，已提交2篇，已通过1篇，逾期提交1篇。" in text
    heading = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert heading == ["平杰：凝心聚力 共克时艰"]
    assert "疫情防控是一场大考。" in text
    assert "要把学习成果转化为推动学校发展的实际行动。" in text


def test_word_record_uses_chinese_fonts_a4_and_chinese_labels_in_any_ui_language(
    app: Flask,
) -> None:
    with app.test_request_context("/"), force_locale("en"):
        document = read_docx(docx_writer.report_docx(make_report()))

    assert east_asian_font(document.styles["Normal"]) == "宋体"
    for name in ("Title", "Heading 1", "Heading 2"):
        assert east_asian_font(document.styles[name]) == "黑体"
        rfonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsiaTheme")) is None  # the theme font would win
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 2) == 3.7 and round(section.left_margin.cm, 2) == 2.8
    text = all_text(document)
    assert "集体学习" in text and "出席（1人）" in text  # not "Collective study", "Present"
    assert "Collective" not in text and "Present" not in text


def test_word_record_keeps_hostile_text_as_text(app: Flask) -> None:
    hostile = "<script>alert(1)</script> 😀 =HYPERLINK(\"x\")\x07\x00 末尾"
    report = make_report(minutes=hostile, topic="主题/../\x1b[31m", location=None, chair=None)
    document = read_docx(docx_writer.report_docx(report))

    text = all_text(document)
    assert "<script>alert(1)</script> 😀 =HYPERLINK(\"x\") 末尾" in text
    assert "\x07" not in text and "\x00" not in text


def test_word_record_of_an_empty_session_says_none(app: Flask) -> None:
    report = make_report(materials=(), attendees=(), talks=(), tasks=(), reflections=(),
                         minutes=None, figures=None, status=SessionStatus.DRAFT)
    document = read_docx(docx_writer.report_docx(report))

    assert document.paragraphs[0].text == "学习记录（草稿）"
    assert [p.text for p in document.paragraphs].count("无") == 4


def test_reflection_document(app: Flask) -> None:
    report = make_report()
    document = read_docx(docx_writer.reflection_docx(report, report.reflections[0]))

    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "凝心聚力 共克时艰"
    assert texts[1] == "平杰（党委书记）"
    assert texts[-2:] == ["疫情防控是一场大考。", "要把学习成果转化为推动学校发展的实际行动。"]
    assert east_asian_font(document.styles["Normal"]) == "宋体"


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(("topic", "expected"), [
    (TOPIC, f"2026-03-26 {TOPIC}"),
    ("a/b\\c:d*?\"<>|e", "2026-03-26 a b c d e"),
    ("第一行\n第二行\t\x00\u202e结束", "2026-03-26 第一行 第二行 结束"),
    ("../../etc/passwd", "2026-03-26 etc passwd"),
    ("   ", "2026-03-26 学习记录"),
    ("学" * 100, "2026-03-26 " + "学" * 59 + "…"),
])
def test_report_file_stem_is_safe_and_keeps_chinese(app: Flask, topic: str, expected: str) -> None:
    assert common.report_file_stem(datetime(2026, 3, 26, 6, 0, tzinfo=UTC), topic) == expected


def test_report_file_stem_uses_the_local_date(app: Flask) -> None:
    late_evening_utc = datetime(2026, 3, 26, 20, 0, tzinfo=UTC)  # 04:00 on the 27th in Shanghai
    assert common.report_file_stem(late_evening_utc, "主题") == "2026-03-27 主题"


# --- Excel ----------------------------------------------------------------------------------


def test_attendance_workbook_has_chinese_headers_and_date_cells(app: Flask) -> None:
    second = make_report(topic="=1+1 第二次学习", starts_at=datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
                         attendees=(ReportAttendee("平杰", None, None, None, None, None),))
    workbook = openpyxl.load_workbook(io.BytesIO(excel.attendance_xlsx([make_report(), second])))
    sheet = workbook.active

    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("日期", "主题", "形式", "姓名", "职务", "出勤情况", "请假事由", "补学日期",
                       "补学情况")
    assert len(rows) == 1 + 4 + 1
    assert rows[2] == (datetime(2026, 3, 26), TOPIC, "集体学习", "陈晓斌", "校长", "请假", "出差",
                       datetime(2026, 3, 30), "自学讲话全文")
    assert sheet["A2"].is_date and sheet["H3"].is_date
    assert rows[5][:6] == (datetime(2026, 5, 1), "=1+1 第二次学习", "集体学习", "平杰", None,
                           "未登记")
    assert sheet["B6"].data_type == "s"  # a topic starting with "=" is text, not a formula
    assert sheet.freeze_panes == "A2"


def test_task_workbook_lists_tasks_with_due_dates(app: Flask) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(excel.tasks_xlsx([make_report()])))
    rows = list(workbook.active.iter_rows(values_only=True))

    assert rows[0] == ("日期", "主题", "任务", "具体内容", "责任人", "责任单位", "完成时限", "状态",
                       "已逾期", "完成情况")
    assert rows[1] == (datetime(2026, 3, 26), TOPIC, "制定开学疫情防控方案", "报党委审定",
                       "管琰琰", "学生处", datetime(2026, 3, 31), "进行中", "是", None)
    assert len(rows) == 2  # cancelled tasks are left out
    assert workbook.active["G2"].is_date


# --- PDF ------------------------------------------------------------------------------------



def pdf_streams(data: bytes) -> bytes:
    """Every Flate stream of a PDF, decompressed and joined (fonts, their CMaps, pages)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def pdf_characters(data: bytes) -> set[str]:
    """The characters the PDF's fonts draw, from their ToUnicode maps (<glyph> <unicode>)."""
    streams = pdf_streams(data)
    return {chr(int(code, 16)) for code in re.findall(rb"<[0-9a-fA-F]+> <([0-9a-fA-F]{4})>",
                                                     streams)}


def test_pdf_embeds_a_cjk_font_and_draws_the_chinese_text(app: Flask) -> None:
    from studytrack.reports.documents import render_pdf

    with app.test_request_context("/"):
        data = render_pdf(make_report(topic="学习记录测试", reflections=(), materials=()))

    assert data.startswith(b"%PDF-")
    assert b"StudyTrack-Serif" in pdf_streams(data) and b"StudyTrack-Sans-Bold" in pdf_streams(data)
    assert set("学习记录测试校党委理论学习中心组出席请假平杰陈晓斌") <= pdf_characters(data)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "主题 学习记录测试" in text
    assert "请假（1人）：陈晓斌（请假事由：出差）" in text
    # a task's person and due date each on one line of its table
    assert "管琰琰" in text and "2026年3月31日" in text


def test_pdf_leaves_out_emoji_instead_of_printing_empty_boxes(app: Flask) -> None:
    """No font on the server draws 👍 or 🇨🇳: the PDF leaves them out (the Word file and the
    page keep them); the text around them, and the older symbols fonts have (★), stay."""
    from studytrack.reports.documents import render_pdf

    body = "学习👍🏻体会深刻🇨🇳，★重点：落实👨‍👩‍👧到位。"
    reflection = ReportReflection("平杰", "党委书记", ReflectionStatus.ACCEPTED, "体会✊🏽",
                                  body, 20, datetime(2026, 4, 1, 2, 0, tzinfo=UTC), False)
    with app.test_request_context("/"):
        data = render_pdf(make_report(reflections=(reflection,), materials=()))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "学习体会深刻，" in text and "重点：落实到位。" in text
    assert not set("👍🏻🇨🇳👨👩👧🏽\u200d\ufe0f") & pdf_characters(data)
    assert "👍🏻" in all_text(read_docx(docx_writer.report_docx(
        make_report(reflections=(reflection,)))))  # Word keeps them


def test_pdf_fetcher_reads_static_files_only(tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "print.css").write_text("body { color: black }", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    pytest.importorskip("weasyprint.urls")
    fetcher = pdf._static_fetcher(static, "http://localhost/", "/static/")

    response = fetcher.fetch("http://localhost/static/css/print.css")
    assert response.read() == b"body { color: black }"
    assert response.content_type == "text/css"
    response.close()
    with pytest.raises(ValueError, match="only static files"):
        fetcher.fetch("http://example.com/static/css/print.css")  # another host: no network
    with pytest.raises(ValueError, match="only static files"):
        fetcher.fetch("http://localhost/auth/login")
    with pytest.raises(FileNotFoundError):
        fetcher.fetch("http://localhost/static/../secret.txt")
    with pytest.raises(FileNotFoundError):
        fetcher.fetch("http://localhost/static/%2e%2e/secret.txt")


# --- the archive ----------------------------------------------------------------------------


def test_archive_has_chinese_entries_an_index_and_every_file(app: Flask, tmp_path: Path) -> None:
    first = make_report()
    second = make_report(
        session_id=8, topic="专题研讨：党的二十届四中全会精神", kind=SessionKind.SEMINAR,
        starts_at=datetime(2026, 6, 30, 7, 0, tzinfo=UTC),
        reflections=(
            ReportReflection("张三", None, ReflectionStatus.ACCEPTED, None, "第一篇。", 4, None,
                             False),
            ReportReflection("张三", None, ReflectionStatus.ACCEPTED, None, "同名的第二篇。", 7,
                             None, False),
            ReportReflection("李四", None, ReflectionStatus.RETURNED, None, None, 300, None,
                             False),
        ),
    )
    target = tmp_path / "archive.zip"
    with target.open("wb") as out:
        names = archive.write_archive(
            out, group="校党委理论学习中心组", organization="上海中侨职业技术大学党委",
            year=2026, reports=[first, second], pdf=lambda report: b"%PDF-1.7 fake",
        )

    root = "校党委理论学习中心组 2026年学习档案"
    one = f"{root}/01 2026-03-26 {TOPIC}"
    two = f"{root}/02 2026-06-30 专题研讨：党的二十届四中全会精神"  # full-width colon is fine
    expected = [
        f"{one}/学习记录.docx", f"{one}/学习记录.pdf", f"{one}/心得体会/平杰.docx",
        f"{two}/学习记录.docx", f"{two}/学习记录.pdf", f"{two}/心得体会/张三.docx",
        f"{two}/心得体会/张三（2）.docx",
        f"{root}/出勤登记表.xlsx", f"{root}/后续任务清单.xlsx", f"{root}/心得体会一览.xlsx",
        f"{root}/目录.html",
    ]
    assert names == expected
    with zipfile.ZipFile(target) as zipped:
        assert zipped.namelist() == expected
        assert all(info.flag_bits & 0x800 for info in zipped.infolist())  # UTF-8 names
        assert zipped.testzip() is None
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
        record = read_docx(zipped.read(f"{two}/学习记录.docx"))
        reflection = read_docx(zipped.read(f"{two}/心得体会/张三（2）.docx"))
        sheet = openpyxl.load_workbook(io.BytesIO(zipped.read(f"{root}/出勤登记表.xlsx"))).active

    assert "校党委理论学习中心组 2026年学习档案" in index and "共2次学习" in index
    assert "出勤登记表（Excel）" in index and "心得体会：张三" in index
    assert 'href="01%202026-03-26%20' in index  # links work once unpacked
    assert "专题研讨：党的二十届四中全会精神" in all_text(record)
    assert "同名的第二篇。" in all_text(reflection)
    assert sheet.max_row == 1 + 4 + 4


def test_archive_index_escapes_what_users_typed(app: Flask) -> None:
    hostile = make_report(topic="<b>粗体</b>", chair="<script>x</script>")
    buffer = io.BytesIO()
    names = archive.write_archive(buffer, group="学习组", organization="党委", year=2025,
                                  reports=[hostile], pdf=None)

    assert not [name for name in names if name.endswith(".pdf")]
    with zipfile.ZipFile(buffer) as zipped:
        index = zipped.read("学习组 2025年学习档案/目录.html").decode("utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index
    assert "<b>粗体</b>" not in index


def test_archive_of_a_year_without_sessions(app: Flask) -> None:
    buffer = io.BytesIO()
    names = archive.write_archive(buffer, group="学习组", organization="党委", year=2024,
                                  reports=[], pdf=None)
    assert [n.rsplit("/", 1)[1] for n in names] == ["出勤登记表.xlsx", "后续任务清单.xlsx",
                                                     "心得体会一览.xlsx", "目录.html"]
    with zipfile.ZipFile(buffer) as zipped:
        assert "本年度没有已发布的学习记录" in zipped.read(names[-1]).decode("utf-8")


def test_talk_title_and_positions_when_given(app: Flask) -> None:
    report = make_report(
        chair_position="党委书记",
        talks=(replace(make_report().talks[0], title="凝心聚力"),),
    )
    text = all_text(read_docx(docx_writer.report_docx(report)))
    assert "平杰（党委书记）" in text
    assert "主持讲话：平杰（党委书记）：凝心聚力" in text
