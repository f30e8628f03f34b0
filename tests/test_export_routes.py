"""Word / PDF downloads of the session report and the yearly archive, over HTTP."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin_services
from studytrack.exports.common import zh
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    Job,
    JobKind,
    JobStatus,
    Notification,
    NotificationKind,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
)
from tests.fixtures.jobs import job_download, job_url_of

TOPIC = "学习贯彻习近平总书记重要讲话精神"


@pytest.fixture
def world(world, create_user, create_group, create_session):
    """The shared world; a second member of the group (the absentee), the outsider the
    secretary of another group of the other organisation; the session of 26 March 2026
    recorded (attendance, a talk, a task, an accepted reflection and a draft), and five more:
    a closed one in September, a draft, a cancelled one, and two of the year before, at its
    two ends in Beijing time."""
    world.absentee = create_user("absentee", "寇新建", locale="en")
    admin_services.add_member(world.group, world.absentee)
    create_group(world.elsewhere, secretaries=(world.outsider,))
    world.session = create_session(world.group, topic=TOPIC, chair=world.member,
                                   recorder=world.secretary, minutes="会议指出，要抓紧抓实。")
    db.session.add_all([
        Attendance(session=world.session, user=world.member, status=AttendanceStatus.PRESENT),
        Attendance(session=world.session, user=world.absentee,
                   status=AttendanceStatus.ON_LEAVE, leave_reason="出差",
                   makeup_on=date(2026, 3, 30), sort_order=1),
        Talk(session=world.session, speaker=world.member, kind=TalkKind.CHAIR_ADDRESS,
             summary="抓紧抓实抓细。"),
        FollowUpTask(session=world.session, title="制定开学方案", assignee=world.member,
                     due_on=date(2026, 4, 15), status=TaskStatus.OPEN),
        Reflection(session=world.session, author=world.member, title="凝心聚力",
                   body="疫情防控是一场大考。", char_count=10, status=ReflectionStatus.ACCEPTED,
                   submitted_at=datetime(2026, 3, 28, 2, 0, tzinfo=UTC)),
        Reflection(session=world.session, author=world.absentee, body="草稿不应出现。",
                   char_count=7, status=ReflectionStatus.DRAFT),
    ])
    db.session.commit()
    world.later = create_session(world.group, topic="第二次学习", status=SessionStatus.CLOSED,
                                 starts_at=datetime(2026, 9, 1, 6, 0, tzinfo=UTC))
    world.draft = create_session(world.group, topic="草稿学习", status=SessionStatus.DRAFT,
                                 starts_at=datetime(2026, 5, 1, 6, 0, tzinfo=UTC))
    world.cancelled = create_session(world.group, topic="取消的学习",
                                     status=SessionStatus.CANCELLED,
                                     starts_at=datetime(2026, 6, 1, 6, 0, tzinfo=UTC),
                                     published_at=datetime(2026, 5, 20, tzinfo=UTC))
    # Local (Asia/Shanghai) years: 2025-12-31 23:00 and 2025-01-01 01:00.
    world.last_year = create_session(world.group, topic="去年的学习",
                                     starts_at=datetime(2025, 12, 31, 15, 0, tzinfo=UTC))
    world.new_year = create_session(world.group, topic="元旦的学习",
                                    starts_at=datetime(2024, 12, 31, 17, 0, tzinfo=UTC))
    return world


def pdf_streams(data: bytes) -> bytes:
    """Every Flate stream of a PDF, decompressed and joined (fonts, their CMaps, pages)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(match.group(1)))
    return b"\n".join(out)


def pdf_characters(data: bytes) -> set[str]:
    """The characters the PDF's fonts draw, from their ToUnicode maps (<glyph> <unicode>)."""
    codes = re.findall(rb"<[0-9a-fA-F]+> <([0-9a-fA-F]{4})>", pdf_streams(data))
    return {chr(int(code, 16)) for code in codes}


def disposition_name(response) -> str:
    """The file name a browser saves: RFC 5987 filename* (UTF-8, percent-encoded)."""
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;")
    encoded = header.split("filename*=UTF-8''", 1)[1].split(";", 1)[0]
    return unquote(encoded)


# --- Word and PDF ---------------------------------------------------------------------------


