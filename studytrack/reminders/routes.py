"""A person's reminder settings, a mail's one-click unsubscribe, and the administrator's list
of deliveries (消息发送记录).

/me/reminders                         what to receive, how, and when not (and the calendar feed)
/reminders/unsubscribe/<token>        a mail's link: GET asks, POST turns that kind of mail off
                                      (RFC 8058 one-click: a mail client POSTs, without a login)
/reminders/deliveries                 every mail and robot post with its status (administrator)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack import inputs
from studytrack.authz import requires
from studytrack.extensions import csrf, db
from studytrack.models import Delivery, DeliveryStatus, ReminderChannel, User
from studytrack.reminders import queries, services
from studytrack.reminders.blueprint import bp
from studytrack.reminders.forms import settings_form
from studytrack.reminders.messages import KIND_LABELS
from studytrack.reminders.preferences import choices_of, choose
from studytrack.reminders.tokens import read_unsubscribe_token


@bp.route("/me/reminders", methods=["GET", "POST"])
@login_required
def preferences() -> Any:
    user: User = current_user._get_current_object()
    choices = choices_of([user.id])[user.id]
    form = settings_form(choices, quiet_start=user.quiet_start, quiet_end=user.quiet_end)
    if form.validate_on_submit():
        for kind, channel in form.chosen().items():
            if channel != choices[kind]:
                choose(user, kind, channel)
        user.quiet_start, user.quiet_end = form.quiet_start.data, form.quiet_end.data
        flash(_("Your reminder settings are saved."), "success")
        return redirect(url_for(".preferences"))
    return render_template("reminders/preferences.html", form=form), 400 if form.errors else 200


@bp.route("/reminders/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; a mail client's one-click POST has no form token
def unsubscribe(token: str) -> Any:
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found is not None else None
    if found is None or user is None:
        abort(404)
    kind = found[1]
    label = KIND_LABELS[kind]
    if request.method == "POST":
        if choices_of([user.id])[user.id][kind] == ReminderChannel.MAIL:
            choose(user, kind, ReminderChannel.IN_APP)
        return render_template("reminders/unsubscribed.html", label=label, user=user)
    return render_template("reminders/unsubscribe.html", label=label, user=user, token=token)


@bp.get("/reminders/deliveries")
@requires("admin.manage")
def deliveries() -> Any:
    asked = request.args.get("status")
    status = DeliveryStatus(asked) if asked in set(DeliveryStatus) else None
    page = queries.deliveries_page(status, inputs.page_number())
    return render_template("reminders/deliveries.html", pagination=page, status=status,
                           statuses=list(DeliveryStatus), kind_labels=KIND_LABELS)


@bp.post("/reminders/deliveries/<int:delivery_id>/retry")
@requires("admin.manage")
def retry_delivery(delivery_id: int) -> Any:
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.id == delivery_id))
    if delivery is None:
        abort(404)
    if delivery.status != DeliveryStatus.FAILED:
        flash(_("Only a failed delivery can be sent again."), "warning")
    else:
        services.retry(delivery)
        flash(_("It will be sent again shortly."), "success")
    return redirect(url_for(".deliveries"))
