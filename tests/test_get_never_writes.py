"""A GET never writes (issue 16): every GET route of the app, asked with real ids of the demo's
data by each kind of user, runs no INSERT, UPDATE or DELETE and answers without a server error."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack.extensions import db
from tests.fixtures.demo import DEMO_ROLES, demo_login

WRITES = ("INSERT", "UPDATE", "DELETE")
SKIPPED = {"static"}  # files, not the app's code
# Pages each role is shown (200, or a redirect such as a download): a floor, so that a broken
# id (a 404 everywhere) cannot pass for "nothing written".
MOST_SHOWN = {"admin": 60, "secretary": 40, "member": 15, "leader": 25}


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_no_get_route_writes(app: Flask, demo_site: dict[str, Any], role: str) -> None:
    client = demo_login(app.test_client(), role)  # the login writes: before the listener
    rules = [
        rule for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in SKIPPED
    ]
    assert len(rules) > 50
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    answered: dict[str, int] = {}
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for rule in rules:
            path = rule.build({k: demo_site[k] for k in rule.arguments}, append_unknown=False)[1]
            response = client.get(path)
            answered[path] = response.status_code
            assert response.status_code < 500, path
            assert not writes, (path, writes)
            response.close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # the ids are real: most pages are shown (the rest refused as the role's rights say)
    shown = sum(status in (200, 302) for status in answered.values())
    assert shown >= MOST_SHOWN[role], sorted(answered.items())
