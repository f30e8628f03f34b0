"""Routes of the followups blueprint: tasks added at a session, each task's page, my tasks.

Who may do what (authz): "task.manage" (secretaries, admin) adds, edits, cancels and reopens;
"task.progress" (the assignee, secretaries, admin) starts and completes; "task.view" reads.
A task is reachable when its session is visible to the user, and always by its assignee.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack import authz, inputs
from studytrack.extensions import db
from studytrack.followups import queries, services
from studytrack.followups.blueprint import bp
from studytrack.followups.forms import CancelForm, ProgressForm, ReopenForm, TaskForm
from studytrack.followups.rules import TaskFields
from studytrack.models import FollowUpTask, Organization, StudySession, TaskStatus, User
from studytrack.redirects import next_url
from studytrack.submissions import once
from studytrack.timeutil import local_date_of, today_local
from studytrack.unit_of_work import attempt


def _session_url(session: StudySession) -> str:
    return url_for("study_sessions.detail", session_id=session.id, _anchor="tasks")


def _actor() -> User:
    user: User = current_user._get_current_object()  # flask_login has no types
    return user


def _task_form(session: StudySession, task: FollowUpTask | None = None, **kwargs: Any) -> TaskForm:
    keep_people = [task.assignee_id] if task and task.assignee_id else []
    keep_units = [task.organization_id] if task and task.organization_id else []
    return TaskForm(
        people=queries.assignee_options(session, include_ids=keep_people),
        units=queries.unit_options(session, include_ids=keep_units),
        session_date=local_date_of(session.starts_at),
        **kwargs,
    )


def _fields(form: TaskForm) -> TaskFields:
    """The task form's fields, as the services take them."""
    return TaskFields(
        title=form.title.data,
        detail=form.detail.data,
        assignee=db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None,
        organization=(db.session.get(Organization, form.organization_id.data)
                      if form.organization_id.data else None),
        due_on=form.due_on.data,
    )


# --- adding and editing ----------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/tasks/new", methods=["GET", "POST"])
@login_required
@once
def create(session_id: int) -> Any:
    session = authz.session_or_404(session_id, *queries.SESSION_FOR_FORM)
    authz.require("task.manage", session)
    authz.require("session.edit", session)
    form = _task_form(session)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.create_task(session, actor=_actor(), **_fields(form))
        if outcome.ok:
            flash(_("The follow-up task has been added."), "success")
            return redirect(_session_url(session))
    return render_template("followups/form.html", form=form, session=session, task=None)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int) -> Any:
    task = authz.task_or_404(task_id, *queries.TASK_FOR_FORM)
    authz.require("task.manage", task)
    session = task.session
    # A POST is read from the form alone: a missing version is a stale one, never the current.
    form = _task_form(session, task, obj=task if request.method == "GET" else None)
    conflict = False
    if form.validate_on_submit():
        # A stale version is refused (VersionConflict), its message above the form, and the
        # form's version becomes the task's: the next save is made against what is shown now.
        with attempt(form, record=task) as outcome:
            services.update_task(task, expected_version=form.version.data, actor=_actor(),
                                 **_fields(form))
        if outcome.ok:
            flash(_("The follow-up task has been saved."), "success")
            return redirect(next_url(url_for("followups.detail", task_id=task.id)))
        conflict = outcome.conflict
    return render_template(
        "followups/form.html", form=form, session=session, task=task, conflict=conflict,
        today=today_local(),
    )


# --- one task and its status -------------------------------------------------------------------


def _render_detail(task: FollowUpTask, **forms: Any) -> Any:
    """The task page; after an action its forms lead back to where the user came from
    (`next`, e.g. my tasks), else to the task page itself."""
    progress_form = forms.get("progress_form") or ProgressForm(formdata=None)
    cancel_form = forms.get("cancel_form") or CancelForm(formdata=None)
    reopen_form = forms.get("reopen_form") or ReopenForm(formdata=None)
    return render_template(
        "followups/detail.html",
        task=task,
        back=next_url(url_for("followups.detail", task_id=task.id)),
        history=queries.task_history(task),
        today=today_local(),
        progress_form=progress_form,
        cancel_form=cancel_form,
        reopen_form=reopen_form,
    )


@bp.get("/tasks/<int:task_id>")
@login_required
def detail(task_id: int) -> Any:
    return _render_detail(authz.task_or_404(task_id, *queries.TASK_PAGE))


def _task_action(
    task_id: int, permission: str, form: Any, form_name: str,
    action: Callable[[FollowUpTask, Any], Any], success: Callable[[FollowUpTask], str],
) -> Any:
    """The shape of every status change: load, authorise, validate, act, go back; a refused
    change shows the task page again with the message beside the form."""
    task = authz.task_or_404(task_id, *queries.TASK_PAGE)
    authz.require(permission, task)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            action(task, form)
        if outcome.ok:
            flash(success(task), "success")
            return redirect(next_url(url_for("followups.detail", task_id=task.id)))
    return _render_detail(task, **{form_name: form})


@bp.post("/tasks/<int:task_id>/progress")
@login_required
def progress(task_id: int) -> Any:
    return _task_action(
        task_id, "task.progress", ProgressForm(), "progress_form",
        lambda task, form: services.progress_task(
            task, form.status.data, note=form.completion_note.data, actor=_actor()
        ),
        lambda task: _("The task is marked as done.") if task.status == TaskStatus.DONE
        else _("The task is now in progress."),
    )


@bp.post("/tasks/<int:task_id>/cancel")
@login_required
def cancel(task_id: int) -> Any:
    return _task_action(
        task_id, "task.manage", CancelForm(), "cancel_form",
        lambda task, form: services.cancel_task(task, form.reason.data, actor=_actor()),
        lambda task: _("The task has been cancelled."),
    )


@bp.post("/tasks/<int:task_id>/reopen")
@login_required
def reopen(task_id: int) -> Any:
    return _task_action(
        task_id, "task.manage", ReopenForm(), "reopen_form",
        lambda task, form: services.reopen_task(task, reason=form.reason.data, actor=_actor()),
        lambda task: _("The task has been reopened and is in progress again."),
    )


# --- my tasks ----------------------------------------------------------------------------------


@bp.get("/tasks/mine")
@login_required
def my_tasks() -> Any:
    tasks = queries.my_tasks(current_user, page=inputs.page_number())
    return render_template(
        "followups/my_tasks.html",
        tasks=tasks,
        today=today_local(),
        here=url_for("followups.my_tasks"),
    )
