"""Follow-up task pages: adding and editing from the session, the task page and its status
forms, "my tasks", the session page's task section, and who may open what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g, render_template
from flask_login import login_user

from studytrack.admin import services as admin_services
from studytrack.authz import session_or_404
from studytrack.extensions import db
from studytrack.followups import queries, services
from studytrack.models import (
    AuditEvent,
    FollowUpTask,
    GroupMembership,
    SessionStatus,
    TaskStatus,
)
from studytrack.study_sessions.queries import SESSION_PAGE
from studytrack.timeutil import local_date_of, today_local


@pytest.fixture
def world(app, world, create_user, create_session):
    """The shared world (the group's unit has a branch below it), the assignee (a second member
    of the group), a session 30 days ago and two of its tasks for the assignee: one open, due
    in 30 days, and one done."""
    world.assignee = create_user("assignee", "assignee同志", locale="en")
    admin_services.add_member(world.group, world.assignee)
    world.session = create_session(world.group, starts_at=datetime.now(UTC) - timedelta(days=30))
    world.session_date = local_date_of(world.session.starts_at)
    with _as(app, world.secretary):
        world.task = services.create_task(
            world.session, title="报送学习心得", assignee=world.assignee,
            due_on=world.session_date + timedelta(days=60), actor=world.secretary,
        )
        world.done = services.create_task(
            world.session, title="已完成的任务", assignee=world.assignee, actor=world.secretary,
        )
        services.complete_task(world.done, "已报送", actor=world.assignee)
    db.session.commit()
    return world


class _as:
    """A request context with `user` logged in, for calling services and rendering partials."""

    def __init__(self, app, user):
        self.context = app.test_request_context()
        self.user = user

    def __enter__(self):
        self.context.push()
        if self.user is not None:
            login_user(self.user)
        return self

    def __exit__(self, *exc):
        # The request context shares the fixture's app context: forget whom it logged in.
        for key in list(g):
            g.pop(key, None)
        self.context.pop()


def _task_data(world, **overrides):
    data = {
        "title": "学习贯彻会议精神",
        "detail": "结合分管工作制定落实措施",
        "assignee_id": str(world.member.id),
        "organization_id": "",
        "due_on": (world.session_date + timedelta(days=14)).isoformat(),
    }
    data.update(overrides)
    return data


def _count(model=FollowUpTask):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _reload(task):
    db.session.expire_all()
    return db.session.get(FollowUpTask, task.id)


# --- the permission matrix ----------------------------------------------------------------------

ROLES = ("anonymous", "member", "assignee", "secretary", "leader", "outsider", "admin")


def _expect(anonymous, member, assignee, secretary, leader, outsider, admin):
    return dict(zip(ROLES, (anonymous, member, assignee, secretary, leader, outsider, admin),
                    strict=True))


ENDPOINTS = {
    "my_tasks": ("GET", "/tasks/mine", None, _expect(302, 200, 200, 200, 200, 200, 200)),
    "create_form": ("GET", "/sessions/{session}/tasks/new", None,
                    _expect(302, 403, 403, 200, 403, 404, 200)),
    "create": ("POST", "/sessions/{session}/tasks/new", "task",
               _expect(302, 403, 403, 302, 403, 404, 302)),
    "detail": ("GET", "/tasks/{task}", None, _expect(302, 200, 200, 200, 200, 404, 200)),
    "edit_form": ("GET", "/tasks/{task}/edit", None, _expect(302, 403, 403, 200, 403, 404, 200)),
    "edit": ("POST", "/tasks/{task}/edit", "edit", _expect(302, 403, 403, 302, 403, 404, 302)),
    "progress": ("POST", "/tasks/{task}/progress", {"status": "in_progress"},
                 _expect(302, 403, 302, 302, 403, 404, 302)),
    "cancel": ("POST", "/tasks/{task}/cancel", {"reason": "工作调整"},
               _expect(302, 403, 403, 302, 403, 404, 302)),
    "reopen": ("POST", "/tasks/{done}/reopen", {"reason": ""},
               _expect(302, 403, 403, 302, 403, 404, 302)),
}

MATRIX = [
    pytest.param(name, role, expected[role], id=f"{name}-{role}")
    for name, (_, _, _, expected) in ENDPOINTS.items()
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint", "role", "status"), MATRIX)
def test_permission_matrix(client, login, world, endpoint, role, status):
    method, url, data, _ = ENDPOINTS[endpoint]
    url = url.format(session=world.session.id, task=world.task.id, done=world.done.id)
    if data == "task":
        data = _task_data(world)
    elif data == "edit":
        data = _task_data(world, assignee_id=str(world.assignee.id), version=world.task.version)
    if role != "anonymous":
        login(getattr(world, role))
    response = client.open(url, method=method, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_tasks_on_a_draft_session_are_hidden_except_from_their_assignee(
    client, login, world, create_session, app
):
    draft = create_session(world.group, status=SessionStatus.DRAFT,
                           starts_at=datetime.now(UTC) - timedelta(days=3))
    with _as(app, world.secretary):
        task = services.create_task(draft, title="草稿里的任务", assignee=world.assignee,
                                    actor=world.secretary)
    db.session.commit()
    login(world.member)
    assert client.get(f"/tasks/{task.id}").status_code == 404
    login(world.leader)
    assert client.get(f"/tasks/{task.id}").status_code == 404
    login(world.assignee)
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert f'href="/sessions/{draft.id}' not in page.get_data(as_text=True)


def test_an_assignee_who_left_the_group_keeps_their_task(client, login, world):
    membership = db.session.scalar(
        sa.select(GroupMembership).where(GroupMembership.user_id == world.assignee.id)
    )
    membership.left_on = date.today()
    db.session.commit()
    login(world.assignee)
    mine = client.get("/tasks/mine").get_data(as_text=True)
    assert "报送学习心得" in mine
    assert f'href="/sessions/{world.session.id}' not in mine  # the session is no longer theirs
    assert client.get(f"/tasks/{world.task.id}").status_code == 200
    response = client.post(f"/tasks/{world.task.id}/progress", data={"status": "in_progress"})
    assert response.status_code == 302
    assert _reload(world.task).status == TaskStatus.IN_PROGRESS
    assert client.get(f"/tasks/{world.task.id}/edit").status_code == 403


def test_no_tasks_are_added_to_a_closed_session(client, login, world):
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    login(world.secretary)
    assert client.get(f"/sessions/{world.session.id}/tasks/new").status_code == 403
    before = _count()
    response = client.post(f"/sessions/{world.session.id}/tasks/new", data=_task_data(world))
    assert response.status_code == 403
    assert _count() == before


# --- adding a task ------------------------------------------------------------------------------


def test_secretary_adds_a_task(client, login, world):
    login(world.secretary)
    form = client.get(f"/sessions/{world.session.id}/tasks/new").get_data(as_text=True)
    for person in (world.member, world.assignee, world.secretary):
        assert f'<option value="{person.id}">{person.display_name}' in form
    assert world.outsider.display_name not in form
    assert "\u00a0\u00a0\u00a0办公室党支部" in form  # units below the group's, indented
    assert world.top.name not in form and world.elsewhere.name not in form

    response = client.post(
        f"/sessions/{world.session.id}/tasks/new",
        data=_task_data(world, organization_id=str(world.branch.id)),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{world.session.id}#tasks")
    task = db.session.scalar(
        sa.select(FollowUpTask).where(FollowUpTask.title == "学习贯彻会议精神")
    )
    assert task.assignee_id == world.member.id and task.organization_id == world.branch.id
    assert task.due_on == world.session_date + timedelta(days=14)
    assert task.status == TaskStatus.OPEN and task.created_by_id == world.secretary.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "task.create",
                                    AuditEvent.object_id == task.id)
    )
    assert event.details["session_id"] == world.session.id
    assert event.actor_id == world.secretary.id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"assignee_id": "", "organization_id": ""}, "assignee_id",
         "Choose an assignee or a responsible unit"),
        ({"due_on": "before"}, "due_on", "The due date cannot be before the session"),
        ({"title": "  "}, "title", "Enter a title."),
        ({"assignee_id": "outsider"}, "assignee_id", "Not a valid choice"),
        ({"organization_id": "top"}, "organization_id", "Not a valid choice"),
        ({"due_on": "2026-02-30"}, "due_on", "Not a valid date value"),
    ],
)
def test_bad_task_input_is_shown_beside_the_field_and_kept(
    client, login, world, overrides, field, message
):
    if overrides.get("due_on") == "before":
        overrides["due_on"] = (world.session_date - timedelta(days=1)).isoformat()
    if overrides.get("assignee_id") == "outsider":
        overrides["assignee_id"] = str(world.outsider.id)
    if overrides.get("organization_id") == "top":
        overrides["organization_id"] = str(world.top.id)
    login(world.secretary)
    before = _count()
    response = client.post(
        f"/sessions/{world.session.id}/tasks/new",
        data=_task_data(world, detail="<b>保留</b>我的输入", **overrides),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _count() == before
    assert f'id="{field}-feedback"' in page
    feedback = page.split(f'id="{field}-feedback"', 1)[1][:400]
    assert message in feedback
    assert "&lt;b&gt;保留&lt;/b&gt;我的输入" in page  # the input is kept (and escaped)


def test_a_task_for_a_unit_only(client, login, world):
    login(world.secretary)
    response = client.post(
        f"/sessions/{world.session.id}/tasks/new",
        data=_task_data(world, assignee_id="", organization_id=str(world.unit.id), due_on=""),
    )
    assert response.status_code == 302
    task = db.session.scalar(sa.select(FollowUpTask).order_by(FollowUpTask.id.desc()).limit(1))
    assert task.assignee_id is None and task.organization_id == world.unit.id
    assert task.due_on is None


# --- editing ------------------------------------------------------------------------------------


def test_secretary_edits_a_task(client, login, world):
    login(world.secretary)
    form = client.get(f"/tasks/{world.task.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{world.task.version}"' in form
    assert 'value="报送学习心得"' in form
    response = client.post(
        f"/tasks/{world.task.id}/edit",
        data=_task_data(world, title="报送学习心得体会", assignee_id=str(world.assignee.id),
                        version=world.task.version),
    )
    assert response.status_code == 302
    task = _reload(world.task)
    assert task.title == "报送学习心得体会" and task.version == 2
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task.update"))
    assert event.details["changes"]["title"] == ["报送学习心得", "报送学习心得体会"]
    assert event.details["session_id"] == world.session.id


def test_a_stale_edit_is_refused_and_the_input_kept(client, login, world, app):
    login(world.secretary)
    seen_version = world.task.version
    # Another secretary saves first.
    with _as(app, world.admin):
        services.update_task(world.task, expected_version=seen_version, title="别人先改了",
                             assignee=world.assignee, actor=world.admin)
    db.session.commit()

    data = _task_data(world, title="我的修改", assignee_id=str(world.assignee.id),
                      version=seen_version)
    response = client.post(f"/tasks/{world.task.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this task" in page
    assert 'value="我的修改"' in page  # the user's input stays on the page
    assert 'id="saved-version"' in page and "别人先改了" in page  # beside the saved version
    assert _reload(world.task).title == "别人先改了"
    assert f'name="version" type="hidden" value="{seen_version + 1}"' in page

    # Saving again, knowingly, over the version now shown.
    response = client.post(f"/tasks/{world.task.id}/edit",
                           data={**data, "version": seen_version + 1})
    assert response.status_code == 302
    assert _reload(world.task).title == "我的修改"


def test_an_edit_without_a_version_is_treated_as_stale(client, login, world):
    login(world.secretary)
    data = _task_data(world, title="没有版本号", assignee_id=str(world.assignee.id))
    response = client.post(f"/tasks/{world.task.id}/edit", data=data)
    assert response.status_code == 200
    assert _reload(world.task).title == "报送学习心得"


# --- the status flow through the pages ----------------------------------------------------------


def test_assignee_starts_and_completes_a_task(client, login, world):
    login(world.assignee)
    response = client.post(
        f"/tasks/{world.task.id}/progress", data={"status": "in_progress", "next": "/tasks/mine"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/tasks/mine"
    assert _reload(world.task).status == TaskStatus.IN_PROGRESS

    # Marking done without a note: the message is beside the note field, nothing is saved.
    response = client.post(
        f"/tasks/{world.task.id}/progress", data={"status": "done", "completion_note": "  "}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write a completion note" in page.split('id="completion_note-feedback"', 1)[1][:300]
    assert _reload(world.task).status == TaskStatus.IN_PROGRESS

    response = client.post(
        f"/tasks/{world.task.id}/progress",
        data={"status": "done", "completion_note": "已报送党委办公室"},
    )
    assert response.status_code == 302
    task = _reload(world.task)
    assert task.status == TaskStatus.DONE
    assert task.completion_note == "已报送党委办公室"
    assert task.completed_by_id == world.assignee.id and task.completed_at is not None
    events = {
        e.action: e.details for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_id == task.id,
                                        AuditEvent.object_type == "FollowUpTask"))
    }
    assert events["task.progress"] == {
        "from": "open", "to": "in_progress", "session_id": world.session.id
    }
    assert events["task.complete"]["from"] == "in_progress"
    assert events["task.complete"]["to"] == "done"


@pytest.mark.parametrize(
    ("task_name", "status", "message"),
    [
        ("done", "open", "already done"),
        ("done", "in_progress", "already done"),
        ("task", "open", "already has this status"),
        ("task", "cancelled", "Only a study secretary can cancel"),
        ("task", "nonsense", "Unknown task status"),
    ],
)
def test_illegal_moves_answer_with_a_message(client, login, world, task_name, status, message):
    task = getattr(world, task_name)
    before = task.status
    login(world.assignee)
    response = client.post(f"/tasks/{task.id}/progress", data={"status": status})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _reload(task).status == before


def test_progress_on_a_cancelled_task_is_refused(client, login, world):
    login(world.secretary)
    client.post(f"/tasks/{world.task.id}/cancel", data={"reason": "工作调整"})
    login(world.assignee)
    response = client.post(f"/tasks/{world.task.id}/progress", data={"status": "in_progress"})
    assert response.status_code == 200
    assert "cancelled; a study secretary can reopen it" in response.get_data(as_text=True)
    assert _reload(world.task).status == TaskStatus.CANCELLED


def test_cancel_needs_a_reason(client, login, world):
    login(world.secretary)
    response = client.post(f"/tasks/{world.task.id}/cancel", data={"reason": " "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the reason for cancelling" in page.split('id="reason-feedback"', 1)[1][:300]
    assert _reload(world.task).status == TaskStatus.OPEN

    response = client.post(f"/tasks/{world.task.id}/cancel", data={"reason": "工作调整"})
    assert response.status_code == 302
    task = _reload(world.task)
    assert task.status == TaskStatus.CANCELLED and task.cancel_reason == "工作调整"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task.cancel"))
    assert (event.details["from"], event.details["to"]) == ("open", "cancelled")
    assert event.details["session_id"] == world.session.id


def test_secretary_reopens_a_done_task(client, login, world):
    login(world.secretary)
    response = client.post(f"/tasks/{world.done.id}/reopen", data={"reason": "材料不全"})
    assert response.status_code == 302
    task = _reload(world.done)
    assert task.status == TaskStatus.IN_PROGRESS and task.completed_at is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task.reopen"))
    assert (event.details["from"], event.details["to"]) == ("done", "in_progress")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "已报送" in page and "材料不全" in page  # the history keeps the note and the reason

    response = client.post(f"/tasks/{world.task.id}/reopen", data={})
    assert response.status_code == 200
    assert "Only done or cancelled tasks can be reopened" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "https://evil.example/"]
)
def test_next_never_leaves_the_site(client, login, world, target):
    login(world.assignee)
    response = client.post(
        f"/tasks/{world.task.id}/progress", data={"status": "in_progress", "next": target}
    )
    assert response.headers["Location"] == f"/tasks/{world.task.id}"


# --- the task page ------------------------------------------------------------------------------


def test_task_page_shows_the_forms_each_person_may_use(client, login, world):
    login(world.assignee)
    page = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert 'id="complete"' in page and "Start work" in page
    assert 'id="cancel-task"' not in page and f"/tasks/{world.task.id}/edit" not in page

    login(world.member)
    page = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert "报送学习心得" in page
    assert 'id="complete"' not in page and 'id="cancel-task"' not in page

    login(world.secretary)
    page = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert 'id="complete"' in page and 'id="cancel-task"' in page
    assert f"/tasks/{world.task.id}/edit" in page
    page = client.get(f"/tasks/{world.done.id}").get_data(as_text=True)
    assert 'id="reopen-task"' in page and 'id="complete"' not in page


def test_user_text_is_escaped(client, login, world, app):
    with _as(app, world.secretary):
        services.update_task(world.task, expected_version=world.task.version,
                             title="<script>alert(1)</script>", detail="<img src=x onerror=1>",
                             assignee=world.assignee)
    db.session.commit()
    login(world.assignee)
    for url in (f"/tasks/{world.task.id}", "/tasks/mine"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page


# --- my tasks -----------------------------------------------------------------------------------


def _make_tasks(app, world, n, **fields):
    with _as(app, world.secretary):
        for i in range(n):
            services.create_task(world.session, title=f"任务{i}", assignee=world.assignee,
                                 actor=world.secretary, **fields)
    db.session.commit()


def test_overdue_tasks_stand_out_on_my_tasks(client, login, world, app):
    today = today_local()
    with _as(app, world.secretary):
        late = services.create_task(world.session, title="昨天到期", assignee=world.assignee,
                                    due_on=today - timedelta(days=1), actor=world.secretary)
        soon = services.create_task(world.session, title="明天到期", assignee=world.assignee,
                                    due_on=today + timedelta(days=1), actor=world.secretary)
        old_done = services.create_task(world.session, title="逾期但已完成",
                                        assignee=world.assignee,
                                        due_on=today - timedelta(days=2), actor=world.secretary)
        services.complete_task(old_done, "完成", actor=world.assignee)
    db.session.commit()
    login(world.assignee)
    page = client.get("/tasks/mine").get_data(as_text=True)

    def row(task):
        start = page.index(f'data-task-id="{task.id}"')
        return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]

    assert "task-overdue" in row(late) and "task-overdue-badge" in row(late)
    assert "Overdue" in row(late)
    assert "task-overdue" not in row(soon) and "Overdue" not in row(soon)
    assert "task-overdue" not in row(old_done)
    # Open and in progress first, by due date (the overdue one on top); finished ones after.
    assert page.index("昨天到期") < page.index("明天到期") < page.index("报送学习心得")
    assert page.index("报送学习心得") < page.index("逾期但已完成")
    # On the task page too.
    detail = client.get(f"/tasks/{late.id}").get_data(as_text=True)
    assert "task-overdue-badge" in detail
    assert "task-overdue-badge" not in client.get(f"/tasks/{soon.id}").get_data(as_text=True)


def test_my_tasks_lists_only_my_tasks(client, login, world):
    login(world.member)
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "报送学习心得" not in page
    login(world.assignee)
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "报送学习心得" in page and "已完成的任务" in page
    assert f'action="/tasks/{world.task.id}/progress"' in page  # "Start work"
    # "Mark as done…" opens the note form on the task page, which leads back here afterwards.
    assert f'href="/tasks/{world.task.id}?next=/tasks/mine#complete"' in page
    detail = client.get(f"/tasks/{world.task.id}?next=/tasks/mine").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/tasks/mine">' in detail
    response = client.post(f"/tasks/{world.task.id}/progress",
                           data={"status": "done", "completion_note": "完成了",
                                 "next": "/tasks/mine"})
    assert response.headers["Location"] == "/tasks/mine"


@pytest.mark.parametrize("closed", [False, True])
def test_my_tasks_queries_do_not_grow_with_tasks(
    client, login, world, app, count_queries, create_group, create_session, closed
):
    login(world.assignee)

    def measure():
        with count_queries() as counter:
            assert client.get("/tasks/mine").status_code == 200
        return counter.count

    # Tasks in two groups' sessions, some overdue.
    other_group = create_group(world.branch, members=(world.assignee,))
    other_session = create_session(other_group, starts_at=datetime.now(UTC) - timedelta(days=9))

    def add(n):
        with _as(app, world.secretary):
            for i in range(n):
                session = world.session if i % 2 else other_session
                task = services.create_task(
                    session, title=f"任务{i}", assignee=world.assignee,
                    organization=world.branch if i % 3 else None,
                    due_on=today_local() - timedelta(days=1 if i % 2 else -3),
                    actor=world.secretary,
                )
                if closed:
                    services.complete_task(task, "完成", actor=world.assignee)
        db.session.commit()

    add(3)
    small = measure()
    add(27)
    assert measure() == small
    assert small <= 8, small


def test_open_task_count(world):
    assert queries.open_task_count(world.assignee) == 1
    assert queries.open_task_count(world.member) == 0


# --- the session page's task section --------------------------------------------------------


def _render_section(app, world, user):
    with _as(app, user):
        session = session_or_404(world.session.id, *SESSION_PAGE)
        return render_template(
            "followups/_session_tasks.html", session=session, today=today_local()
        )


def test_session_section_for_a_secretary(app, world):
    with _as(app, world.secretary):
        services.cancel_task(world.task, "工作调整", actor=world.secretary)
        services.create_task(world.session, title="逾期任务", organization=world.branch,
                             due_on=today_local() - timedelta(days=1), actor=world.secretary)
    db.session.commit()
    html = _render_section(app, world, world.secretary)
    assert f'href="/sessions/{world.session.id}/tasks/new"' in html
    assert f'href="/tasks/{world.task.id}/edit"' in html
    assert "工作调整" in html  # the cancel reason
    assert "已报送" in html  # the completion note
    assert "task-overdue" in html and world.branch.name in html
    assert 'class="table-responsive"' in html


def test_session_section_for_a_member(app, world):
    html = _render_section(app, world, world.member)
    assert "tasks/new" not in html and "/edit" not in html
    assert f'href="/tasks/{world.task.id}"' in html
    assert world.assignee.display_name in html


def test_session_section_without_the_add_button_on_a_closed_session(app, world):
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    html = _render_section(app, world, world.secretary)
    assert "tasks/new" not in html
    assert f'href="/tasks/{world.task.id}/edit"' in html  # follow-up goes on after closing


def test_session_section_empty_state(app, world, create_session):
    session = create_session(world.group)
    with _as(app, world.member):
        html = render_template("followups/_session_tasks.html",
                               session=session_or_404(session.id, *SESSION_PAGE),
                               today=today_local())
    assert 'id="tasks"' in html and "<table" not in html


def test_the_session_page_shows_its_tasks(client, login, world, app, count_queries):
    login(world.secretary)
    url = f"/sessions/{world.session.id}"

    def measure():
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    overdue = {"organization": world.branch, "due_on": today_local() - timedelta(days=1)}
    _make_tasks(app, world, 1, **overdue)
    small, page = measure()
    assert 'id="tasks"' in page and "报送学习心得" in page
    assert f'href="/sessions/{world.session.id}/tasks/new"' in page
    assert page.count("task-overdue-badge") == 1
    _make_tasks(app, world, 20, **overdue)
    large, page = measure()
    assert page.count("task-overdue-badge") == 21
    assert large == small


HOSTILE_NEXT = ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\x7f/evil.example",
                "/\x01/evil.example", "https://evil.example/", ""]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_cancel_never_leads_off_the_site(client, login, world, target):
    login(world.secretary)
    response = client.post(f"/tasks/{world.task.id}/cancel",
                           data={"reason": "工作调整", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{world.task.id}"
    assert _reload(world.task).status == TaskStatus.CANCELLED


def test_a_refused_status_change_changes_nothing(client, login, world):
    """A DomainError from the service rolls back the request's work: the task page shows the
    message, and nothing of the refused change (nor its audit event) is kept."""
    login(world.assignee)
    events = _count(AuditEvent)
    response = client.post(f"/tasks/{world.task.id}/progress",
                           data={"status": "done", "completion_note": ""})
    assert response.status_code == 200
    assert "Write a completion note" in response.get_data(as_text=True)
    assert _reload(world.task).status == TaskStatus.OPEN
    assert _count(AuditEvent) == events


def test_a_task_edit_page_reads_the_unit_choices_with_the_task(client, login, world,
                                                                count_queries):
    login(world.secretary)
    url = f"/tasks/{world.task.id}/edit"
    db.session.expunge_all()  # as a new request finds it
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count <= 6, "\n".join(counter.statements)
