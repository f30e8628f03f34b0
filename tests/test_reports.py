"""The session report: its data (reports.queries), its page, the news-release draft, permissions
and the query budget. The fixture session is modelled on the example news report
(shared/examples/): a university committee's study group, 3月26日下午 in 518会议室."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.formatting import percent
from studytrack.models import (
    Attachment,
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupRole,
    GroupTitle,
    Material,
    MaterialKind,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionMaterial,
    SessionStatus,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
)
from studytrack.reports import news, queries

PAST = date(2020, 1, 1)  # before any day these tests run on
FUTURE = date(2999, 12, 31)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'

ACCEPTED_BODY = (
    "一、提高政治站位。把思想和行动统一到党中央决策部署上来。\n\n二、守好意识形态阵地，讲好抗疫故事。"
)
SUBMITTED_BODY = "抓紧抓实抓细开学前各项准备工作。这是尚在审核中的文字。"
RETURNED_BODY = "体会较为原则，尚待修改的文字。"
DRAFT_BODY = "尚未提交的草稿文字。"
CHAIR_ADDRESS = (
    "指出习近平总书记“2·23”重要讲话为全面打赢疫情防控人民战争指明了正确方向。\n\n"
    "强调各基层党组织要落实新时代党的建设总要求"
)
KEYNOTE = "结合学习情况和工作实践，从四个方面交流了思考与想法"


# --- the fixture world ----------------------------------------------------------------------


@pytest.fixture
def world(world, create_user):
    """The shared world as the news release of 26 March 2020 has it: the university's leaders
    are the members of its 校党委理论学习中心组 (the world's member, 张瑜, among them), 李婧 (the
    world's secretary) keeps its record, 王列席 attends as an observer; `world.people` names
    them all, with the world's leader (of 市教卫党委) and outsider."""

    def member(username, name, position):
        person = create_user(username, name, position=position, locale="en")
        admin_services.add_member(world.group, person, GroupRole.MEMBER, GroupTitle.MEMBER)
        return person

    world.people = SimpleNamespace(
        pingjie=member("pingjie", "平杰", "党委书记"),
        chen=member("chen", "陈晓斌", "校长、党委副书记"),
        kou=member("kou", "寇新建", "常务副校长"),
        guan=member("guan", "管琰琰", "党委副书记、副校长"),
        zhang=world.member,  # 副校长
        luo=member("luo", "罗宁", "副校长"),
        xu=member("xu", "徐卫东", "党委委员、纪委书记"),
        zhou=member("zhou", "周敏", "党委委员"),
        secretary=world.secretary,  # 党委办公室主任
        observer=create_user("wang", "王列席", position="组织部部长", locale="en"),
        leader=world.leader,
        outsider=world.outsider,
    )
    db.session.commit()
    return world


def add_material(session, title, position, kind=MaterialKind.SPEECH, files=(), **fields):
    material = Material(organization_id=session.group.organization_id, kind=kind, title=title,
                        **fields)
    db.session.add(material)
    db.session.flush()
    for name, removed in files:
        db.session.add(Attachment(
            material=material, original_name=name, stored_name=f"s{material.id}-{name}",
            content_type="application/pdf", size_bytes=2048, sha256="0" * 64,
            is_removed=removed,
        ))
    db.session.add(SessionMaterial(session=session, material=material, position=position))
    return material


def attend(session, user, status, sort_order, **fields):
    row = Attendance(session=session, user=user, status=status, sort_order=sort_order, **fields)
    db.session.add(row)
    return row


def reflect(session, author, status, body="", title=None, late=False, submitted=None):
    reflection = Reflection(
        session=session, author=author, status=status, body=body, title=title,
        char_count=len(body), is_late=late,
        submitted_at=submitted or (
            datetime(2026, 3, 30, 2, 0, tzinfo=UTC) if status != ReflectionStatus.DRAFT else None
        ),
    )
    db.session.add(reflection)
    return reflection


@pytest.fixture
def example(world, create_session):
    """The example session, recorded in full (added in scrambled order where order matters)."""
    p = world.people
    session = create_session(
        world.group,
        topic="深入学习贯彻习近平总书记重要讲话精神 奋力夺取疫情防控和学校本科层次建设发展双胜利",
        starts_at=datetime(2026, 3, 26, 6, 30, tzinfo=UTC),  # 14:30 in Shanghai
        ends_at=datetime(2026, 3, 26, 8, 30, tzinfo=UTC),
        chair=p.pingjie, recorder=p.secretary,
        minutes="会议认为，重要讲话指明了方向。\n\n会议要求：一是抓紧抓实抓细各项防控工作。",
        reflection_due_on=date(2026, 4, 2), min_reflection_chars=800,
    )
    second = add_material(session, "习近平主持中共中央政治局常务委员会会议并发表重要讲话", 1,
                          speaker="习近平", issued_on=date(2020, 3, 4))
    first = add_material(
        session, "习近平总书记在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的重要讲话",
        0, speaker="习近平", issued_on=date(2020, 2, 23), source="新华社",
        files=(("2·23讲话全文.pdf", False), ("已删除的旧文件.pdf", True)),
    )
    # Observers first in the table's order, to show that they are listed last whatever it says.
    attend(session, p.observer, AttendanceStatus.OBSERVER, 0)
    db.session.add(Attendance(session=session, guest_name="刘专家", guest_position="市委党校教授",
                              status=AttendanceStatus.OBSERVER, sort_order=0))
    attend(session, p.zhou, AttendanceStatus.ABSENT, 8)
    attend(session, p.xu, AttendanceStatus.ON_LEAVE, 7, leave_reason="外出参加上级会议",
           makeup_on=date(2026, 3, 30), makeup_note="自学讲话原文和本次会议纪要")
    for order, person in enumerate((p.luo, p.zhang, p.guan, p.kou, p.chen, p.pingjie)):
        attend(session, person, AttendanceStatus.PRESENT, 6 - order)
    talks = [
        (TalkKind.EXCHANGE, p.luo, 5, "结合招生就业工作交流"),
        (TalkKind.CHAIR_ADDRESS, p.pingjie, 0, CHAIR_ADDRESS),
        (TalkKind.EXCHANGE, p.guan, 3, None),
        (TalkKind.KEYNOTE, p.chen, 1, KEYNOTE),
        (TalkKind.EXCHANGE, p.zhang, 4, None),
        (TalkKind.EXCHANGE, p.kou, 2, "结合后勤保障工作交流"),
    ]
    for kind, speaker, position, summary in talks:
        db.session.add(Talk(session=session, kind=kind, speaker=speaker, position=position,
                            summary=summary))
    db.session.add_all([
        FollowUpTask(session=session, title="制定开学疫情防控方案", assignee=p.kou,
                     due_on=date(2026, 4, 10), status=TaskStatus.DONE,
                     completion_note="方案已经校党委会审议通过"),
        FollowUpTask(session=session, title="开展疫情期间舆情风险研判", assignee=p.guan,
                     due_on=PAST, status=TaskStatus.OPEN),
        FollowUpTask(session=session, title="传达学习会议精神", organization=world.unit,
                     due_on=FUTURE, status=TaskStatus.IN_PROGRESS),
        FollowUpTask(session=session, title="已取消的任务", assignee=p.zhang, due_on=PAST,
                     status=TaskStatus.CANCELLED, cancel_reason="合并到其他任务"),
    ])
    reflect(session, p.guan, ReflectionStatus.ACCEPTED, ACCEPTED_BODY, title="坚定信心 守好阵地")
    reflect(session, p.kou, ReflectionStatus.SUBMITTED, SUBMITTED_BODY, title="审核中的标题",
            late=True)
    reflect(session, p.zhang, ReflectionStatus.RETURNED, RETURNED_BODY)
    reflect(session, p.luo, ReflectionStatus.DRAFT, DRAFT_BODY)
    reflect(session, p.xu, ReflectionStatus.ACCEPTED, "补学之后写的体会。", late=True)
    reflect(session, p.observer, ReflectionStatus.SUBMITTED, "列席人员自愿写的体会。")
    db.session.commit()
    return SimpleNamespace(session=session, first=first, second=second, **vars(world))


def page(client, url):
    response = client.get(url)
    return response, response.get_data(as_text=True)


def section(html, section_id):
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- the data ----------------------------------------------------------------------------


def test_report_data_of_the_example_session(example):
    p = example.people
    report = queries.session_report(example.session, today=date(2026, 4, 10))

    assert (report.organization, report.group) == ("中侨职业技术大学党委", "校党委理论学习中心组")
    assert report.kind == SessionKind.COLLECTIVE and report.status == SessionStatus.PUBLISHED
    assert (report.chair, report.chair_position) == ("平杰", "党委书记")
    assert (report.recorder, report.recorder_position) == ("李婧", "党委办公室主任")
    assert report.location == "518会议室" and report.as_of == date(2026, 4, 10)

    assert [m.title[:8] for m in report.materials] == ["习近平总书记在统", "习近平主持中共中"]
    assert [a.original_name for a in report.materials[0].attachments] == ["2·23讲话全文.pdf"]
    assert report.materials[1].attachments == ()

    assert [(a.name, a.status) for a in report.attendees] == [
        ("平杰", AttendanceStatus.PRESENT), ("陈晓斌", AttendanceStatus.PRESENT),
        ("寇新建", AttendanceStatus.PRESENT), ("管琰琰", AttendanceStatus.PRESENT),
        ("张瑜", AttendanceStatus.PRESENT), ("罗宁", AttendanceStatus.PRESENT),
        ("徐卫东", AttendanceStatus.ON_LEAVE), ("周敏", AttendanceStatus.ABSENT),
        ("刘专家", AttendanceStatus.OBSERVER), ("王列席", AttendanceStatus.OBSERVER),
    ]
    xu = report.attendees[6]
    assert (xu.leave_reason, xu.makeup_on, xu.makeup_note) == (
        "外出参加上级会议", date(2026, 3, 30), "自学讲话原文和本次会议纪要")
    assert report.attendees[8].position == "市委党校教授"

    assert [(t.kind, t.speaker) for t in report.talks] == [
        (TalkKind.CHAIR_ADDRESS, "平杰"), (TalkKind.KEYNOTE, "陈晓斌"),
        (TalkKind.EXCHANGE, "寇新建"), (TalkKind.EXCHANGE, "管琰琰"),
        (TalkKind.EXCHANGE, "张瑜"), (TalkKind.EXCHANGE, "罗宁"),
    ]
    assert report.talks[1].position == "校长、党委副书记"

    assert [(t.title, t.status, t.is_overdue) for t in report.tasks] == [
        ("制定开学疫情防控方案", TaskStatus.DONE, False),
        ("开展疫情期间舆情风险研判", TaskStatus.OPEN, True),
        ("传达学习会议精神", TaskStatus.IN_PROGRESS, False),
        ("已取消的任务", TaskStatus.CANCELLED, False),
    ]
    assert report.tasks[2].organization == "中侨职业技术大学党委"
    assert report.tasks[0].assignee == "寇新建"

    entries = {r.author: r for r in report.reflections}
    # Required: the six present and 徐卫东 (on leave, make-up recorded), in roster order;
    # then 王列席, an observer who wrote one anyway. 周敏 (absent, no make-up) is not listed.
    assert [r.author for r in report.reflections] == [
        "平杰", "陈晓斌", "寇新建", "管琰琰", "张瑜", "罗宁", "徐卫东", "王列席",
    ]
    assert [r.is_required for r in report.reflections] == [True] * 7 + [False]
    assert entries["平杰"].status is None and entries["平杰"].is_overdue
    assert entries["管琰琰"].body == ACCEPTED_BODY
    assert entries["管琰琰"].title == "坚定信心 守好阵地"
    for name in ("寇新建", "张瑜", "罗宁", "王列席"):
        assert entries[name].body is None and entries[name].title is None
    assert entries["寇新建"].is_late and entries["徐卫东"].is_late
    assert entries["罗宁"].is_overdue and entries["罗宁"].submitted_at is None
    assert not entries["张瑜"].is_overdue  # returned counts as handed in
    assert p.zhou.display_name not in entries

    f = report.figures
    assert (f.attendance_expected, f.attendance_present, f.attendance_on_leave,
            f.attendance_absent, f.attendance_observers, f.attendance_unmarked,
            f.attendance_made_up) == (8, 6, 1, 1, 2, 0, 1)
    assert f.attendance_rate == 6 / 8
    assert (f.reflections_required, f.reflections_submitted, report.reflections_accepted,
            f.reflections_late, f.reflections_overdue) == (7, 4, 2, 2, 3)
    assert (f.tasks_total, f.tasks_done, f.tasks_overdue) == (3, 1, 1)


def test_nothing_is_overdue_before_the_due_dates(example):
    report = queries.session_report(example.session, today=date(2026, 4, 2))
    assert report.figures.reflections_overdue == 0
    assert not any(r.is_overdue for r in report.reflections)
    # The open task is due in 2020, so it is overdue on any day these tests run.
    assert report.figures.tasks_overdue == 1


def test_figures_of_an_empty_session(world, create_session):
    session = create_session(world.group)
    report = queries.session_report(session)
    f = report.figures
    assert report.attendees == report.talks == report.tasks == report.reflections == ()
    assert (f.attendance_expected, f.attendance_present, f.attendance_observers,
            f.attendance_rate) == (0, 0, 0, None)
    assert (f.reflections_required, f.reflections_submitted) == (0, 0)
    assert (f.tasks_total, f.tasks_done, f.tasks_overdue) == (0, 0, 0)
    assert report.chair is None and report.materials == ()


def test_figures_when_everyone_is_on_leave(world, create_session):
    p = world.people
    session = create_session(world.group)
    attend(session, p.pingjie, AttendanceStatus.ON_LEAVE, 1, leave_reason="出差")
    attend(session, p.chen, AttendanceStatus.ON_LEAVE, 2, leave_reason="病假",
           makeup_on=date(2026, 3, 28), makeup_note="自学")
    db.session.commit()
    f = queries.session_report(session).figures
    assert (f.attendance_expected, f.attendance_present, f.attendance_on_leave,
            f.attendance_made_up) == (2, 0, 2, 1)
    assert f.attendance_rate == 0.0
    assert f.reflections_required == 1  # 陈晓斌 made up the study


def test_observers_and_unmarked_rows_in_the_figures(world, create_session):
    p = world.people
    session = create_session(world.group)
    attend(session, p.observer, AttendanceStatus.OBSERVER, 0)
    attend(session, p.pingjie, AttendanceStatus.PRESENT, 1)
    attend(session, p.chen, None, 2)
    db.session.commit()
    f = queries.session_report(session).figures
    assert (f.attendance_expected, f.attendance_present, f.attendance_unmarked,
            f.attendance_observers) == (2, 1, 1, 1)
    assert f.attendance_rate == 0.5

    only_observers = create_session(world.group, topic="只有列席")
    attend(only_observers, p.observer, AttendanceStatus.OBSERVER, 0)
    db.session.commit()
    f = queries.session_report(only_observers).figures
    assert (f.attendance_expected, f.attendance_observers, f.attendance_rate,
            f.reflections_required) == (0, 1, None, 0)


def test_cancelled_tasks_are_listed_but_not_counted(world, create_session):
    session = create_session(world.group)
    db.session.add_all([
        FollowUpTask(session=session, title=f"取消{i}", organization=world.unit, due_on=PAST,
                     status=TaskStatus.CANCELLED, cancel_reason="不再需要")
        for i in range(3)
    ])
    db.session.commit()
    report = queries.session_report(session)
    assert len(report.tasks) == 3
    f = report.figures
    assert (f.tasks_total, f.tasks_done, f.tasks_overdue) == (0, 0, 0)


def test_guests_authors_off_the_roster_and_unsaved_changes(world, create_session):
    p = world.people
    session = create_session(world.group, topic="旧题目")
    attend(session, p.pingjie, AttendanceStatus.PRESENT, 1)
    db.session.add(Talk(session=session, kind=TalkKind.KEYNOTE, speaker_name="刘专家",
                        position=0, summary="辅导"))
    # Written by someone who is not on the roster at all.
    reflect(session, p.leader, ReflectionStatus.SUBMITTED, "上级领导写的体会。")
    db.session.commit()
    session.topic = "新题目"  # not yet flushed: the report still reads it

    report = queries.session_report(session)
    assert report.topic == "新题目"
    assert [(t.speaker, t.position) for t in report.talks] == [("刘专家", None)]
    assert [(r.author, r.position, r.status, r.is_required) for r in report.reflections] == [
        ("平杰", "党委书记", None, True),
        ("王书记", "市教卫党委书记", ReflectionStatus.SUBMITTED, False),
    ]
    assert report.reflections[1].body is None  # submitted, not accepted: its text is not shown


def test_materials_talks_and_tasks_each_keep_their_order(world, create_session):
    # Each list in its own order, each row's values in its own fields, whatever order the rows
    # were written in.
    p = world.people
    session = create_session(world.group, topic="三个清单")
    third = add_material(session, "丙", 2, files=(("丙一.pdf", False), ("丙二.pdf", False)))
    first = add_material(session, "甲", 0, kind=MaterialKind.DOCUMENT)
    second = add_material(session, "乙", 1, files=(("乙旧.pdf", True), ("乙新.pdf", False)),
                          source="人民日报", url="https://example.cn/yi")
    for kind, speaker, position, title in [
        (TalkKind.EXCHANGE, p.zhang, 2, "交流"),
        (TalkKind.CHAIR_ADDRESS, p.pingjie, 0, None),
        (TalkKind.KEYNOTE, p.chen, 1, "重点"),
    ]:
        db.session.add(Talk(session=session, kind=kind, speaker=speaker, position=position,
                            title=title, summary=f"{speaker.display_name}的发言"))
    for title, assignee in [("任务三", p.kou), ("任务一", None), ("任务二", p.guan)]:
        db.session.add(FollowUpTask(session=session, title=title, assignee=assignee,
                                    organization=None if assignee else world.unit,
                                    due_on=FUTURE, status=TaskStatus.OPEN, detail=title + "细则"))
        db.session.flush()  # ids in this order
    db.session.commit()

    report = queries.session_report(session)
    assert [(m.id, m.title, m.kind) for m in report.materials] == [
        (first.id, "甲", MaterialKind.DOCUMENT), (second.id, "乙", MaterialKind.SPEECH),
        (third.id, "丙", MaterialKind.SPEECH),
    ]
    assert [[a.original_name for a in m.attachments] for m in report.materials] == [
        [], ["乙新.pdf"], ["丙一.pdf", "丙二.pdf"]
    ]
    assert (report.materials[1].source, report.materials[1].url) == (
        "人民日报", "https://example.cn/yi")
    assert [(t.kind, t.speaker, t.position, t.title, t.summary) for t in report.talks] == [
        (TalkKind.CHAIR_ADDRESS, "平杰", "党委书记", None, "平杰的发言"),
        (TalkKind.KEYNOTE, "陈晓斌", "校长、党委副书记", "重点", "陈晓斌的发言"),
        (TalkKind.EXCHANGE, "张瑜", "副校长", "交流", "张瑜的发言"),
    ]
    assert [(t.title, t.detail, t.assignee, t.organization) for t in report.tasks] == [
        ("任务三", "任务三细则", "寇新建", None),
        ("任务一", "任务一细则", None, "中侨职业技术大学党委"),
        ("任务二", "任务二细则", "管琰琰", None),
    ]


@pytest.mark.parametrize(("value", "shown"), [
    (None, "—"), (0.0, "0%"), (0.75, "75%"), (5 / 6, "83.3%"), (1.0, "100%"), (4 / 7, "57.1%"),
])
def test_percent(value, shown):
    assert percent(value) == shown


# --- the page ------------------------------------------------------------------------------


def test_report_page_shows_the_whole_session(example, client, login):
    login(example.people.pingjie)  # a member, English interface
    response, html = page(client, f"/sessions/{example.session.id}/report")
    assert response.status_code == 200
    text = text_of(html)

    assert "中侨职业技术大学党委" in text and "校党委理论学习中心组" in text
    assert "Collective study" in text and "518会议室" in text
    assert "2026-03-26 14:30–16:30" in text
    assert re.search(r'data-role="chair">\s*<span class="fw-semibold">平杰</span>', html)
    assert re.search(r'data-role="recorder">\s*<span class="fw-semibold">李婧</span>', html)

    materials = section(html, "materials")
    assert materials.index("统筹推进新冠肺炎疫情防控") < materials.index("并发表重要讲话")
    attachment = db.session.get(Material, example.first.id).attachments[0]
    assert f'href="/attachments/{attachment.id}/download"' in materials
    assert "2·23讲话全文.pdf" in materials and "已删除的旧文件" not in materials

    attendance = text_of(section(html, "attendance"))
    names = ["平杰", "陈晓斌", "寇新建", "管琰琰", "张瑜", "罗宁", "徐卫东", "周敏", "刘专家",
             "王列席"]
    assert [attendance.index(name) for name in names] == sorted(
        attendance.index(name) for name in names)
    assert ("徐卫东 党委委员、纪委书记 On leave 外出参加上级会议 2026-03-30 "
            "自学讲话原文和本次会议纪要") in attendance
    assert "周敏 党委委员 Absent No make-up study recorded yet" in attendance

    talks = text_of(section(html, "talks"))
    order = ["Chair's address 平杰", "Keynote talk 陈晓斌", "Exchange talk 寇新建",
             "Exchange talk 管琰琰", "Exchange talk 张瑜", "Exchange talk 罗宁"]
    assert [talks.index(t) for t in order] == sorted(talks.index(t) for t in order)
    assert "结合后勤保障工作交流" in talks

    minutes = section(html, "minutes")
    assert "<p>会议认为，重要讲话指明了方向。</p>" in minutes
    assert "<p>会议要求：一是抓紧抓实抓细各项防控工作。</p>" in minutes

    tasks = section(html, "tasks")
    overdue_row = re.search(r'<tr class="task-overdue">(.*?)</tr>', tasks, re.S).group(1)
    assert "开展疫情期间舆情风险研判" in overdue_row and "Overdue" in overdue_row
    assert tasks.count('class="task-overdue"') == 1
    assert "方案已经校党委会审议通过" in tasks and "已取消的任务" in tasks

    figures = section(html, "figures")
    assert re.search(r'data-figure="attendance_rate">75%<', figures)
    assert "6 present of 8 on the roster" in figures
    assert "4 of 7" in text_of(figures) and "(57.1%)" in figures
    assert re.search(r'data-figure="tasks_done">\s*1 of 3', figures)


def test_reflections_accepted_in_full_others_by_status(example, client, login):
    login(example.people.secretary)
    _, html = page(client, f"/sessions/{example.session.id}/report")
    reflections = section(html, "reflections")
    text = text_of(reflections)

    assert "<p>一、提高政治站位。把思想和行动统一到党中央决策部署上来。</p>" in reflections
    assert "<p>二、守好意识形态阵地，讲好抗疫故事。</p>" in reflections
    assert "坚定信心 守好阵地" in reflections
    hidden_texts = (SUBMITTED_BODY, "审核中的标题", RETURNED_BODY, DRAFT_BODY,
                    "列席人员自愿写的体会")
    for hidden in hidden_texts:
        assert hidden not in html
    assert "寇新建 常务副校长 Submitted Late" in text
    # Each handed-in line's texts
    assert re.search(r"寇新建 常务副校长 Submitted Late \d+ characters? handed in "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert "张瑜 副校长 Returned for revision" in text
    assert "罗宁 副校长 Reflection draft Past due" in text
    assert "平杰 党委书记 Not started Past due" in text
    assert "王列席 组织部部长 Submitted Not required" in text
    assert "周敏" not in text
    assert "Due on 2026-04-02." in text and "At least 800 characters." in text


def test_buttons_print_word_pdf_and_news(example, client, login, another_client):
    login(example.people.pingjie)
    sid = example.session.id
    _, html = page(client, f"/sessions/{sid}/report")
    assert "data-report-print" in html
    assert f'href="/sessions/{sid}/report.docx"' in html
    # The PDF is asked for (a job draws a version not drawn yet): a form, with its token.
    assert re.search(rf'<form method="post" action="/sessions/{sid}/report.pdf"[^>]*>\s*'
                     r'<input type="hidden" name="csrf_token"', html)
    assert "/news-release" not in html  # members do not get the news-release draft
    assert 'href="/static/css/report_print.css' in html
    assert 'src="/static/js/report.js' in html

    _, html = page(another_client(example.people.secretary), f"/sessions/{sid}/report")
    assert f'href="/sessions/{sid}/news-release"' in html


def test_no_inline_script_or_style(example, client, login):
    login(example.people.secretary)
    for url in (f"/sessions/{example.session.id}/report",
                f"/sessions/{example.session.id}/news-release"):
        _, html = page(client, url)
        assert " style=" not in html and "<style" not in html
        assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
        assert " onclick=" not in html


def test_hostile_text_is_shown_inert(world, create_session, client, login):
    p = world.people
    session = create_session(world.group, topic=f"主题{HOSTILE}", location=HOSTILE,
                             minutes=f"纪要{HOSTILE}\n\n第二段")
    attend(session, p.pingjie, AttendanceStatus.PRESENT, 1)
    attend(session, p.chen, AttendanceStatus.ON_LEAVE, 2, leave_reason=HOSTILE)
    db.session.add(Talk(session=session, kind=TalkKind.KEYNOTE, speaker=p.pingjie, position=0,
                        summary=HOSTILE, title=HOSTILE))
    db.session.add(FollowUpTask(session=session, title=HOSTILE, detail=HOSTILE,
                                assignee=p.pingjie))
    reflect(session, p.pingjie, ReflectionStatus.ACCEPTED, f"体会{HOSTILE}", title=HOSTILE)
    db.session.commit()

    login(p.secretary)
    for url in (f"/sessions/{session.id}/report", f"/sessions/{session.id}/news-release"):
        response, html = page(client, url)
        assert response.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    # The draft is plain text: it keeps what was typed (escaped only when shown in HTML).
    assert HOSTILE in news.news_release(queries.session_report(session))


def test_a_draft_report_is_marked_and_only_for_secretaries(world, create_session, client, login,
                                                           another_client):
    session = create_session(world.group, status=SessionStatus.DRAFT)
    login(world.people.secretary)
    response, html = page(client, f"/sessions/{session.id}/report")
    assert response.status_code == 200
    assert "report-draft-notice" in html and "report-is-draft" in html

    for user in (world.people.pingjie, world.people.leader):
        other = another_client(user)
        assert other.get(f"/sessions/{session.id}/report").status_code == 404


def test_closed_sessions_have_a_report_cancelled_ones_do_not(world, create_session, client,
                                                             login):
    closed = create_session(world.group, status=SessionStatus.CLOSED, topic="已关闭")
    cancelled = create_session(world.group, status=SessionStatus.CANCELLED, topic="已取消",
                               published_at=datetime(2026, 3, 20, tzinfo=UTC))
    login(world.people.secretary)
    assert client.get(f"/sessions/{closed.id}/report").status_code == 200
    assert client.get(f"/sessions/{closed.id}/news-release").status_code == 200
    assert client.get(f"/sessions/{cancelled.id}/report").status_code == 404
    assert client.get(f"/sessions/{cancelled.id}/news-release").status_code == 404
    assert client.get("/sessions/999999/report").status_code == 404


REPORT_MATRIX = [
    ("anonymous", 302), ("member", 200), ("secretary", 200), ("leader", 200), ("outsider", 404),
    ("admin", 200),
]
NEWS_MATRIX = [
    ("anonymous", 302), ("member", 403), ("secretary", 200), ("leader", 200), ("outsider", 404),
    ("admin", 200),
]


@pytest.mark.parametrize(("role", "status"), REPORT_MATRIX)
def test_report_permissions(world, create_session, as_role, role, status):
    session = create_session(world.group)
    response = as_role(role).get(f"/sessions/{session.id}/report")
    assert response.status_code == status
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), NEWS_MATRIX)
def test_news_release_permissions(world, create_session, as_role, role, status):
    session = create_session(world.group)
    response = as_role(role).get(f"/sessions/{session.id}/news-release")
    assert response.status_code == status
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_session_page_links_to_the_report(example, client, login):
    login(example.people.pingjie)
    _, html = page(client, f"/sessions/{example.session.id}")
    assert f'href="/sessions/{example.session.id}/report"' in html


