"""No copy of a logged-in person's pages is kept by a browser or a proxy.

Pages for a logged-in user show personal data (names, attendance, reflections, figures). Every
response to an authenticated request is sent with `Cache-Control: private, no-store`, as the
exports always were, unless it set its caching itself (an attachment's download, the health
check). Static files keep theirs; anonymous pages (the login form) are left as they are.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

NO_STORE = "private, no-store"


def no_store_for_people(response: Response) -> Response:
    if "Cache-Control" in response.headers:
        return response
    if request.endpoint is not None and request.endpoint.rpartition(".")[2] == "static":
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = NO_STORE
    return response


def init_app(app: Flask) -> None:
    app.after_request(no_store_for_people)
