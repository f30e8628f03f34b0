"""The session report (学习记录) and its outputs: print, Word, PDF, news-release draft, archive."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from studytrack.reports import export_routes, routes  # noqa: E402,F401