# --- the query budget ----------------------------------------------------------------------


def fill(session, world, size, create_user):
    """`size` people present with a talk, a task and a submitted reflection each; `size`
    materials with two files each."""
    for i in range(size):
        person = create_user(f"p{session.id}-{i}", f"成员{i}", position="委员")
        admin_services.add_member(world.group, person, GroupRole.MEMBER, GroupTitle.MEMBER)
        attend(session, person, AttendanceStatus.PRESENT, i)
        db.session.add(Talk(session=session, kind=TalkKind.EXCHANGE, speaker=person, position=i,
                            summary="发言"))
        db.session.add(FollowUpTask(session=session, title=f"任务{i}", assignee=person,
                                    organization=world.unit, due_on=PAST))
        reflect(session, person, ReflectionStatus.SUBMITTED, "体会")
        add_material(session, f"材料{i}", i, files=((f"a{i}.pdf", False), (f"b{i}.pdf", False)))
    db.session.commit()


def test_query_count_does_not_grow_with_the_session(world, create_session, create_user,
                                                    count_queries, client, login):
    small = create_session(world.group, topic="小", chair=world.people.pingjie)
    large = create_session(world.group, topic="大", chair=world.people.pingjie)
    fill(small, world, 2, create_user)
    fill(large, world, 15, create_user)

    ids, group_name = (small.id, large.id), world.group.name
    login(world.people.secretary)
    counts = []
    for session_id in ids:
        db.session.expunge_all()  # nobody already in the identity map
        # loaded as the report's routes load it (group, unit, chair, recorder, materials)
        session = db.session.get(StudySession, session_id, options=queries.REPORTED)
        with count_queries() as counter:
            report = queries.session_report(session)
        counts.append(counter.count)
        assert len(report.reflections) == len(report.attendees)
        assert (report.group, report.chair) == (group_name, "平杰")
    # One statement per list: talks, tasks, attendance, reflections (materials came with it).
    assert counts == [4, 4]

    pages = []
    for session_id in ids:
        with count_queries() as counter:
            assert client.get(f"/sessions/{session_id}/report").status_code == 200
        pages.append(counter.count)
    assert pages[0] == pages[1] <= 15


