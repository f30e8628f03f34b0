"""Hostile input, generated (hypothesis), to every form endpoint and every `<int:…>` route of
the app, as each kind of user on the demo's data (issue 17, item 9): no answer is a server
error, and a refused request leaves the database as it was.

The values are the ones an outside probe found answering 500: NUL and other control
characters, numbers beyond the database's integer, dates far away, 100 KB strings, choices no
select offers, fields left out. Part of `make test`, on SQLite and PostgreSQL; the examples are
derived from the test's name (`derandomize`), so a failure repeats on every run.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import Form

from studytrack.extensions import db
from studytrack.models import Base
from tests.fixtures.demo import DEMO_ROLES, demo_login

# Not asked: the static files; logging out or ending one's logins would end the sweep's login.
SKIPPED = {"static", "auth.logout", "auth.end_login", "auth.end_other_logins"}
HUGE_INTS = ("2147483648", "9223372036854775808", "1" + "0" * 20, "-2147483649", "-1", "0")
FAR_DATES = ("0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30",
             "1900-01-01", "2200-01-01")
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x1b", "\x7f", "\u2028"])


def _text_with_controls() -> st.SearchStrategy[str]:
    pieces = st.lists(st.one_of(CONTROL, st.text(alphabet="学习心得abc 12\n", max_size=8)),
                      min_size=1, max_size=6)
    return pieces.map("".join)


HOSTILE = st.one_of(
    _text_with_controls(),
    st.sampled_from(HUGE_INTS),
    st.sampled_from(FAR_DATES),
    st.just("学" * 34_000),  # 100 KB of UTF-8
    st.just("x" * 100_000),
    st.sampled_from(["not-a-choice", "", " ", "None", "-", "1.5", "NaN"]),
)


def field_names() -> list[str]:
    """Every field name of every form of the app (and the one-time token)."""
    names: set[str] = {"submission_token", "version", "q", "page", "year"}
    pending = list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.startswith("studytrack."):
            names.update(name for name in dir(form) if hasattr(getattr(form, name, None),
                                                                "field_class"))
    return sorted(names)


def snapshot() -> str:
    """A digest of every row of every table: equal digests, equal databases."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for table in Base.metadata.sorted_tables:
        key = [column for column in table.primary_key.columns] or list(table.columns)
        for row in db.session.execute(sa.select(table).order_by(*key)):
            digest.update(repr(tuple(row)).encode())
    db.session.rollback()
    return digest.hexdigest()


def path_of(rule: Any, ids: dict[str, Any], hostile: dict[str, Any] | None = None) -> str:
    values = {name: (hostile or {}).get(name, ids.get(name, 1)) for name in rule.arguments}
    return str(rule.build(values, append_unknown=False)[1])


@pytest.fixture
def sweep(app: Flask, demo_site: dict[str, Any]) -> dict[str, Any]:
    return {"ids": demo_site, "fields": field_names(), "clients": {}}


def client_for(app: Flask, sweep: dict[str, Any], role: str) -> FlaskClient:
    clients: dict[str, FlaskClient] = sweep["clients"]
    if role not in clients:
        clients[role] = demo_login(app.test_client(), role)
    return clients[role]


def posted_rules(app: Flask) -> list[Any]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in (rule.methods or ()) and rule.endpoint not in SKIPPED),
                  key=lambda rule: rule.rule)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_forms_never_answer_500_and_a_refusal_changes_nothing(
    app: Flask, sweep: dict[str, Any], data: st.DataObject
) -> None:
    rules = posted_rules(app)
    assert len(rules) > 40
    role = data.draw(st.sampled_from(DEMO_ROLES), label="role")
    rule = data.draw(st.sampled_from(rules), label="endpoint")
    fields = data.draw(st.dictionaries(st.sampled_from(sweep["fields"]), HOSTILE, max_size=6),
                       label="form")
    as_json = rule.endpoint == "reflections.autosave" and data.draw(st.booleans(), label="json")
    client = client_for(app, sweep, role)
    path = path_of(rule, sweep["ids"])
    before = snapshot()

    response = (client.post(path, json=fields) if as_json
                else client.post(path, data=fields))

    assert response.status_code < 500, (role, path, fields, response.status_code)
    if response.status_code >= 400:
        assert snapshot() == before, (role, path, fields, response.status_code)
    if rule.endpoint == "reflections.autosave":  # a script reads it: JSON, whatever happens
        assert response.is_json or response.status_code in (302, 303), (
            path, response.status_code, response.content_type)


OUT_OF_RANGE = ("2147483648", "9223372036854775808", "1" + "0" * 30, "0")
QUERIES = ("page=99999999999999999999", "page=-1", "page=abc", "year=1", "year=99999999999",
           "year=-5", "q=%00", "q=" + "学" * 2000, "organization_id=99999999999999999999")


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_every_int_route_answers_404_for_ids_out_of_range(app, sweep, role):
    client = client_for(app, sweep, role)
    int_rules = [
        (rule, re.findall(r"<int:(\w+)>", rule.rule)) for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED and "GET" in (rule.methods or ()) and "<int:" in rule.rule
    ]
    assert len(int_rules) > 30
    for rule, arguments, number in (
        (rule, arguments, number) for rule, arguments in int_rules for number in OUT_OF_RANGE
    ):
        for argument in arguments:
            if argument == "year":
                continue
            path = path_of(rule, sweep["ids"], {argument: int(number)})
            response = client.get(path)
            assert response.status_code in (302, 403, 404), (role, path, response.status_code)


def test_list_parameters_never_answer_500(app, sweep):
    client = client_for(app, sweep, "admin")
    lists = [rule for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and rule.endpoint not in SKIPPED
             and not rule.endpoint.endswith(("download", "docx", "pdf", "xlsx", "archive"))]
    for rule, query in ((rule, query) for rule in lists for query in QUERIES):
        path = f"{path_of(rule, sweep['ids'])}?{query}"
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        response.close()
