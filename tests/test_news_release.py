"""The news release (issue 22, section 4): the draft of the example session checked against
the real report (tests/data/, from shared/examples/), and the page on which the secretary
edits it and marks it final, leaders read it, and the yearly archive keeps the final version.

The record is the demo's (studytrack/demo/example_2020.py, as the secretary recorded the
session); the example text gives the facts the draft must agree with. The speeches' short
names (简称) are typed into the materials form, as a secretary would.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack import demo
from studytrack.exports import archive
from studytrack.extensions import db
from studytrack.models import (
    AuditEvent,
    MaterialKind,
    SessionKind,
    SessionStatus,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
    User,
)
from studytrack.models.study_session import NewsRelease
from studytrack.reports import news, queries
from studytrack.reports.report import ReportMaterial, ReportTalk, ReportTask, SessionReport
from studytrack.reports.sentences import full_stop, sentences
from tests.test_export_routes import ask_for_archive, download_archive, open_archive

# The real report of the example session (a copy of ../shared/examples/, kept with the tests so
# that they run from any checkout).
EXAMPLE = Path(__file__).resolve().parent / "data" / "central-group-session-2020-03-26.txt"
# Verbs a summary's sentence starts with when its speaker acts: never left without a subject.
SUBJECTLESS = re.compile(r"(?:结合|指出|强调|提出|介绍|分析|交流|表示|要求|谈到|从)")


# --- the example session -------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def facts(example_text: str) -> SimpleNamespace:
    """What the draft must agree with, read from the real report."""
    paragraphs = [p.strip() for p in example_text.split("\n\n") if p.strip()]
    opening = next(p for p in paragraphs if "召开中心组学习会议" in p)
    talks = paragraphs[paragraphs.index(opening) + 1:]
    return SimpleNamespace(
        when=re.match(r"\d+月\d+日[上下]午", opening).group(0),  # type: ignore[union-attr]
        place=re.search(r"在(\d+会议室)", opening).group(1),  # type: ignore[union-attr]
        chair=re.search(r"会议由(.+?)同志主持", opening).group(1),  # type: ignore[union-attr]
        # the speeches' dates as the press quotes them: “2·23”, “3·4”
        quoted_dates=re.findall(r"“\d+·\d+”", opening),
        # who spoke, in the order the report tells it
        speakers=[name for name in ("平杰", "陈晓斌", "寇新建", "管琰琰", "张瑜", "罗宁")
                  if any(name in p for p in talks)],
        first_talk=talks[0],
    )


@pytest.fixture
def example(app: Flask) -> SimpleNamespace:
    """The demo, with the session of 26 March 2020 as its secretary recorded it."""
    demo.seed(today=date(2026, 11, 23))
    session = db.session.scalars(
        sa.select(StudySession).where(StudySession.location == "518会议室",
                                      StudySession.starts_at < datetime(2021, 1, 1, tzinfo=UTC))
    ).one()
    materials = [link.material for link in session.session_materials]
    people = {u.username: u for u in db.session.scalars(sa.select(User))}
    db.session.commit()
    return SimpleNamespace(session=session, materials=materials, people=people,
                           session_id=session.id, group_id=session.group_id)


def log_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/auth/login",
                           data={"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def give_short_names(app: Flask, example: SimpleNamespace) -> None:
    """The secretary types the speeches' short names into the materials form, straight
    quotes and all."""
    client = log_in(app, "secretary")
    for material, short in zip(example.materials, ('"2·23"重要讲话', "“3·4”重要讲话"),
                               strict=True):
        response = client.post(f"/materials/{material.id}/edit", data={
            "organization_id": material.organization_id, "kind": material.kind.value,
            "title": material.title, "short_name": short, "speaker": material.speaker or "",
            "issued_on": material.issued_on.isoformat() if material.issued_on else "",
            "source": material.source or "", "url": material.url or "",
            "body": material.body or "",
        })
        assert response.status_code == 302, response.get_data(as_text=True)[:300]


def draft_of(session_id: int) -> list[str]:
    session = db.session.get(StudySession, session_id, options=queries.REPORTED)
    assert session is not None
    return news.news_release(queries.session_report(session)).strip().split("\n\n")


def talk_paragraphs(paragraphs: list[str]) -> list[str]:
    """The paragraphs after the opening, less the closing one (会议要求…)."""
    return [p for p in paragraphs[2:] if not p.startswith("会议")]


# --- the draft against the real report --------------------------------------------------------


def test_the_opening_states_what_the_report_states(app, example, facts):
    give_short_names(app, example)
    opening = draft_of(example.session_id)[1]

    assert opening.startswith(f"{facts.when}，")
    assert f"在{facts.place}召开集体学习会议。" in opening
    assert f"会议由{facts.chair}同志主持，" in opening
    # Two speeches with short names, as the press names them: the dates side by side.
    assert facts.quoted_dates == ["“2·23”", "“3·4”"]
    named = f"习近平总书记{''.join(facts.quoted_dates)}重要讲话精神"
    assert named == "习近平总书记“2·23”“3·4”重要讲话精神"
    assert f"会议集体学习了{named}。" in opening
    assert "和习近平主持" not in opening


def test_short_names_are_kept_as_typed_with_chinese_quotes(app, example):
    give_short_names(app, example)
    db.session.expire_all()
    assert [m.short_name for m in example.materials] == ["“2·23”重要讲话", "“3·4”重要讲话"]
    page = log_in(app, "secretary").get(f"/materials/{example.materials[0].id}/edit")
    html = page.get_data(as_text=True)
    assert re.search(r'<label class="form-label" for="short_name">', html)
    assert 'value="“2·23”重要讲话"' in html
    assert "“2·23”重要讲话" in html  # the help text's example too


def test_the_talks_follow_the_recorded_order(app, example, facts):
    paragraphs = draft_of(example.session_id)
    talks = talk_paragraphs(paragraphs)

    # The chair spoke first, as the record (and the report) has it: no "最后" before it.
    assert "平杰" in facts.first_talk
    assert talks[0].startswith("平杰同志讲话，指出习近平总书记“2·23”重要讲话")
    assert "最后" not in "".join(paragraphs)
    told = [name for name in facts.speakers
            if any(name in p for p in talks)]
    first_mentions = sorted(told, key=lambda name: "".join(talks).index(name))
    assert first_mentions == facts.speakers


def test_a_closing_talk_recorded_last_is_introduced_with_最后(app, example):
    chair_address = db.session.scalars(sa.select(Talk).where(
        Talk.session_id == example.session_id, Talk.kind == TalkKind.CHAIR_ADDRESS)).one()
    chair_address.position = 99  # the chair summed up at the end
    db.session.commit()

    talks = talk_paragraphs(draft_of(example.session_id))

    assert talks[0].startswith("校长、党委副书记陈晓斌作重点发言，")
    closing = [i for i, p in enumerate(talks) if p.startswith("最后，")]
    assert closing == [len(talks) - 2]  # its two paragraphs: the second goes on "平杰强调"
    assert talks[-2].startswith("最后，平杰同志作总结讲话，指出")
    assert talks[-1].startswith("平杰强调，")


def test_every_summary_sentence_has_its_speaker_as_subject(app, example):
    talks = talk_paragraphs(draft_of(example.session_id))
    keynote = next(p for p in talks if "作重点发言" in p)
    exchanges = next(p for p in talks if "分别作交流发言" in p)

    assert keynote.startswith("校长、党委副书记陈晓斌作重点发言，结合学习情况和工作实践")
    assert "陈晓斌指出，一流的职业技术大学需要一流的管理" in keynote
    for sentence in sentences(keynote) + sentences(exchanges):
        assert not SUBJECTLESS.match(sentence), sentence
    exchange_sentences = sentences(exchanges)
    assert exchange_sentences[0] == (
        "常务副校长寇新建，党委副书记、副校长管琰琰，副校长张瑜，副校长罗宁分别作交流发言。"
    )
    # Each summary told with its speaker, by name (their positions came in the first line).
    names = ("寇新建", "管琰琰", "张瑜", "罗宁")
    assert [next((n for n in names if s.startswith(n)), s) for s in exchange_sentences[1:]] == [
        *names
    ]
    chair = [p for p in talks if "平杰" in p]
    assert chair[1].startswith("平杰强调，各基层党组织要落实")


def test_a_closing_paragraph_holds_the_meetings_requirements_and_the_tasks(app, example):
    closing = draft_of(example.session_id)[-1]
    session = example.session

    requirements = next(p for p in session.minutes.split("\n\n") if p.startswith("会议要求"))
    assert closing.startswith(requirements)
    tasks = [t.title for t in session.tasks if t.status != TaskStatus.CANCELLED]
    assert len(tasks) == 4
    assert closing.endswith(f"会议还部署了以下工作：{'；'.join(tasks)}。")
    assert "请中心组成员" not in closing and "请假" not in closing  # the minutes' other parts


def test_a_talk_ending_in_an_emoji_gets_one_full_stop(app, example):
    exchanges = db.session.scalars(sa.select(Talk).where(
        Talk.session_id == example.session_id, Talk.kind == TalkKind.EXCHANGE
    ).order_by(Talk.position)).all()
    exchanges[0].summary = "结合分管工作，列出了开学准备的任务清单。🚩"
    exchanges[1].summary = "结合分管工作，提出做好舆情研判🚩"
    exchanges[2].summary = "提出坚持“书记抓、抓书记”"
    db.session.commit()

    text = "\n\n".join(draft_of(example.session_id))

    assert "。🚩。" not in text and "🚩。" not in text
    assert "寇新建结合分管工作，列出了开学准备的任务清单。🚩管琰琰结合" in text
    assert "管琰琰结合分管工作，提出做好舆情研判。🚩" in text
    assert "张瑜提出坚持“书记抓、抓书记”。" in text


# --- the sentences, one by one --------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("……任务清单。🚩", "……任务清单。🚩"),
    ("……任务清单🚩", "……任务清单。🚩"),
    ("……任务清单 🚩🚩", "……任务清单。🚩🚩"),
    ("坚持“书记抓、抓书记”", "坚持“书记抓、抓书记”。"),
    ("“积力之所举，则无不胜也。”", "“积力之所举，则无不胜也。”"),
    ("完成了（详见附件）", "完成了（详见附件）。"),
    ("清单”🚩", "清单”。🚩"),
    ("气温30℃", "气温30℃。"),  # a symbol, not an emoji
    ("加油！👍🏻", "加油！👍🏻"),
    ("一家人👨‍👩‍👧", "一家人。👨‍👩‍👧"),
    ("❤️", "❤️"),
    ("言犹未尽，", "言犹未尽。"),
    ("真的吗？", "真的吗？"),
    ("", ""),
])
def test_full_stop(text, expected):
    assert full_stop(text) == expected


def test_sentences_keep_emoji_and_quotes_with_their_sentence():
    assert sentences("清单。🚩下一句。") == ["清单。🚩", "下一句。"]
    assert sentences("他说：“要抓紧。要抓实。”我们要落实。") == [
        "他说：“要抓紧。要抓实。”", "我们要落实。"
    ]
    assert sentences("一是落实；二是推进") == ["一是落实；二是推进"]
    text = "指出，……正确方向。防控工作取得的成效！要“斗志”？"
    assert "".join(sentences(text)) == text


def report_of(**fields: Any) -> SessionReport:
    values: dict[str, Any] = dict(
        session_id=1, organization="中侨职业技术大学党委", group="校党委理论学习中心组",
        kind=SessionKind.COLLECTIVE, status=SessionStatus.PUBLISHED, topic="主题",
        starts_at=datetime(2026, 3, 26, 6, 30, tzinfo=UTC), ends_at=None, location=None,
        chair=None, recorder=None, minutes=None, reflection_due_on=None,
        min_reflection_chars=None,
    )
    values.update(fields)
    return SessionReport(**values)


def speech(short_name: str | None, title: str = "讲话", speaker: str | None = "习近平",
           kind: MaterialKind = MaterialKind.SPEECH) -> ReportMaterial:
    return ReportMaterial(1, kind, title, speaker, None, None, None, None,
                          short_name=short_name)


@pytest.mark.parametrize(("materials", "expected"), [
    ([speech("“2·23”重要讲话"), speech("“3·4”重要讲话")], ["习近平总书记“2·23”“3·4”重要讲话精神"]),
    ([speech("“2·23”重要讲话精神")], ["习近平总书记“2·23”重要讲话精神"]),
    ([speech("“2·23”"), speech("“7·1”重要指示")],
     ["习近平总书记“2·23”重要讲话和“7·1”重要指示精神"]),
    ([speech("“2·23”重要讲话"), speech(None, "在全国两会上的讲话"), speech("“3·4”重要讲话")],
     ["习近平总书记“2·23”“3·4”重要讲话精神", "习近平总书记在全国两会上的讲话精神"]),
    ([speech("习近平总书记“2·23”重要讲话")], ["习近平总书记“2·23”重要讲话精神"]),
    ([speech("“9·1”重要讲话", speaker=None)], ["“9·1”重要讲话精神"]),
    ([speech("“9·1”重要讲话", speaker="某某")], ["某某“9·1”重要讲话精神"]),
    ([speech("学习规则", "中国共产党党委（党组）理论学习中心组学习规则", None,
             MaterialKind.DOCUMENT)], ["《学习规则》"]),
])
def test_materials_are_named_as_the_press_names_them(materials, expected):
    assert news.studied_materials(materials) == expected


def test_a_sentence_is_given_its_speaker_only_where_it_needs_one(app):
    talk = ReportTalk(TalkKind.KEYNOTE, "陈晓斌", "校长",
                      "结合工作实践谈了体会。同时，结合分工提出要求。并强调要落实。从严治党永远在路上。"
                      "指出：要抓紧。")
    paragraphs = news.news_release(report_of(talks=(talk,))).strip().split("\n\n")
    assert paragraphs[2] == (
        "校长陈晓斌作重点发言，结合工作实践谈了体会。同时，陈晓斌结合分工提出要求。"
        "陈晓斌还强调，要落实。从严治党永远在路上。陈晓斌指出，要抓紧。"
    )


def test_a_summary_without_a_verb_is_introduced(app):
    talks = (
        ReportTalk(TalkKind.EXCHANGE, "甲", "副校长", "校园封闭管理已全面落实"),
        ReportTalk(TalkKind.EXCHANGE, "乙", "副校长", None),
        ReportTalk(TalkKind.KEYNOTE, "丙", None, "一流的大学需要一流的管理"),
    )
    paragraphs = news.news_release(report_of(talks=talks)).strip().split("\n\n")
    assert paragraphs[2] == "副校长甲、副校长乙分别作交流发言。甲表示，校园封闭管理已全面落实。"
    assert paragraphs[3] == "丙作重点发言，指出一流的大学需要一流的管理。"


@pytest.mark.parametrize(("minutes", "expected"), [
    ("会议认为，方向正确。\n\n会议要求：\n\n一是抓紧防控\n\n二是推进发展。\n\n请提交体会。",
     "会议要求：一是抓紧防控；二是推进发展。"),
    ("会议认为，方向正确。会议强调，各单位要落实责任", "会议强调，各单位要落实责任。"),
    ("按照会议要求，各单位已落实。", ""),  # not a heading
    ("会议要求\n\n（一）抓紧防控。\n\n（二）推进发展。",
     "会议要求：（一）抓紧防控。（二）推进发展。"),
    (None, ""),
])
def test_the_meetings_requirements_are_taken_from_the_minutes(minutes, expected):
    assert news.meeting_requirements(minutes) == expected


def test_tasks_alone_make_the_closing_paragraph(app):
    tasks = tuple(
        ReportTask(title, None, None, None, None, status, False, None)
        for title, status in (("制定方案", TaskStatus.OPEN), ("撤销的任务", TaskStatus.CANCELLED),
                              ("开展研判", TaskStatus.DONE))
    )
    text = news.news_release(report_of(tasks=tasks))
    assert text.strip().split("\n\n")[-1] == "会议部署了以下工作：制定方案、开展研判。"
    assert news.news_release(report_of()).count("\n\n") == 1  # title and opening only


# --- the page: who reads, who edits ----------------------------------------------------------


def url(example: SimpleNamespace) -> str:
    return f"/sessions/{example.session_id}/news-release"


def textarea(html: str) -> re.Match[str]:
    found = re.search(r'<textarea[^>]*id="news-release-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None
    return found


@pytest.mark.parametrize(("username", "status"), [
    ("secretary", 200), ("leader", 200), ("admin", 200), ("member", 403),
    ("wujiayi", 404),  # another college's secretary: the university's session is not theirs
    ("zhaozhigang", 404),  # a leader of a unit below
])
def test_who_may_open_the_news_release(app, example, username, status):
    assert log_in(app, username).get(url(example)).status_code == status


def test_the_secretary_edits_a_leader_reads(app, example):
    html = log_in(app, "secretary").get(url(example)).get_data(as_text=True)
    field = textarea(html)
    assert "readonly" not in field.group(0)
    assert field.group(1).strip().startswith(example.session.topic)
    assert {"save", "finalise", "regenerate"} <= set(re.findall(r'name="action" value="(\w+)"',
                                                                html))
    assert re.search(r'value="regenerate"[^>]*data-confirm="[^"]+"', html)
    assert 'data-copy-target="news-release-text"' in html

    leader = log_in(app, "leader")
    html = leader.get(url(example)).get_data(as_text=True)
    assert "readonly" in textarea(html).group(0)
    assert 'name="text"' not in html and 'name="action"' not in html  # no form
    assert 'data-copy-target="news-release-text"' in html
    assert 'data-state="drafted"' in html
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert leader.post(url(example), data={"action": "save", "text": "改"}).status_code == 403
    assert db.session.get(NewsRelease, example.session_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize(("username", "linked"), [
    ("secretary", True), ("leader", True), ("member", False),
])
def test_the_report_links_to_the_news_release_for_those_who_may_read_it(app, example, username,
                                                                         linked):
    html = log_in(app, username).get(f"/sessions/{example.session_id}/report").get_data(
        as_text=True)
    assert (f'href="{url(example)}"' in html) == linked


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)))


def test_save_finalise_edit_again_and_regenerate(app, example):
    secretary = log_in(app, "secretary")
    leader = log_in(app, "leader")
    draft = textarea(secretary.get(url(example)).get_data(as_text=True)).group(1)
    edited = draft.strip().replace("会议集体学习了", "会议深入学习了") + "\n（校党委办公室供稿）"

    # Save: kept, not final; the leader reads the current text.
    response = secretary.post(url(example), data={"action": "save", "text": edited,
                                                  "version": ""})
    assert response.status_code == 302
    release = db.session.get(NewsRelease, example.session_id)
    assert release is not None and release.text == edited and release.final_at is None
    assert [e.session_id for e in events("news_release.save")] == [example.session_id]
    html = secretary.get(url(example)).get_data(as_text=True)
    assert "会议深入学习了" in textarea(html).group(1) and 'data-state="saved"' in html
    assert "会议深入学习了" in textarea(leader.get(url(example)).get_data(as_text=True)).group(1)

    # Mark final: the text, when and who.
    response = secretary.post(url(example), data={"action": "finalise", "text": edited,
                                                  "version": release.version})
    assert response.status_code == 302
    db.session.expire_all()
    release = db.session.get(NewsRelease, example.session_id)
    assert release is not None and release.text == edited
    assert release.final_at is not None and release.final_by_id == example.people["secretary"].id
    assert len(events("news_release.finalise")) == 1
    html = leader.get(url(example)).get_data(as_text=True)
    assert 'data-state="final"' in html and "供稿" in textarea(html).group(1)

    # A page loaded before that cannot overwrite it.
    stale = secretary.post(url(example), data={"action": "save", "text": "旧页面的文字",
                                               "version": release.version - 1})
    assert stale.status_code == 200
    assert "旧页面的文字" in textarea(stale.get_data(as_text=True)).group(1)  # input kept
    db.session.expire_all()
    assert db.session.get(NewsRelease, example.session_id).text == edited  # type: ignore[union-attr]

    # Edited again: saved, and final no more until it is marked again.
    version = db.session.get(NewsRelease, example.session_id).version  # type: ignore[union-attr]
    response = secretary.post(url(example), data={"action": "save", "text": edited + "完",
                                                  "version": version})
    assert response.status_code == 302
    db.session.expire_all()
    release = db.session.get(NewsRelease, example.session_id)
    assert release is not None and release.text.endswith("完")
    assert release.final_at is None and release.final_by_id is None
    assert events("news_release.save")[-1].details["characters"] == [len(edited),
                                                                      len(edited) + 1]

    # An empty text is refused beside the field.
    response = secretary.post(url(example), data={"action": "save", "text": "  ",
                                                  "version": release.version})
    assert response.status_code == 200 and 'class="invalid-feedback"' in response.get_data(
        as_text=True)

    # Drafted again from the record: the saved text is gone.
    response = secretary.post(url(example), data={"action": "regenerate",
                                                  "version": release.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(NewsRelease, example.session_id) is None
    assert len(events("news_release.discard")) == 1
    html = secretary.get(url(example)).get_data(as_text=True)
    assert textarea(html).group(1) == draft and 'data-state="drafted"' in html


# --- the yearly archive ------------------------------------------------------------------------


def test_the_final_version_goes_into_the_archive(app, example):
    secretary = log_in(app, "secretary")
    final = "深入学习贯彻习近平总书记重要讲话精神\n\n3月26日下午，……。🚩\n"
    secretary.post(url(example), data={"action": "finalise", "text": final, "version": ""})

    response = download_archive(secretary, ask_for_archive(secretary, example.group_id, 2020))

    root = "校党委理论学习中心组 2020年学习档案"
    folder = f"{root}/01 2020-03-26 {example.session.topic}"
    with open_archive(response) as zipped:
        names = zipped.namelist()
        data = zipped.read(f"{folder}/新闻稿.txt")
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
    assert names.index(f"{folder}/新闻稿.txt") == names.index(f"{folder}/学习记录.pdf") + 1
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Windows Notepad
    assert data.decode("utf-8-sig") == final.strip().replace("\n", "\r\n") + "\r\n"
    assert re.search(r'href="01%202020-03-26%20[^"]*/' + re.escape(quote("新闻稿.txt")) + '"',
                     index)
    assert "新闻稿（定稿）" in index


def test_a_release_not_final_stays_out_of_the_archive(app, example):
    session = db.session.get(StudySession, example.session_id)
    db.session.add(NewsRelease(session=session, text="尚未定稿的文字"))
    db.session.commit()
    session = db.session.get(StudySession, example.session_id, options=queries.REPORTED)
    assert session is not None
    report = queries.session_report(session)
    assert report.news_release is None

    buffer = io.BytesIO()
    names = archive.write_archive(buffer, group="学习组", organization="党委", year=2020,
                                  reports=[report], pdf=None)
    assert not [name for name in names if name.endswith("新闻稿.txt")]