def test_word_download_of_the_session_report(client, login, world):
    login(world.secretary)
    response = client.get(f"/sessions/{world.session.id}/report.docx")

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert disposition_name(response) == f"2026-03-26 {TOPIC}.docx"
    assert f"filename*=UTF-8''{quote(f'2026-03-26 {TOPIC}.docx')}" in (
        response.headers["Content-Disposition"]
    )
    assert "private" in response.headers["Cache-Control"]
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    facts = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert document.paragraphs[0].text == "学习记录"
    assert facts["学习组"] == "校党委理论学习中心组"
    assert facts["主题"] == TOPIC
    assert facts["主持人"] == "张瑜（副校长）"
    assert "请假（1人）：寇新建（请假事由：出差）" in text
    assert "主持讲话：张瑜" in text
    assert "疫情防控是一场大考。" in text  # the accepted reflection in full
    assert "草稿不应出现" not in text  # a draft never


def test_file_name_drops_separators_and_control_characters(client, login, world):
    world.session.topic = "学习/研讨\\记录\n第二行\x07"
    db.session.commit()
    login(world.member)
    response = client.get(f"/sessions/{world.session.id}/report.docx")

    assert response.status_code == 200
    assert disposition_name(response) == "2026-03-26 学习 研讨 记录 第二行.docx"
    assert "\n" not in response.headers["Content-Disposition"]


@pytest.mark.parametrize(("role", "status"), [
    ("member", 200), ("secretary", 200), ("leader", 200), ("admin", 200), ("outsider", 404),
])
def test_who_may_download_the_word_report(client, login, world, role, status):
    login(getattr(world, role))
    assert client.get(f"/sessions/{world.session.id}/report.docx").status_code == status


def test_drafts_and_cancelled_sessions_have_no_download_for_members(client, login, world):
    login(world.member)
    assert client.get(f"/sessions/{world.draft.id}/report.docx").status_code == 404
    assert client.get(f"/sessions/{world.cancelled.id}/report.docx").status_code == 404
    assert client.get("/sessions/999999/report.docx").status_code == 404


def test_secretary_downloads_a_draft_marked_as_such(client, login, world):
    login(world.secretary)
    response = client.get(f"/sessions/{world.draft.id}/report.docx")

    assert response.status_code == 200
    assert docx.Document(io.BytesIO(response.data)).paragraphs[0].text == "学习记录（草稿）"


def test_downloads_need_a_login(client, world):
    response = client.get(f"/sessions/{world.session.id}/report.docx")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_pdf_download_embeds_a_chinese_font(client, login, world):
    login(world.member)
    url = f"/sessions/{world.session.id}/report.pdf"
    job_url = job_url_of(client.post(url))  # not drawn yet: a job draws it
    response = job_download(client, job_url)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert disposition_name(response) == f"2026-03-26 {TOPIC}.pdf"
    assert b"StudyTrack-Serif" in pdf_streams(response.data)  # the fonts the project ships
    assert set(TOPIC + "学习记录校党委理论学习中心组张瑜") <= pdf_characters(response.data)


# --- the yearly archive (prepared by a job: studytrack/jobs) -------------------------------


def ask_for_archive(client, group_id: int, year: int | str):
    """Ask for a year's archive as the page's form does; the job's page it leads to."""
    response = client.post(f"/groups/{group_id}/archive", data={"year": year})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert re.fullmatch(r"/jobs/\d+", response.headers["Location"])
    return response.headers["Location"]


def download_archive(client, job_url: str):
    page = client.get(job_url).get_data(as_text=True)
    assert f'href="{job_url}/download"' in page  # the job ran (immediate mode in the tests)
    return client.get(f"{job_url}/download", buffered=True)


def open_archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_archive_page_offers_the_years(client, login, world):
    login(world.secretary)
    response = client.get(f"/groups/{world.group.id}/archive")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="2026">' in page and '<option value="2025">' in page
    assert '<option value="2024">' not in page  # 2024-12-31 17:00 UTC is 2025 in Shanghai
    assert page.index('value="2026"') < page.index('value="2025"')
    assert 'method="post"' in page


