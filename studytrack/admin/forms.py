"""Forms of the administration area. Selects of units and people get their choices from the
route (one query each), passed to the constructor as `units=` / `users=`."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from studytrack.auth.forms import MIN_PASSWORD_LENGTH
from studytrack.formfields import Form, PlainForm, strip
from studytrack.i18n import LANGUAGE_NAMES
from studytrack.labels import choices
from studytrack.models import GroupRole, GroupTitle, OrganizationKind
from studytrack.pickers import People, PickerField, Units
from studytrack.submissions import SubmittedOnce

UNITS = Units()  # what the pickers of units offer: every unit
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _unit_field(label: Any, none_label: Any = None, **kwargs: Any) -> PickerField:
    """A picker of units; with `none_label`, "none" can be chosen (the field is optional)."""
    if none_label is None:
        kwargs.setdefault("validators", [DataRequired(_l("Choose a unit."))])
    return PickerField(label, none_label=none_label, **kwargs)


def temporary_password() -> str:
    """A suggestion the administrator can keep or replace; easy to read out or type."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(10))


def _sort_order_field() -> IntegerField:
    return IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)],
        description=_l("Smaller numbers come first."),
    )


# --- units and leadership -------------------------------------------------------------------


class OrganizationForm(SubmittedOnce, Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    short_name = StringField(
        _l("Short name"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    kind = SelectField(_l("Kind"), coerce=OrganizationKind)
    parent_id = _unit_field(_l("Parent unit"), _l("None: a top-level unit"))
    sort_order = _sort_order_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(OrganizationKind)
        self.parent_id.offered = UNITS


def _person_field() -> PickerField:
    return PickerField(_l("Person"), validators=[DataRequired(_l("Choose a person."))])


class GrantLeadershipForm(Form):
    user_id = _person_field()

    def __init__(self, *args: Any, people: People, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.offered = people


# --- study groups and memberships -----------------------------------------------------------


class GroupForm(SubmittedOnce, Form):
    organization_id = _unit_field(_l("Unit"))
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), filters=[strip], render_kw={"rows": 3})
    is_active = BooleanField(_l("Active"), default=True)
    members_read_reflections = BooleanField(
        _l("Members read each other's accepted reflections"),
        description=_l("Off: only the author, the secretaries and leaders read a reflection."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.offered = UNITS


class GroupFilterForm(Form):
    class Meta:
        csrf = False

    organization_id = _unit_field(_l("Unit"), _l("All units"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.offered = UNITS


class MembershipForm(Form):
    role = SelectField(_l("Role"), coerce=GroupRole, default=GroupRole.MEMBER)
    title = SelectField(_l("Title in the group"), coerce=GroupTitle, default=GroupTitle.MEMBER)
    sort_order = _sort_order_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices(GroupRole)
        self.title.choices = choices(GroupTitle)


class AddMemberForm(SubmittedOnce, MembershipForm):
    user_id = _person_field()

    def __init__(self, *args: Any, people: People, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.offered = people


# --- accounts -------------------------------------------------------------------------------


def _temporary_password_field() -> StringField:
    return StringField(
        _l("Temporary password"),
        filters=[strip],
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=128)],
        default=temporary_password,
        description=_l("Give it to the person: they must choose their own at first login."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )


class UserForm(Form):
    username = StringField(
        _l("Login name"), filters=[strip],
        validators=[
            DataRequired(), Length(max=64),
            Regexp(r"^\S+$", message=_l("A login name cannot contain spaces.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=64)]
    )
    position = StringField(
        _l("Position"), filters=[strip], validators=[Optional(), Length(max=120)],
        description=_l("For example: Party committee secretary"),
    )
    email = StringField(
        _l("Email"), filters=[strip], validators=[Optional(), Email(), Length(max=255)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    phone = StringField(
        _l("Phone"), filters=[strip],
        validators=[
            Optional(), Length(max=32),
            Regexp(r"^[0-9+\-() ]+$", message=_l("Use digits, spaces, +, - and brackets.")),
        ],
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    organization_id = _unit_field(_l("Unit"), _l("None"))
    locale = SelectField(
        _l("Language"), default="zh",
        choices=lambda: [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    is_admin = BooleanField(_l("Administrator"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id.offered = UNITS


class NewUserForm(SubmittedOnce, UserForm):
    password = _temporary_password_field()


class ResetPasswordForm(Form):
    password = _temporary_password_field()


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"), filters=[strip], validators=[Optional(), Length(max=64)],
        description=_l("Any part of the name or login name"),
    )
    status = SelectField(
        _l("Status"), default="",
        choices=lambda: [
            SelectChoice("", _l("All")),
            SelectChoice("active", _l("Active")),
            SelectChoice("inactive", _l("Inactive")),
        ],
    )


class UnitSearchForm(PlainForm):
    """The fields of the unit pickers, for their search route (admin.search_units)."""

    parent_id = _unit_field(_l("Parent unit"), _l("None: a top-level unit"))
    organization_id = _unit_field(_l("Unit"), _l("None"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent_id.offered = self.organization_id.offered = UNITS
