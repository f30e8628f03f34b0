"""exports.tables: sheets of rows to an .xlsx, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote

import openpyxl
from flask import Flask

from studytrack.exports.tables import Percent, Sheet, send_workbook, sheet_title, workbook


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_one_sheet_per_table_with_bold_chinese_headers(app: Flask) -> None:
    book = load(workbook([
        Sheet("汇总", ["指标", "数值"], [("学习次数", 12)], widths=[20, 10]),
        Sheet("各单位", ["单位", "出勤率"], [("机关党委", 0.9), ("学院党委", None)],
              percent_columns={1}),
    ]))

    assert book.sheetnames == ["汇总", "各单位"]
    first, second = book["汇总"], book["各单位"]
    assert [c.value for c in first[1]] == ["指标", "数值"]
    assert first["A1"].font.bold and first["B1"].font.bold
    assert first.column_dimensions["A"].width == 20
    assert first.freeze_panes == "A2"
    assert list(second.iter_rows(values_only=True)) == [
        ("单位", "出勤率"), ("机关党委", 0.9), ("学院党委", None),
    ]
    assert second["B2"].number_format == "0.0%"
    assert second.auto_filter.ref == "A1:B3"


def test_dates_are_dates_and_aware_datetimes_local(app: Flask) -> None:
    book = load(workbook([Sheet("日期", ["日期", "时间"], [
        (date(2026, 3, 26), datetime(2026, 3, 26, 16, 30, tzinfo=UTC)),  # 00:30 next day local
    ])]))
    sheet = book.active

    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["A2"].value == datetime(2026, 3, 26)
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 3, 27, 0, 30)


def test_percent_wrapper_numbers_and_booleans(app: Flask) -> None:
    sheet = load(workbook([Sheet("x", ["a", "b", "c", "d"], [
        (Percent(0.25), 0.25, Decimal("3.5"), True),
    ])])).active

    assert sheet["A2"].value == 0.25 and sheet["A2"].number_format == "0.0%"
    assert sheet["B2"].number_format == "General"  # not in percent_columns
    assert sheet["C2"].value == 3.5
    assert sheet["D2"].value == "是"


def test_user_text_never_becomes_a_formula(app: Flask) -> None:
    hostile = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "正常\x07文本"]
    sheet = load(workbook([Sheet("x", ["文本"], [(text,) for text in hostile])])).active

    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "正常文本"]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 7))


def test_sheet_titles_are_sanitised_and_unique(app: Flask) -> None:
    assert sheet_title("a[b]:c*d?e/f\\g") == "a b  c d e f g"
    assert sheet_title("'引号'") == "引号"
    assert sheet_title("") == "Sheet"
    long = "很长的单位名称" * 6
    assert sheet_title(long) == long[:31]
    book = load(workbook([Sheet(long, ["a"], []), Sheet(long, ["a"], []), Sheet("x/y", [], [])]))
    assert book.sheetnames == [long[:31], long[:27] + " (2)", "x y"]
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_an_empty_workbook_still_opens(app: Flask) -> None:
    assert load(workbook([])).sheetnames == ["Sheet"]


def test_send_workbook_keeps_the_chinese_name(app: Flask) -> None:
    data = workbook([Sheet("x", ["a"], [(1,)])])
    with app.test_request_context():
        response = send_workbook(data, "2026年 学习情况")
        response.direct_passthrough = False
        assert response.get_data() == data
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=UTF-8''{quote('2026年 学习情况.xlsx')}" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
