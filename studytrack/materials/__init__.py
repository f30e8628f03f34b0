"""The materials library (学习材料) of each unit, with attachments, and links to sessions."""

from flask import Blueprint

bp = Blueprint("materials", __name__)

from studytrack.materials import routes  # noqa: E402,F401
