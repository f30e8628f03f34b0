"""The news-release draft (新闻稿) of a session, written from its record.

It follows the manner of a university news report of a study-group meeting (see
shared/examples/): a title line, then "3月26日下午，……在518会议室召开……。会议集体学习了……。
会议由……同志主持。", the keynote and exchange talks ("作重点发言" / "作交流发言"), the chair's
closing remarks taken from the chair's address, and the line of who took part ("……同志参加学习").

It is a draft for the study secretary to copy and edit, so it is plain text in Chinese whatever
the interface language, and it states only what the record holds. Pure function: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from studytrack import timeutil
from studytrack.models import AttendanceStatus, MaterialKind, SessionKind, TalkKind
from studytrack.reports.report import ReportMaterial, ReportTalk, SessionReport

MEETING = {
    SessionKind.COLLECTIVE: "召开集体学习会议",
    SessionKind.SEMINAR: "召开专题研讨会",
    SessionKind.LECTURE: "举办专题辅导报告会",
    SessionKind.READING_RETREAT: "举办读书班",
    SessionKind.OTHER: "召开学习会议",
}

# Verbs a summary of points usually starts with ("指出……", "强调……").
LEADING_VERBS = ("指出", "强调", "要求", "表示", "认为", "希望", "号召", "提出", "谈到")
SENTENCE_END = "。！？…”』」）)"
PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n+")


def news_release(report: SessionReport) -> str:
    """The draft as plain text: paragraphs separated by blank lines, title first."""
    paragraphs = [report.topic.strip(), _opening(report)]
    paragraphs += _talk_paragraphs(report)
    paragraphs += _closing_remarks(report)
    attendance = _attendance_line(report)
    if attendance:
        paragraphs.append(attendance)
    return "\n\n".join(p for p in paragraphs if p) + "\n"


# --- the opening paragraph ----------------------------------------------------------------


def chinese_date(report: SessionReport) -> str:
    """"3月26日下午": the local date of the session and the part of the day it began in."""
    local = timeutil.utc_to_local(report.starts_at)
    assert local is not None
    return f"{local.month}月{local.day}日{_part_of_day(local.hour)}"


def _part_of_day(hour: int) -> str:
    if hour < 5:
        return "凌晨"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"


PARTY_UNITS = ("党委", "党总支", "党支部", "党工委", "党组")


def group_name(organization: str, group: str) -> str:
    """The group named with its unit, once.

    "学院党委" + "学院党委理论学习中心组" stays as it is; "中侨职业技术大学党委" +
    "校党委理论学习中心组" (a short form of the unit) becomes "中侨职业技术大学党委理论学习
    中心组"; "计算机学院党委" + "中心组" becomes "计算机学院党委中心组".
    """
    if not organization or organization in group:
        return group
    for unit in PARTY_UNITS:
        if organization.endswith(unit) and unit in group:
            return organization + group.split(unit, 1)[1]
    return f"{organization}{group}"


def _who(report: SessionReport) -> str:
    return group_name(report.organization, report.group)


def _opening(report: SessionReport) -> str:
    place = f"在{report.location.strip()}" if report.location and report.location.strip() else ""
    sentences = [f"{chinese_date(report)}，{_who(report)}{place}{MEETING[report.kind]}。"]
    if report.materials:
        sentences.append(f"会议集体学习了{_join(_material(m) for m in report.materials)}。")
    else:
        sentences.append(f"会议围绕“{report.topic.strip()}”进行了学习交流。")
    if report.chair:
        sentences.append(f"会议由{report.chair_position or ''}{report.chair}同志主持。")
    return "".join(sentences)


def _material(material: ReportMaterial) -> str:
    title = material.title.strip()
    if material.kind == MaterialKind.SPEECH:
        return title if title.endswith("精神") else f"{title}精神"
    if material.kind in (MaterialKind.DOCUMENT, MaterialKind.ARTICLE, MaterialKind.BOOK):
        return title if title.startswith("《") else f"《{title}》"
    return title


# --- the talks ----------------------------------------------------------------------------


def _talk_paragraphs(report: SessionReport) -> list[str]:
    """Keynotes one paragraph each, with their points; exchange talks together in one line."""
    paragraphs: list[str] = []
    keynote_verb = "作专题辅导报告" if report.kind == SessionKind.LECTURE else "作重点发言"
    for talk in report.talks:
        if talk.kind == TalkKind.KEYNOTE:
            points = _points(talk.summary)
            paragraphs.append(
                f"{_speaker(talk)}{keynote_verb}，{points}" if points
                else f"{_speaker(talk)}{keynote_verb}。"
            )
    exchanges = [talk for talk in report.talks if talk.kind == TalkKind.EXCHANGE]
    if exchanges:
        names = _people([_speaker(talk) for talk in exchanges])
        verb = "分别作交流发言" if len(exchanges) > 1 else "作交流发言"
        paragraphs.append(f"{names}{verb}。")
    return paragraphs


def _closing_remarks(report: SessionReport) -> list[str]:
    """The chair's address, told as the closing remarks: "最后，……同志作总结讲话，指出……"."""
    paragraphs: list[str] = []
    for talk in report.talks:
        if talk.kind != TalkKind.CHAIR_ADDRESS:
            continue
        blocks = _blocks(talk.summary)
        if not blocks:
            paragraphs.append(f"最后，{_speaker(talk)}同志作总结讲话。")
            continue
        first, *rest = blocks
        paragraphs.append(f"最后，{_speaker(talk)}同志作总结讲话，{_with_verb(first, '指出')}")
        paragraphs += [f"{talk.speaker}同志{_with_verb(block, '强调', comma=True)}"
                       if block.startswith(LEADING_VERBS) else _sentence(block)
                       for block in rest]
    return paragraphs


