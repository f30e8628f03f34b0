"""A group's chat robots (群机器人), kept by its secretaries: the list with each robot's latest
deliveries and the form that adds one; change, remove, and send a test message.

Each handler: the group through authz (404) -> "robot.manage" (403) -> the robot, of that
group (404) -> form -> one service call -> flash -> redirect. The stored secret never goes
back into a page: the pages only say that one is stored.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import GroupRobot, StudyGroup
from studytrack.reminders import robot_services, services
from studytrack.reminders.blueprint import bp
from studytrack.reminders.robot_forms import RobotAddForm, RobotEditForm
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


def _group(group_id: int) -> StudyGroup:
    group = authz.group_or_404(group_id)
    authz.require("robot.manage", group)
    return group


def _robot(group: StudyGroup, robot_id: int) -> GroupRobot:
    """The group's robot; another group's answers 404, as if it did not exist."""
    robot = db.session.get(GroupRobot, robot_id)
    if robot is None or robot.group_id != group.id:
        abort(404)
    return robot


def _back(group: StudyGroup) -> Any:
    return redirect(url_for(".robots", group_id=group.id))


@bp.route("/groups/<int:group_id>/robots", methods=["GET", "POST"])
@login_required
@once
def robots(group_id: int) -> Any:
    group = _group(group_id)
    form = RobotAddForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            robot = robot_services.add_robot(group, form.to_data())
        if outcome.ok:
            flash(_("The robot %(name)s has been added. Send it a test message to check it.",
                    name=robot.name), "success")
            return _back(group)
    listed = robot_services.group_robots(group)
    return render_template(
        "reminders/robots.html", group=group, form=form, robots=listed,
        deliveries=robot_services.recent_deliveries(listed),
    )


@bp.route("/groups/<int:group_id>/robots/<int:robot_id>/edit", methods=["GET", "POST"])
@login_required
def edit_robot(group_id: int, robot_id: int) -> Any:
    group = _group(group_id)
    robot = _robot(group, robot_id)
    stored = {"provider": robot.provider, "name": robot.name,
              "webhook_url": robot.webhook_url, "is_active": robot.is_active}
    form = RobotEditForm(data=stored if request.method == "GET" else None,
                         has_secret=robot.secret is not None)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            robot_services.update_robot(robot, form.to_data())
        if outcome.ok:
            flash(_("The robot %(name)s has been saved.", name=robot.name), "success")
            return _back(group)
    return render_template("reminders/robot_edit.html", group=group, robot=robot, form=form)


@bp.post("/groups/<int:group_id>/robots/<int:robot_id>/delete")
@login_required
def delete_robot(group_id: int, robot_id: int) -> Any:
    group = _group(group_id)
    robot = _robot(group, robot_id)
    name = robot.name
    robot_services.delete_robot(robot)
    flash(_("The robot %(name)s has been removed.", name=name), "success")
    return _back(group)


@bp.post("/groups/<int:group_id>/robots/<int:robot_id>/test")
@login_required
def test_robot(group_id: int, robot_id: int) -> Any:
    """Queue a test message: the worker posts it once this request has committed, and the
    list shows how it went."""
    group = _group(group_id)
    robot = _robot(group, robot_id)
    services.queue_robot_test(robot)
    flash(_("A test message is on its way; its result shows below."), "info")
    return _back(group)