def test_archive_holds_every_record_reflection_and_table(client, login, world):
    login(world.secretary)
    response = download_archive(client, ask_for_archive(client, world.group.id, 2026))

    root = "校党委理论学习中心组 2026年学习档案"
    assert disposition_name(response) == f"{root}.zip"
    assert response.content_length == len(response.data)
    assert response.headers["Cache-Control"] == "private, no-store"
    with open_archive(response) as zipped:
        names = zipped.namelist()
        assert names == [
            f"{root}/01 2026-03-26 {TOPIC}/学习记录.docx",
            f"{root}/01 2026-03-26 {TOPIC}/学习记录.pdf",
            f"{root}/01 2026-03-26 {TOPIC}/心得体会/张瑜.docx",
            f"{root}/02 2026-09-01 第二次学习/学习记录.docx",
            f"{root}/02 2026-09-01 第二次学习/学习记录.pdf",
            f"{root}/出勤登记表.xlsx",
            f"{root}/后续任务清单.xlsx",
            f"{root}/心得体会一览.xlsx",
            f"{root}/目录.html",
        ]  # drafts and other years are left out; cancelled sessions are listed in the index
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
        reflection = docx.Document(io.BytesIO(
            zipped.read(f"{root}/01 2026-03-26 {TOPIC}/心得体会/张瑜.docx")
        ))
        attendance = openpyxl.load_workbook(
            io.BytesIO(zipped.read(f"{root}/出勤登记表.xlsx"))
        ).active
        tasks = openpyxl.load_workbook(io.BytesIO(zipped.read(f"{root}/后续任务清单.xlsx"))).active

    assert "共2次学习" in index and "学习记录（PDF）" in index
    assert "凝心聚力" in reflection.paragraphs[0].text
    assert "疫情防控是一场大考。" in [p.text for p in reflection.paragraphs]
    rows = list(attendance.iter_rows(values_only=True))
    assert rows[0][:6] == ("日期", "主题", "形式", "姓名", "职务", "出勤情况")
    assert rows[1][:6] == (datetime(2026, 3, 26), TOPIC, "集体学习", "张瑜", "副校长", "出席")
    assert rows[2][5:8] == ("请假", "出差", datetime(2026, 3, 30))
    assert attendance["A2"].is_date
    task_rows = list(tasks.iter_rows(values_only=True))
    assert task_rows[1][2] == "制定开学方案" and task_rows[1][6] == datetime(2026, 4, 15)


def test_archive_holds_the_plan_the_cancelled_sessions_and_every_reflection(
    client, login, world
):
    """What an inspection checks beside the records: the year's plan and what became of each
    item, the cancelled sessions with their reason, and reflections not accepted."""
    from studytrack.plans import services as plan_services
    from studytrack.plans.rules import ItemData

    plan = plan_services.create_plan(world.group, 2026, actor=world.secretary)
    done = plan_services.add_item(plan, ItemData(
        topic="学习总书记重要讲话", month=3, responsible_id=world.secretary.id),
        expected_version=plan.version)
    plan_services.add_item(plan, ItemData(topic="专题研讨", month=5, kind=SessionKind.SEMINAR),
                           expected_version=plan.version)
    db.session.get(StudySession, world.session.id).plan_item_id = done.id
    db.session.commit()
    login(world.secretary)
    cancelled = client.post(f"/sessions/{world.draft.id}/cancel",
                            data={"cancel-reason": "与全校大会冲突，改期"})
    assert cancelled.status_code == 302, cancelled.get_data(as_text=True)[:300]

    root = "校党委理论学习中心组 2026年学习档案"
    with open_archive(download_archive(client, ask_for_archive(client, world.group.id, 2026))
                      ) as zipped:
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
        plan_rows = list(openpyxl.load_workbook(io.BytesIO(
            zipped.read(f"{root}/年度学习计划.xlsx"))).active.iter_rows(values_only=True))
        listed = list(openpyxl.load_workbook(io.BytesIO(
            zipped.read(f"{root}/心得体会一览.xlsx"))).active.iter_rows(values_only=True))

    assert plan_rows[0] == ("时间", "学习专题", "形式", "责任人", "完成情况", "对应的学习活动")
    assert plan_rows[1][:5] == ("3月", "学习总书记重要讲话", "集体学习", "李婧", "已开展")
    assert plan_rows[1][5] == f"2026-03-26 {TOPIC}"
    assert plan_rows[2][0] == "5月" and plan_rows[2][4] in ("待开展", "逾期未开展")
    assert "已取消的学习" in index and "草稿学习（取消原因：与全校大会冲突，改期）" in index
    assert "年度学习计划及完成情况（Excel）" in index and "心得体会一览（Excel）" in index
    # A cover that prints on a page of its own, and the year against its targets.
    assert '<div class="cover"><h1>校党委理论学习中心组 2026年学习档案</h1>' in index
    assert "page-break-after:always" in index and "<h2>目录</h2>" in index
    assert "<h2>全年学习情况（对照目标）</h2>" in index
    assert "<tr><td>已开展次数</td><td>2</td>" in index
    statuses = {row[2]: row[4] for row in listed[1:] if row[1] == TOPIC}
    assert statuses == {"张瑜": zh(ReflectionStatus.ACCEPTED), "寇新建": zh(ReflectionStatus.DRAFT)}


