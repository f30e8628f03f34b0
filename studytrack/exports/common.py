"""What every writer shares: Chinese labels, local dates, clean text and safe file names.

The exported documents are official Chinese records, so their wording is Chinese whatever the
reader's UI language: enumeration values go through `labels.label` inside a forced "zh" locale
(one source of truth, the catalogue), the document's own headings are the fixed Chinese below.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

from flask_babel import force_locale

from studytrack import timeutil
from studytrack.labels import label

# The document's fixed wording (学习记录 layout). Not translatable on purpose.
ZH = {
    "record": "学习记录",
    "organization": "单位",  # as the pages name a unit
    "group": "学习组",
    "kind": "形式",
    "topic": "主题",
    "time": "时间",
    "location": "地点",
    "chair": "主持人",
    "recorder": "记录人",
    "materials": "学习材料",
    "attendance": "出勤情况",
    "talks": "发言情况",
    "minutes": "会议纪要",
    "tasks": "后续任务",
    "reflections": "心得体会",
    "none": "无",
    "name": "姓名",
    "position": "职务",
    "status": "状态",
    "leave_reason": "请假事由",
    "makeup": "补学",
    "makeup_on": "补学日期",
    "makeup_note": "补学情况",
    "task": "任务",
    "detail": "具体内容",
    "assignee": "责任人",
    "task_org": "责任单位",
    "due_on": "完成时限",
    "overdue": "已逾期",
    "completion_note": "完成情况",
    "date": "日期",
    "late": "逾期提交",
    "char_count": "字数",
    "submitted_at": "提交时间",
    "not_started": "未撰写",  # as the pages say it ("Not started")
    "not_marked": "未登记",
    "attachments": "附件",
}

# Characters XML 1.0 (Word, Excel) cannot hold: C0 controls except tab, newline and carriage
# return, plus surrogates and the two non-characters. Text is stored as written; only these go.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def zh(value: StrEnum | None) -> str:
    """The Chinese name of an enumeration value, whatever the current UI language."""
    with force_locale("zh"):
        return str(label(value))


def xml_text(value: object) -> str:
    """Text safe for an XML document (Word, Excel): illegal control characters removed."""
    if value is None:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


def local_date(value: date | datetime | None) -> date | None:
    """The local calendar date of a stored UTC datetime (a date stays as it is)."""
    if isinstance(value, datetime):
        return timeutil.local_date_of(value)
    return value


def zh_date(value: date | datetime | None) -> str:
    """2026年3月26日"""
    day = local_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def zh_datetime(value: datetime | None) -> str:
    """2026年3月26日 14:00, in the configured time zone."""
    local = timeutil.utc_to_local(value)
    return f"{zh_date(local.date())} {local:%H:%M}" if local else ""


def zh_time_span(starts_at: datetime, ends_at: datetime | None) -> str:
    """2026年3月26日 14:00—16:00 (the end date is repeated only when it differs)."""
    text = zh_datetime(starts_at)
    end = timeutil.utc_to_local(ends_at)
    if end is None:
        return text
    start = timeutil.utc_to_local(starts_at)
    if end.date() == start.date():
        return f"{text}—{end:%H:%M}"
    return f"{text}—{zh_datetime(ends_at)}"


def iso_date(value: date | datetime | None) -> str:
    day = local_date(value)
    return day.isoformat() if day else ""


# File names: no path separators, no control or format characters, no characters Windows
# refuses; Chinese stays (secure_filename would strip it).
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
_SPACES = re.compile(r"\s+")


def safe_filename_part(text: str, max_chars: int = 60) -> str:
    """A piece of a file name from user text such as a topic: one line, no separators."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(
        " " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"}
        else "" if unicodedata.category(ch) in {"Cf", "Cs", "Co", "Cn"}
        else ch
        for ch in text
    )
    text = _FILENAME_FORBIDDEN.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" .")
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip(" .") + "…"
    return text


def report_file_stem(starts_at: datetime, topic: str) -> str:
    """"2026-03-26 学习贯彻习近平总书记重要讲话精神": the local date, then the topic."""
    topic_part = safe_filename_part(topic) or "学习记录"
    return f"{iso_date(starts_at)} {topic_part}"
