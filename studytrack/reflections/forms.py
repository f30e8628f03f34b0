"""Forms for writing and reviewing reflections."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from studytrack.formfields import Form, strip
from studytrack.reflections.rules import BODY_MAX, COMMENT_MAX, NEEDS_COMMENT, TITLE_MAX


class ReflectionForm(Form):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[Optional(), Length(max=TITLE_MAX)],
        description=_l("Optional, e.g. the theme of your reflection."),
        render_kw={"autocomplete": "off"},
    )
    # Not stripped: the text is kept exactly as written.
    body = TextAreaField(
        _l("Your reflection"),
        validators=[Length(max=BODY_MAX)],
        render_kw={"rows": 16, "spellcheck": "false"},
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    # The button pressed arrives as `action` ("save" or "submit"); the route reads it.


class ReturnForm(Form):
    comment = TextAreaField(
        _l("What should be revised"), filters=[strip],
        validators=[DataRequired(NEEDS_COMMENT), Length(max=COMMENT_MAX)],
        description=_l("The member sees this comment with the returned reflection."),
        render_kw={"rows": 3},
    )
    next = HiddenField()  # where to go afterwards; the route checks it (redirects.next_url)
    # A page listing many reflections renders one ReturnForm; each reflection's form posts its
    # fields to that reflection's address (templates/reflections/_macros.html).


class AcceptForm(Form):
    """Only the CSRF token: accepting has nothing to fill in."""