def test_archive_with_pdfs(client, login, world):
    login(world.leader)
    response = download_archive(client, ask_for_archive(client, world.group.id, 2025))

    root = "校党委理论学习中心组 2025年学习档案"
    with open_archive(response) as zipped:
        names = zipped.namelist()
        assert f"{root}/01 2025-01-01 元旦的学习/学习记录.pdf" in names
        assert f"{root}/02 2025-12-31 去年的学习/学习记录.pdf" in names
        assert zipped.read(names[1]).startswith(b"%PDF-")
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
    assert "学习记录（PDF）" in index


@pytest.mark.parametrize(("role", "status"), [
    ("member", 403), ("secretary", 200), ("leader", 200), ("admin", 200), ("outsider", 404),
])
def test_who_may_open_the_archive(client, login, world, role, status):
    login(getattr(world, role))
    assert client.get(f"/groups/{world.group.id}/archive").status_code == status
    asked = client.post(f"/groups/{world.group.id}/archive", data={"year": 2026})
    assert asked.status_code == (302 if status == 200 else status)
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == (1 if status == 200 else 0)


def test_archive_refuses_a_year_it_does_not_offer(client, login, world):
    login(world.secretary)
    for value in ("abc", "", "99999", "2020"):  # 2020: the group held no session then
        response = client.post(f"/groups/{world.group.id}/archive", data={"year": value})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'class="invalid-feedback"' in page
        assert '<option value="2026">' in page  # the form is shown again
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_asking_again_joins_the_archive_until_its_data_changes(client, login, world):
    """A second click while it is built, or once it is made, is the same job (no second file);
    a change to one of the year's sessions makes a new one."""
    login(world.secretary)
    first = ask_for_archive(client, world.group.id, 2026)
    assert ask_for_archive(client, world.group.id, 2026) == first
    assert ask_for_archive(client, world.group.id, 2025) != first  # another year

    session = db.session.get(StudySession, world.session.id)
    saved = client.post(f"/sessions/{session.id}/minutes",
                        data={"minutes": "会议强调，要学深悟透。", "version": session.version})
    assert saved.status_code == 302
    again = ask_for_archive(client, world.group.id, 2026)
    assert again != first
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 3


def test_the_archive_job_notifies_who_asked_and_shows_its_progress(client, login, world):
    login(world.secretary)
    job_url = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job))

    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 3, 3)
    assert job.attempts == 1 and job.error is None
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    note = db.session.scalar(sa.select(Notification))
    assert (note.user_id, note.kind) == (world.secretary.id, NotificationKind.EXPORT_READY)
    assert note.details == {"job_id": job.id, "name": "校党委理论学习中心组 2026年学习档案.zip"}
    listed = client.get("/notifications").get_data(as_text=True)
    assert "校党委理论学习中心组 2026年学习档案.zip" in listed
    assert f'data-target="{job_url}"' in listed

    fragment = client.get(f"{job_url}/progress", headers={"HX-Request": "true"})
    assert 'data-status="done"' in fragment.get_data(as_text=True)
    assert "hx-trigger" not in fragment.get_data(as_text=True)  # done: it stops polling
    assert client.get(f"{job_url}/progress").status_code == 302  # without htmx: the page


@pytest.mark.parametrize(("role", "status"), [
    ("member", 404), ("secretary", 200), ("leader", 200), ("admin", 200), ("outsider", 404),
])
def test_who_may_see_and_download_an_archive_job(client, login, world, role, status):
    login(world.secretary)
    job_url = ask_for_archive(client, world.group.id, 2026)
    client.post("/auth/logout")
    login(getattr(world, role))
    assert client.get(job_url).status_code == status
    assert client.get(f"{job_url}/download", buffered=True).status_code == status