# --- the news-release draft ---------------------------------------------------------------


def test_news_release_of_the_example_session(example):
    """The talks in their recorded order (the chair's address first), each sentence that starts
    with what the speaker did given its speaker; the minutes' 会议要求 and the tasks last.
    (tests/test_news_release.py checks the draft of the demo's record of the same session.)"""
    report = queries.session_report(example.session)
    text = news.news_release(report)
    paragraphs = text.strip().split("\n\n")

    assert paragraphs[0] == example.session.topic
    assert paragraphs[1] == (
        "3月26日下午，中侨职业技术大学党委理论学习中心组在518会议室召开集体学习会议。"
        "会议集体学习了习近平总书记在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的"
        "重要讲话精神和习近平主持中共中央政治局常务委员会会议并发表重要讲话精神。"
        "会议由党委书记平杰同志主持，校党委理论学习中心组成员平杰、陈晓斌、寇新建、管琰琰、"
        "张瑜、罗宁同志参加学习；刘专家、王列席同志列席会议。"
    )
    assert paragraphs[2] == (
        "平杰同志讲话，指出习近平总书记“2·23”重要讲话为全面打赢疫情防控人民战争指明了正确方向。"
    )
    assert paragraphs[3] == "平杰强调，各基层党组织要落实新时代党的建设总要求。"
    assert paragraphs[4] == f"校长、党委副书记陈晓斌作重点发言，{KEYNOTE}。"
    assert paragraphs[5] == (
        "常务副校长寇新建，党委副书记、副校长管琰琰，副校长张瑜，副校长罗宁分别作交流发言。"
        "寇新建结合后勤保障工作交流。罗宁结合招生就业工作交流。"
    )
    assert paragraphs[6] == (
        "会议要求：一是抓紧抓实抓细各项防控工作。"
        "会议还部署了以下工作：制定开学疫情防控方案、开展疫情期间舆情风险研判、传达学习会议精神。"
    )  # not the cancelled task
    assert len(paragraphs) == 7
    assert "最后" not in text
    for private in ("外出参加上级会议", SUBMITTED_BODY, "周敏", "已取消的任务"):
        assert private not in text


