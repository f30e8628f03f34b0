"""A member's yearly study record, and the secretary's view of who owes what in a group."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from studytrack.records import routes  # noqa: E402,F401