def test_a_failed_archive_says_so_and_the_administrator_tries_it_again(
    client, login, world, monkeypatch
):
    from studytrack.jobs import services as job_services

    def broken(job, progress):
        raise OSError("disk full at 学习档案")

    login(world.secretary)
    with monkeypatch.context() as patched:
        patched.setitem(job_services.BUILDERS, JobKind.GROUP_ARCHIVE, broken)
        job_url = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job))
    assert job.status == JobStatus.FAILED
    assert job.error == "OSError: disk full at 学习档案"
    page = client.get(job_url).get_data(as_text=True)
    assert "disk full" not in page and "OSError" not in page  # no internals for users
    assert 'data-status="failed"' in page
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0

    client.post("/auth/logout")
    login(world.secretary)
    assert client.get("/jobs/").status_code == 403
    assert client.post(f"/jobs/{job.id}/retry").status_code == 403
    client.post("/auth/logout")
    login(world.admin)
    listed = client.get("/jobs/?status=failed").get_data(as_text=True)
    assert f'data-job-id="{job.id}"' in listed and "OSError: disk full at 学习档案" in listed
    assert client.post(f"/jobs/{job.id}/retry").status_code == 302  # runs again, and works
    db.session.expire_all()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 2, None)
    assert client.get(f"{job_url}/download", buffered=True).status_code == 200


def test_files_whose_time_is_up_are_removed(app, client, login, world):
    from studytrack.jobs import services as job_services

    login(world.secretary)
    job_url = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job))
    kept = Path(app.config["JOBS_FILE_FOLDER"]) / str(job_services.file_of(job))
    assert kept.is_file() and kept.parent.name == "jobs"

    assert job_services.remove_expired() == 0  # not yet
    job.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert job_services.remove_expired() == 1
    assert not kept.exists() and job.file_path is None
    response = client.get(f"{job_url}/download")
    assert response.status_code == 302 and response.headers["Location"] == job_url
    assert ask_for_archive(client, world.group.id, 2026) != job_url  # made again when asked