@pytest.mark.parametrize(("starts_at", "expected"), [
    (datetime(2026, 3, 26, 1, 0, tzinfo=UTC), "3月26日上午"),
    (datetime(2026, 3, 26, 4, 30, tzinfo=UTC), "3月26日中午"),
    (datetime(2026, 3, 26, 11, 0, tzinfo=UTC), "3月26日晚上"),
    (datetime(2026, 3, 25, 16, 30, tzinfo=UTC), "3月26日凌晨"),  # 00:30 in Shanghai
    (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), "1月1日上午"),  # the next local day
])
def test_news_release_date_is_local(world, create_session, starts_at, expected):
    session = create_session(world.group, starts_at=starts_at,
                             ends_at=starts_at + timedelta(hours=1))
    text = news.news_release(queries.session_report(session))
    assert text.split("\n\n")[1].startswith(f"{expected}，")


def test_news_release_without_materials_chair_or_attendance(world, create_session):
    session = create_session(world.group, topic="学习党的二十大精神", location=None,
                             kind=SessionKind.SEMINAR)
    text = news.news_release(queries.session_report(session))
    assert text == (
        "学习党的二十大精神\n\n"
        "3月26日下午，中侨职业技术大学党委理论学习中心组召开专题研讨会。"
        "会议围绕“学习党的二十大精神”进行了学习交流。\n"
    )