def _speaker(talk: ReportTalk) -> str:
    return f"{(talk.position or '').strip()}{talk.speaker}"


def _with_verb(block: str, default: str, comma: bool = False) -> str:
    """"指出……" stays; text without a leading verb gets `default`. With comma=True a comma
    follows the verb ("强调，各基层党组织要……")."""
    verb = next((v for v in LEADING_VERBS if block.startswith(v)), None)
    rest = block[len(verb):] if verb else block
    rest = rest.lstrip("，,：: ")
    verb = verb or default
    return _sentence(f"{verb}，{rest}" if comma else f"{verb}{rest}")


def _points(summary: str | None) -> str:
    return "".join(_sentence(block) for block in _blocks(summary))


def _blocks(text: str | None) -> list[str]:
    if not text:
        return []
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return [" ".join(line.strip() for line in block.split("\n") if line.strip())
            for block in PARAGRAPH_BREAK.split(normalized) if block.strip()]


def _sentence(text: str) -> str:
    text = text.strip().rstrip("，,；;：:")
    return text if not text or text.endswith(tuple(SENTENCE_END)) else f"{text}。"


# --- who took part ------------------------------------------------------------------------


def _attendance_line(report: SessionReport) -> str:
    present = [a.name for a in report.attendees if a.status == AttendanceStatus.PRESENT]
    observers = [a.name for a in report.attendees if a.status == AttendanceStatus.OBSERVER]
    parts = []
    if present:
        parts.append(f"{report.group}成员{'、'.join(present)}同志参加学习")
    if observers:
        parts.append(f"{'、'.join(observers)}同志列席会议")
    return "；".join(parts) + "。" if parts else ""


# --- lists ----------------------------------------------------------------------------------


def _join(items: Iterable[str]) -> str:
    """"甲、乙和丙"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{'、'.join(items[:-1])}和{items[-1]}"


def _people(names: Sequence[str]) -> str:
    """People with their positions, "、" between them; "，" when a position holds a "、" itself
    ("党委副书记、副校长管琰琰，副校长张瑜")."""
    separator = "，" if any("、" in name for name in names) else "、"
    return separator.join(names)