def test_a_report_pdf_is_drawn_once_per_version_of_the_report(app, client, login, world,
                                                               monkeypatch):
    """The report's button asks for the PDF: the first time a job draws it; then it is sent
    at once, by the button and by the link, until the report changes."""
    from studytrack.exports import pdf

    drawn: list[str] = []
    draw = pdf.report_pdf
    monkeypatch.setattr(pdf, "report_pdf", lambda **kw: drawn.append("pdf") or draw(**kw))
    kept = Path(app.config["JOBS_FILE_FOLDER"]) / "report-pdfs"
    url = f"/sessions/{world.session.id}/report.pdf"
    login(world.secretary)

    first = job_download(client, job_url_of(client.post(url))).data
    again = client.post(url)  # drawn before: sent at once, no job
    assert again.status_code == 200 and again.data == first
    assert client.get(url, buffered=True).data == first
    assert len(drawn) == 1 and len(list(kept.glob("*.pdf"))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 1

    session = db.session.get(StudySession, world.session.id)
    client.post(f"/sessions/{session.id}/minutes",
                data={"minutes": "会议强调，要学深悟透。", "version": session.version})
    stale = client.get(url)  # this version is not drawn: back to the report's button
    assert stale.status_code == 302
    assert stale.headers["Location"] == f"/sessions/{session.id}/report"
    assert "is not made yet" in client.get(stale.headers["Location"]).get_data(as_text=True)
    changed = job_download(client, job_url_of(client.post(url))).data
    assert changed != first and len(drawn) == 2  # a new version of the report: drawn anew
    assert len(list(kept.glob("*.pdf"))) == 2

    # The archive takes the kept PDF of each report its reader would get (the secretary's).
    job_url = ask_for_archive(client, world.group.id, 2026)
    root = "校党委理论学习中心组 2026年学习档案"
    with open_archive(download_archive(client, job_url)) as zipped:
        in_archive = zipped.read(f"{root}/01 2026-03-26 {TOPIC}/学习记录.pdf")
    assert in_archive == changed
    assert len(drawn) == 3  # only the September session's, which was not kept yet


def test_the_report_pdf_job_is_its_askers(client, login, world):
    """A PDF shows what its asker may read: its job's page and file are the asker's alone
    (and the administrator's)."""
    login(world.member)
    job_url = job_url_of(client.post(f"/sessions/{world.session.id}/report.pdf"))
    page = client.get(job_url).get_data(as_text=True)
    assert f'href="/sessions/{world.session.id}/report"' in page  # back to the report
    assert TOPIC in page
    for role, status in (("secretary", 404), ("leader", 404), ("outsider", 404),
                         ("admin", 200)):
        client.post("/auth/logout")
        login(getattr(world, role))
        assert client.get(job_url).status_code == status, role
        assert client.get(f"{job_url}/download", buffered=True).status_code == status, role


def test_a_pdf_job_whose_asker_may_no_longer_export_fails(app, world):
    """Run as its asker: one who left the group meanwhile gets no PDF of its records."""
    from studytrack.jobs import services as job_services

    job = Job(kind=JobKind.REPORT_PDF, key="report_pdf:test", version="v",
              requested_by_id=world.outsider.id,
              params={"session_id": world.session.id, "topic": TOPIC,
                      "url_root": "http://localhost/"})
    db.session.add(job)
    db.session.commit()
    job_services.run(job.id, last_attempt=True)
    db.session.expire_all()
    assert job.status == JobStatus.FAILED and "PermissionError" in job.error
    assert job.file_path is None


def test_asking_for_a_pdf_needs_the_export_permission(client, login, world):
    login(world.outsider)
    assert client.post(f"/sessions/{world.session.id}/report.pdf").status_code == 404
    client.post("/auth/logout")
    login(world.member)
    assert client.post(f"/sessions/{world.draft.id}/report.pdf").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_kept_report_pdfs_not_used_for_a_while_are_removed(app, client, login, world):
    import os

    from studytrack.jobs import services as job_services

    login(world.secretary)
    job_download(client, job_url_of(client.post(f"/sessions/{world.session.id}/report.pdf")))
    kept = next((Path(app.config["JOBS_FILE_FOLDER"]) / "report-pdfs").glob("*.pdf"))
    job_services.remove_expired()
    assert kept.exists()  # used just now
    hours = app.config["JOBS_KEEP_HOURS"]
    old = datetime.now(UTC).timestamp() - 3600 * hours - 60
    os.utime(kept, (old, old))
    job_services.remove_expired()
    assert not kept.exists()


def test_a_stalled_job_is_not_joined_and_the_clean_up_fails_it(client, login, world):
    """A worker killed while it ran an archive leaves it "running": after JOBS_STALE_MINUTES
    asking again starts a new one, and the clean-up fails the old one for all to see."""
    from studytrack.jobs import services as job_services

    login(world.secretary)
    first = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job))
    job.status = JobStatus.RUNNING
    job.started_at = datetime.now(UTC) - timedelta(minutes=59)
    db.session.commit()
    assert ask_for_archive(client, world.group.id, 2026) == first  # still on its way
    assert job_services.fail_stalled() == 0

    job.started_at = datetime.now(UTC) - timedelta(minutes=61)
    db.session.commit()
    assert ask_for_archive(client, world.group.id, 2026) != first
    db.session.expire_all()
    assert job_services.fail_stalled() == 1
    assert job.status == JobStatus.FAILED and job.error.startswith("Stalled")


def test_an_attempt_that_fails_before_the_last_waits_for_the_next(app, client, login, world,
                                                                   monkeypatch):
    """Not the last attempt: the job waits again with the error noted, and the queue is
    told to try later (the error goes on to it); the next attempt may succeed."""
    from studytrack.jobs import services as job_services

    login(world.secretary)
    job_url = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job))
    job.status, job.file_path = JobStatus.QUEUED, None
    db.session.commit()

    def broken(job, progress):
        raise TimeoutError("the database did not answer")

    with monkeypatch.context() as patched:
        patched.setitem(job_services.BUILDERS, JobKind.GROUP_ARCHIVE, broken)
        with pytest.raises(TimeoutError):
            job_services.run(job.id, last_attempt=False)
    db.session.expire_all()
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 2)
    assert job.error == "TimeoutError: the database did not answer"
    page = client.get(job_url).get_data(as_text=True)
    assert 'data-status="queued"' in page and "hx-trigger" in page

    with app.test_request_context():
        job_services.run(job.id, last_attempt=True)
    db.session.expire_all()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 3, None)
