"""Learning reflections (心得体会): members write and submit them, secretaries review them."""

from flask import Blueprint

bp = Blueprint("reflections", __name__)

from studytrack.reflections import routes  # noqa: E402,F401
