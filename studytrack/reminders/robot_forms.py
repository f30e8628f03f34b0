"""Forms of a group's chat robots. The stored secret is never put back into a page: the secret
field renders empty, and on a change an empty one keeps what is stored."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from studytrack.formfields import Form, strip
from studytrack.labels import choices
from studytrack.models import RobotProvider
from studytrack.reminders.robot_services import RobotData
from studytrack.reminders.robots import check_url, configured_hosts
from studytrack.submissions import SubmittedOnce

SECRET_PREFIX = "SEC"  # what DingTalk's 加签 secrets begin with
NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}


def allowed_webhook(form: Any, field: Field) -> None:
    """Validator: an http(s) address of a host of ROBOT_HOSTS (robots.check_url)."""
    if field.errors or not field.data:
        return
    error = check_url(field.data, configured_hosts())
    if error is not None:
        raise ValidationError(error)


class RobotForm(Form):
    provider = SelectField(
        _l("Chat service"), choices=choices(RobotProvider), coerce=RobotProvider,
        default=RobotProvider.WECOM,
    )
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(), Length(max=64)],
        description=_l("Which chat it posts to, e.g. 中心组学习群."),
    )
    webhook_url = StringField(
        _l("Webhook address"), filters=[strip],
        validators=[DataRequired(), Length(max=500), allowed_webhook],
        description=_l("Copy it from the robot's settings in the group chat."),
        render_kw={**NO_AUTOFILL, "inputmode": "url"},
    )
    # A password field: what is typed, or stored, is never written back into the page.
    secret = PasswordField(
        _l("Signing secret (DingTalk)"), filters=[strip],
        validators=[Optional(), Length(max=128)],
        description=_l("DingTalk only, when the robot's security setting is 加签: the secret "
                       "beginning with SEC. It is not shown again."),
        render_kw={"autocomplete": "new-password", "spellcheck": "false",
                   "autocapitalize": "none"},
    )
    is_active = BooleanField(
        _l("Post the group's reminders to this chat"), default=True,
    )

    def validate_secret(self, field: Field) -> None:
        if not field.data:
            return
        if self.provider.data != RobotProvider.DINGTALK:
            raise ValidationError(_l("Only DingTalk robots have a secret: leave it empty."))
        if not field.data.startswith(SECRET_PREFIX) or any(c.isspace() for c in field.data):
            raise ValidationError(_l("A DingTalk secret begins with SEC (copy it from the "
                                     "robot's security settings)."))

    def to_data(self) -> RobotData:
        return RobotData(
            provider=RobotProvider(self.provider.data),
            name=self.name.data,
            webhook_url=self.webhook_url.data,
            secret=self.secret.data or None,
            is_active=bool(self.is_active.data),
        )


class RobotEditForm(RobotForm):
    remove_secret = BooleanField(_l("Remove the stored secret"))

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if has_secret:
            self.secret.description = _l("A secret is stored. Leave this empty to keep it, or "
                                         "enter a new one to replace it.")

    def validate_remove_secret(self, field: Field) -> None:
        if field.data and self.secret.data:
            raise ValidationError(_l("Either enter a new secret or remove it, not both."))

    def to_data(self) -> RobotData:
        return replace(super().to_data(), remove_secret=bool(self.remove_secret.data))


class RobotAddForm(SubmittedOnce, RobotForm):
    """The page's form that adds a robot: sent twice, it adds one."""