@pytest.mark.parametrize(("organization", "group", "expected"), [
    ("学院党委", "学院党委理论学习中心组", "学院党委理论学习中心组"),
    ("中侨职业技术大学党委", "校党委理论学习中心组", "中侨职业技术大学党委理论学习中心组"),
    ("计算机学院党委", "中心组", "计算机学院党委中心组"),
    ("机关党总支", "机关党总支学习小组", "机关党总支学习小组"),
])
def test_group_named_with_its_unit_once(organization, group, expected):
    assert news.group_name(organization, group) == expected


def test_news_release_page(example, client, login):
    login(example.people.secretary)
    response, html = page(client, f"/sessions/{example.session.id}/news-release")
    assert response.status_code == 200
    textarea = re.search(r'<textarea[^>]*id="news-release-text"[^>]*>(.*?)</textarea>', html,
                         re.S)
    assert textarea and "readonly" not in textarea.group(0)  # the secretary edits it
    assert "3月26日下午，中侨职业技术大学党委理论学习中心组在518会议室召开集体学习会议。" \
        in textarea.group(1)
    assert "同志参加学习" in textarea.group(1)
    assert re.search(r'<label class="form-label" for="news-release-text">', html)
    assert 'data-copy-target="news-release-text"' in html
    assert 'src="/static/js/report.js' in html
