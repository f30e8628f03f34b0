"""Routes of the notifications blueprint: the list, opening one (marks it read), read-all.

Notifications are private: another person's answers 404, whoever asks.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack import inputs
from studytrack.notifications import queries, services
from studytrack.notifications.blueprint import bp
from studytrack.notifications.present import shown
from studytrack.redirects import next_url


@bp.get("")
@login_required
def index() -> Any:
    pagination = queries.page_of(current_user, page=inputs.page_number())
    return render_template(
        "notifications/index.html",
        pagination=pagination,
        entries=[(item, shown(item)) for item in map(queries.NotificationItem.of,
                                                      pagination.items)],
        here=request.full_path.rstrip("?"),
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Any:
    """Mark one notification read; with `open`, go on to what it is about."""
    item = queries.item_of(current_user, notification_id)
    if item is None:
        abort(404)
    services.mark_read(item.notification)
    if request.form.get("open"):
        return redirect(shown(item).url)
    return redirect(next_url(url_for("notifications.index")))


@bp.post("/read-all")
@login_required
def read_all() -> Any:
    if services.mark_all_read(current_user._get_current_object()):
        flash(_("All notifications are marked as read."), "success")
    return redirect(next_url(url_for("notifications.index")))
