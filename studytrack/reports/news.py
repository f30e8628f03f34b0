"""The news-release draft (新闻稿) of a session, written from its record.

It follows the manner of a university news report of a study-group meeting (see
shared/examples/):

- the title (the topic);
- the opening: "3月26日下午，……在518会议室召开集体学习会议。会议集体学习了习近平总书记
  “2·23”“3·4”重要讲话精神。会议由党委书记平杰同志主持，……成员……同志参加学习。" — speeches
  named as the press names them, by their short names (Material.short_name) where they have one;
- the talks in the order they were given (Talk.position): the chair's address ("平杰同志讲话，
  指出……"; "最后，……作总结讲话" only when it closed the session), keynotes ("……作重点发言，……")
  and exchange talks ("……分别作交流发言。"), each sentence of a summary that starts with what its
  speaker did given the speaker as subject ("陈晓斌指出，……", "寇新建结合……");
- the closing: what the minutes record after 会议要求 / 会议强调, and the tasks deployed.

A first mention of a person gives the position with the name; later ones the name alone, as the
press does. It is a draft for the study secretary to edit and mark final, so it is plain text in
Chinese whatever the interface language, and it states only what the record holds. Pure
functions of the report: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import groupby, takewhile

from studytrack import timeutil
from studytrack.models import (
    AttendanceStatus,
    MaterialKind,
    SessionKind,
    TalkKind,
    TaskStatus,
)
from studytrack.reports.report import ReportMaterial, ReportTalk, SessionReport
from studytrack.reports.sentences import ENDS, blocks, full_stop, sentences

MEETING = {
    SessionKind.COLLECTIVE: "召开集体学习会议",
    SessionKind.SEMINAR: "召开专题研讨会",
    SessionKind.LECTURE: "举办专题辅导报告会",
    SessionKind.READING_RETREAT: "举办读书班",
    SessionKind.OTHER: "召开学习会议",
}

# What a summary's sentence starts with when its speaker is the one acting ("指出……",
# "结合……"): such a sentence is given its speaker as subject. Verbs of saying take a comma
# after them then ("平杰强调，各基层党组织……"); the others go on as written ("寇新建结合……").
SAYING_VERBS = ("指出", "强调", "要求", "表示", "认为", "希望", "号召", "谈到")
ACTING_VERBS = (
    "提出", "介绍", "分析", "回顾", "传达", "领学", "阐述", "解读", "汇报", "交流", "谈了",
    "结合", "围绕", "针对", "联系", "从",
)
# Starts that look like one of them but are the content of what was said ("从严治党……").
NOT_ACTING = ("从严", "从而", "从来", "从未")
# A sentence may begin with a connective before the verb: "同时，结合……" → "同时，陈晓斌结合……".
CONNECTIVE = re.compile(r"(?:同时|此外|另外|随后|其次|首先|最后|会上)[，,]\s*")
LEAD_PUNCTUATION = "，,：: "

# How the press names a speaker whose record holds only the name.
SPEAKER_TITLES = {"习近平": "习近平总书记"}
# A short name's quoted date and what follows it: “2·23”重要讲话 → (“2·23”, 重要讲话).
QUOTED_SHORT_NAME = re.compile(r"((?:“[^“”]+”)+)(.*)")
SPEECH = "重要讲话"

# Where the minutes record what the meeting asked for; the closing paragraph starts there.
REQUIREMENT_HEADS = ("会议要求", "会议强调", "会议号召", "会议提出", "会议部署")
# The numbered items that may follow such a heading as paragraphs of their own.
NUMERALS = "一二三四五六七八九十"
ENUMERATED = re.compile(rf"[{NUMERALS}]+是|[{NUMERALS}]+、|（[{NUMERALS}\d]+）|\d+[.、．]")


def news_release(report: SessionReport) -> str:
    """The draft as plain text: paragraphs separated by blank lines, title first."""
    paragraphs = [report.topic.strip(), _opening(report), *_talk_paragraphs(report),
                  _closing(report)]
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


def _opening(report: SessionReport) -> str:
    place = f"在{report.location.strip()}" if report.location and report.location.strip() else ""
    who = group_name(report.organization, report.group)
    parts = [f"{chinese_date(report)}，{who}{place}{MEETING[report.kind]}。"]
    studied = studied_materials(report.materials)
    if studied:
        parts.append(f"会议集体学习了{_join(studied)}。")
    else:
        parts.append(f"会议围绕“{report.topic.strip()}”进行了学习交流。")
    attendance = _attendance(report)
    if report.chair:
        chaired = f"会议由{report.chair_position or ''}{report.chair}同志主持"
        parts.append(f"{chaired}，{attendance}。" if attendance else f"{chaired}。")
    elif attendance:
        parts.append(f"{attendance}。")
    return "".join(parts)


def _attendance(report: SessionReport) -> str:
    """"……成员甲、乙同志参加学习；丙同志列席会议" (no end: the opening ends it)."""
    present = [a.name for a in report.attendees if a.status == AttendanceStatus.PRESENT]
    observers = [a.name for a in report.attendees if a.status == AttendanceStatus.OBSERVER]
    parts = []
    if present:
        parts.append(f"{report.group}成员{'、'.join(present)}同志参加学习")
    if observers:
        parts.append(f"{'、'.join(observers)}同志列席会议")
    return "；".join(parts)


# --- the materials, as the press names them --------------------------------------------------


def studied_materials(materials: Sequence[ReportMaterial]) -> list[str]:
    """Each material named once, in order; the speeches of one speaker that have a short name
    together, where the first of them stands ("习近平总书记“2·23”“3·4”重要讲话精神")."""
    items: list[str | list[ReportMaterial]] = []
    by_speaker: dict[str, list[ReportMaterial]] = {}
    for material in materials:
        if material.kind == MaterialKind.SPEECH and (material.short_name or "").strip():
            speaker = (material.speaker or "").strip()
            if speaker not in by_speaker:
                by_speaker[speaker] = []
                items.append(by_speaker[speaker])
            by_speaker[speaker].append(material)
        else:
            items.append(_material(material))
    return [item if isinstance(item, str) else _speeches(item) for item in items]


def _speeches(speeches: Sequence[ReportMaterial]) -> str:
    """One speaker's speeches by their short names, the dates side by side where what follows
    them is the same: “2·23”重要讲话 + “3·4”重要讲话 → 习近平总书记“2·23”“3·4”重要讲话精神."""
    runs: list[tuple[str, str]] = []  # (the quoted dates, what follows them)
    for speech in speeches:
        name = (speech.short_name or "").strip().removesuffix("精神")
        match = QUOTED_SHORT_NAME.fullmatch(name)
        quoted, rest = (match.group(1), match.group(2) or SPEECH) if match else ("", name)
        if runs and quoted and runs[-1][0] and runs[-1][1] == rest:
            runs[-1] = (runs[-1][0] + quoted, rest)
        else:
            runs.append((quoted, rest))
    named = "和".join(quoted + rest for quoted, rest in runs)
    return f"{_by_speaker(speeches[0].speaker, named)}精神"


def _by_speaker(speaker: str | None, named: str) -> str:
    """`named` preceded by its speaker as the press calls them, unless it names them itself."""
    speaker = (speaker or "").strip()
    if not speaker or speaker in named:
        return named
    return SPEAKER_TITLES.get(speaker, speaker) + named


def _material(material: ReportMaterial) -> str:
    title = (material.short_name or "").strip() or material.title.strip()
    if material.kind == MaterialKind.SPEECH:
        title = _by_speaker(material.speaker, title)
        return title if title.endswith("精神") else f"{title}精神"
    if material.kind in (MaterialKind.DOCUMENT, MaterialKind.ARTICLE, MaterialKind.BOOK):
        return title if title.startswith("《") else f"《{title}》"
    return title


# --- the talks ----------------------------------------------------------------------------


def _talk_paragraphs(report: SessionReport) -> list[str]:
    """The talks in their recorded order: the chair's address and each keynote a paragraph
    (or more, as their summaries have), exchange talks given one after another together."""
    paragraphs: list[str] = []
    talks = report.talks
    exchange = -1  # the key of a run of exchange talks; any other talk is keyed by its index
    runs = groupby(enumerate(talks),
                   key=lambda item: exchange if item[1].kind == TalkKind.EXCHANGE else item[0])
    for key, run in runs:
        indexed = list(run)
        first, talk = indexed[0]
        known = _named_before(report, first)
        if key == exchange:
            paragraphs.append(_exchanges([t for _, t in indexed], known))
        elif talk.kind == TalkKind.CHAIR_ADDRESS:
            closing = first == len(talks) - 1 and first > 0
            who = f"{_named(talk, known)}同志"
            intro = f"最后，{who}作总结讲话" if closing else f"{who}讲话"
            paragraphs += _talk(talk, intro, "指出")
        else:
            verb = "作专题辅导报告" if report.kind == SessionKind.LECTURE else "作重点发言"
            paragraphs += _talk(talk, f"{_named(talk, known)}{verb}", "指出")
    return paragraphs


def _named_before(report: SessionReport, index: int) -> frozenset[str]:
    """Who the draft has named before the talk at `index`: the chair, and earlier speakers."""
    named = {talk.speaker for talk in report.talks[:index]}
    if report.chair:
        named.add(report.chair)
    return frozenset(named)


def _named(talk: ReportTalk, known: frozenset[str]) -> str:
    """The speaker with their position the first time, by name alone afterwards."""
    if talk.speaker in known:
        return talk.speaker
    return f"{(talk.position or '').strip()}{talk.speaker}"


def _talk(talk: ReportTalk, intro: str, verb: str) -> list[str]:
    """A talk's paragraphs: the first led by `intro` ("陈晓斌作重点发言，结合……"; `verb` put
    before a summary that does not start with what the speaker did), the others with the
    speaker as subject where they need one."""
    paragraphs = blocks(talk.summary)
    if not paragraphs:
        return [f"{intro}。"]
    head, *tail = sentences(paragraphs[0])
    if _acting_verb(head) is None and not CONNECTIVE.match(head):
        head = verb + head
    first = "".join(full_stop(s) for s in [head, *(_subject(s, talk.speaker) for s in tail)])
    return [f"{intro}，{first}", *(_with_subject(p, talk.speaker) for p in paragraphs[1:])]


def _exchanges(talks: Sequence[ReportTalk], known: frozenset[str]) -> str:
    """"甲、乙分别作交流发言。甲结合……。乙表示，……。" — one paragraph for a run of them."""
    if len(talks) == 1:
        return "".join(_talk(talks[0], f"{_named(talks[0], known)}作交流发言", "表示"))
    names = _people([_named(talk, known) for talk in talks])
    said = [_with_subject(paragraph, talk.speaker, "表示")
            for talk in talks for paragraph in blocks(talk.summary)]
    return f"{names}分别作交流发言。" + "".join(said)


def _with_subject(paragraph: str, name: str, verb: str | None = None) -> str:
    """The sentences of a paragraph of `name`'s talk, each that starts with what they did
    given them as subject; with `verb`, the first always names them ("乙表示，……")."""
    head, *tail = sentences(paragraph)
    first = _subject(head, name)
    if verb and first == head and not head.startswith(name):
        first = f"{name}{verb}，{head.lstrip(LEAD_PUNCTUATION)}"
    return "".join(full_stop(s) for s in [first, *(_subject(s, name) for s in tail)])


def _subject(sentence: str, name: str) -> str:
    """`sentence` with `name` as subject if it starts with what the speaker did: "指出……" →
    "平杰指出，……"; "结合……" → "陈晓斌结合……"; "同时，结合……" → "同时，陈晓斌结合……";
    "并强调……" → "陈晓斌还强调，……". Any other sentence is what was said, left as it is."""
    connective = CONNECTIVE.match(sentence)
    if connective:
        return connective.group(0) + _subject(sentence[connective.end():], name)
    also = sentence.startswith("并") and _acting_verb(sentence[1:]) is not None
    body = sentence[1:] if also else sentence
    verb = _acting_verb(body)
    if verb is None:
        return sentence
    subject = f"{name}还" if also else name
    if verb in SAYING_VERBS:
        return f"{subject}{verb}，{body[len(verb):].lstrip(LEAD_PUNCTUATION)}"
    return subject + body


def _acting_verb(sentence: str) -> str | None:
    if sentence.startswith(NOT_ACTING):
        return None
    return next((verb for verb in (*SAYING_VERBS, *ACTING_VERBS) if sentence.startswith(verb)),
                None)


# --- the closing paragraph ------------------------------------------------------------------


def _closing(report: SessionReport) -> str:
    """What the meeting asked for (the minutes' 会议要求), then the tasks it deployed."""
    requirements = meeting_requirements(report.minutes)
    tasks = [task.title.strip().rstrip(ENDS + "；;，,") for task in report.tasks
             if task.status != TaskStatus.CANCELLED and task.title.strip()]
    if not tasks:
        return requirements
    separator = "；" if any("，" in title or "、" in title for title in tasks) else "、"
    deployed = f"会议{'还' if requirements else ''}部署了以下工作：{separator.join(tasks)}。"
    return requirements + deployed


def meeting_requirements(minutes: str | None) -> str:
    """The minutes from the first sentence that starts with 会议要求 (会议强调, 会议号召…) to
    the end of its paragraph, with the numbered paragraphs that follow it ("一是……")."""
    paragraphs = blocks(minutes)
    for index, paragraph in enumerate(paragraphs):
        parts = sentences(paragraph)
        start = next((i for i, s in enumerate(parts) if s.startswith(REQUIREMENT_HEADS)), None)
        if start is None:
            continue
        items = list(takewhile(ENUMERATED.match, paragraphs[index + 1:]))
        return _enumeration("".join(parts[start:]), items)
    return ""


def _enumeration(head: str, items: Sequence[str]) -> str:
    """"会议要求：" and its numbered items as one paragraph: "；" between items that end with
    none, one end at the end."""
    if not items:
        return full_stop(head)
    if not head.endswith((*ENDS, "：", ":", "，", ",")):
        head += "："
    joined = "".join(item if item.endswith((*ENDS, "；", ";")) else f"{item}；"
                     for item in items[:-1])
    return head + joined + full_stop(items[-1])


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
