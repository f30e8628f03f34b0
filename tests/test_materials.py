"""The materials library: scoping, search, create/edit, files, links to sessions, permissions."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack import authz
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.materials import queries, services
from studytrack.models import (
    Attachment,
    AuditEvent,
    Material,
    MaterialKind,
    Organization,
    SessionMaterial,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)
from tests.fixtures.world import World

PDF = b"%PDF-1.4\n%%EOF\n"



# --- the world -------------------------------------------------------------------------------


def material(org: Organization, title: str, kind: MaterialKind = MaterialKind.SPEECH,
             **fields: Any) -> Material:
    return services.create_material(
        org, services.MaterialData(kind=kind, title=title, **fields)
    )


@pytest.fixture
def world(
    world: World,
    create_user: Callable[..., User],
    create_group: Callable[..., StudyGroup],
    create_session: Callable[..., StudySession],
    grant_leadership: Callable[[User, Organization], None],
) -> World:
    """The shared world with a material in each library (the superior committee's, the
    university's, its branch's, the other organisation's), a study group of the superior
    committee with a secretary of its own, a leader of the university (unit_leader) and a
    session of the group.

    The group uses the superior committee's and the university's libraries, not the branch's
    (below) nor the other organisation's. The world's leader leads the superior committee, the
    unit leader the university."""
    world.top_secretary = create_user("top_secretary", "市教卫秘书", locale="en")
    world.top_group = create_group(world.top, "市教卫党委理论学习中心组",
                                   secretaries=(world.top_secretary,))
    world.unit_leader = create_user("unit_leader", "平杰", position="党委书记", locale="en")
    grant_leadership(world.unit_leader, world.unit)
    world.speech = material(world.top, "学习贯彻习近平总书记“2·23”重要讲话精神",
                            speaker="习近平", issued_on=date(2020, 2, 23), source="新华社")
    world.notice = material(world.unit, "学院关于开展专题学习的通知", MaterialKind.DOCUMENT,
                            issued_on=date(2020, 3, 1))
    world.branch_note = material(world.branch, "支部学习笔记", MaterialKind.ARTICLE)
    world.foreign = material(world.elsewhere, "外校重要讲话汇编", MaterialKind.BOOK)
    db.session.commit()
    world.session = create_session(world.group, "学习贯彻重要讲话精神")
    return world


@pytest.fixture
def as_user(
    client: FlaskClient, login: Callable[[User], FlaskClient]
) -> Callable[..., FlaskClient]:
    """as_user(user) -> the test client logged in as `user` (anonymous for None)."""

    def enter(user: User | None) -> FlaskClient:
        client.post("/auth/logout")
        if user is not None:
            login(user)
        return client

    return enter


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str:
    match = re.search(
        rf'<div class="invalid-feedback[^"]*" id="{field_id}-feedback">(.*?)</div>\s*</', page,
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()) if match else ""


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def links_of(session: StudySession) -> list[tuple[int, int]]:
    return [
        (link.material_id, link.position)
        for link in db.session.scalars(
            sa.select(SessionMaterial)
            .where(SessionMaterial.session_id == session.id)
            .order_by(SessionMaterial.position)
        )
    ]


def titles(page: str, world: World) -> set[str]:
    every = [world.speech, world.notice, world.branch_note, world.foreign]
    return {m.title for m in every if m.title in page}


# --- which libraries people use --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("member", {"speech", "notice"}),  # own unit and the units above
        ("secretary", {"speech", "notice"}),
        # the superior committee and everything below it
        ("leader", {"speech", "notice", "branch_note"}),
        # the university, everything below it, and the superior committee's library above it
        ("unit_leader", {"speech", "notice", "branch_note"}),
        ("outsider", {"foreign"}),
        ("admin", {"speech", "notice", "branch_note", "foreign"}),
    ],
)
def test_library_lists_the_materials_a_person_may_use(
    world: World, as_user: Callable[..., FlaskClient], role: str, visible: set[str]
) -> None:
    page = text(as_user(world.user(role)).get("/materials"))
    assert titles(page, world) == {getattr(world, name).title for name in visible}
    with db.session.no_autoflush:
        libraries = authz.usable_libraries_condition(world.user(role))
        found = {m.title for m in queries.search_materials(libraries).items}
    assert found == {getattr(world, name).title for name in visible}
    for name in ("speech", "notice", "branch_note", "foreign"):
        status = as_user(world.user(role)).get(f"/materials/{getattr(world, name).id}").status_code
        assert status == (200 if name in visible else 404), name


def test_search_by_chinese_substring_kind_and_library(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.member)
    assert titles(text(client.get("/materials?q=讲话")), world) == {world.speech.title}
    assert titles(text(client.get("/materials?q=2·23")), world) == {world.speech.title}
    assert titles(text(client.get("/materials?q=通知")), world) == {world.notice.title}
    assert titles(text(client.get("/materials?kind=document")), world) == {world.notice.title}
    by_unit = text(client.get(f"/materials?organization_id={world.top.id}"))
    assert titles(by_unit, world) == {world.speech.title}
    # a unit outside the scope, an unknown kind or a long query is ignored, never a 500
    assert client.get(f"/materials?organization_id={world.elsewhere.id}").status_code == 200
    assert client.get("/materials?kind=poem&organization_id=abc").status_code == 200
    assert titles(text(client.get("/materials?q=100%")), world) == set()
    assert "No materials match the search." in text(client.get("/materials?q=不存在的材料"))


def test_search_escapes_like_wildcards(world: World) -> None:
    material(world.unit, "100%完成")
    db.session.commit()
    scope = authz.usable_libraries_condition(world.admin)
    assert [m.title for m in queries.search_materials(scope, q="%").items] == ["100%完成"]
    assert [m.title for m in queries.search_materials(scope, q="_").items] == []


def test_newest_issued_first_and_pagination(world: World) -> None:
    for day in range(1, 26):
        material(world.unit, f"第{day}期学习材料", issued_on=date(2021, 1, day))
    db.session.commit()
    scope = authz.usable_libraries_condition(world.member)
    first = queries.search_materials(scope, per_page=10)
    assert first.total == 27
    assert [m.title for m in first.items[:2]] == ["第25期学习材料", "第24期学习材料"]
    last = queries.search_materials(scope, page=3, per_page=10)
    assert [m.title for m in last.items][-2:] == [world.notice.title, world.speech.title]
    assert queries.search_materials(scope, page=9, per_page=10).items == []


def test_library_page_paginates(world: World, as_user: Callable[..., FlaskClient]) -> None:
    for day in range(1, 26):
        material(world.unit, f"第{day}期学习材料", issued_on=date(2021, 1, day))
    db.session.commit()
    client = as_user(world.member)
    page = text(client.get("/materials?q=学习材料"))
    assert "第25期学习材料" in page and "第1期学习材料" not in page
    assert "page=2" in page and "q=" in page
    assert "第1期学习材料" in text(client.get("/materials?q=学习材料&page=2"))


def test_library_page_query_count_does_not_grow(
    app: Flask, world: World, as_user: Callable[..., FlaskClient], count_queries: Any
) -> None:
    client = as_user(world.member)

    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/materials").status_code == 200
        return counter.count

    client.get("/materials")
    small = measure()
    for n in range(15):
        m = material(world.top if n % 2 else world.unit, f"材料{n}")
        db.session.add(Attachment(material=m, original_name=f"{n}.pdf", stored_name=f"{n:032x}.pdf",
                                  content_type="application/pdf", size_bytes=1, sha256="0" * 64))
    db.session.commit()
    assert measure() == small


def test_detail_and_link_pages_query_count_does_not_grow(
    app: Flask, world: World, as_user: Callable[..., FlaskClient], count_queries: Any,
    create_session: Callable[..., Any],
) -> None:
    client = as_user(world.secretary)
    pages = [f"/materials/{world.speech.id}", f"/sessions/{world.session.id}/materials"]

    def measure() -> list[int]:
        counts = []
        for url in pages:
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    def add_data(n: int) -> None:
        with app.test_request_context():
            for i in range(n):
                s = create_session(world.group, f"第{i}次学习")
                m = material(world.unit, f"新材料{n}-{i}")
                services.link_materials(s, [world.speech.id])
                services.link_materials(world.session, [m.id])
                services.upload_attachment(m, io.BytesIO(PDF), f"附件{i}.pdf")
                services.upload_attachment(world.speech, io.BytesIO(PDF), f"讲话{i}.pdf")
        db.session.commit()

    add_data(1)
    small = measure()
    add_data(8)
    assert measure() == small


def test_new_material_button_only_for_library_keepers(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    for role, shown in [("member", False), ("leader", False), ("secretary", True),
                        ("admin", True)]:
        page = text(as_user(world.user(role)).get("/materials"))
        assert ("/materials/new" in page) is shown, role


# --- create and edit -------------------------------------------------------------------------


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "speech", "title": "在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的讲话",
        "speaker": "习近平", "issued_on": "2020-02-23", "source": "新华社",
        "url": "https://www.xinhuanet.com/politics/leaders/2020-02/23/c_1125616016.htm",
        "body": "第一段。\n\n第二段。",
    }
    data.update(overrides)
    return data


def test_secretary_creates_a_material_in_the_library_they_keep(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    page = client.get("/materials/new").get_data(as_text=True)
    # one library kept: it is the only option, and chosen
    select = re.search(r'<select[^>]*id="organization_id"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert re.findall(r"<option[^>]*>", select.group(1)) == [
        f'<option selected value="{world.unit.id}">'
    ]
    response = client.post("/materials/new", data=form_data(organization_id=world.unit.id))
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Material).order_by(Material.id.desc()))
    assert created is not None
    assert response.headers["Location"] == f"/materials/{created.id}"
    assert created.organization_id == world.unit.id
    assert created.issued_on == date(2020, 2, 23)
    assert created.speaker == "习近平" and created.body == "第一段。\n\n第二段。"
    assert created.created_by_id == world.secretary.id
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "material.create", AuditEvent.object_id == created.id
    ))
    assert event is not None
    assert (event.object_id, event.organization_id, event.actor_id) == (
        created.id, world.unit.id, world.secretary.id
    )
    detail = text(client.get(f"/materials/{created.id}"))
    assert created.title in detail and "第一段。" in detail


def test_admin_chooses_among_all_libraries(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.admin)
    page = text(client.get("/materials/new"))
    assert "Choose the library…" in page
    for org in (world.top, world.unit, world.branch, world.elsewhere):
        assert f'value="{org.id}"' in page
    response = client.post("/materials/new", data=form_data(organization_id=0))
    assert field_error(text(response), "organization_id") == "Choose the library."
    response = client.post("/materials/new", data=form_data(organization_id=world.branch.id))
    assert response.status_code == 302


def test_secretary_cannot_put_a_material_in_another_library(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Material))
    for org in (world.top, world.elsewhere, world.branch):
        response = client.post("/materials/new", data=form_data(organization_id=org.id))
        assert response.status_code == 200
        assert field_error(text(response), "organization_id") == "Not a valid choice."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "Enter the title."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a web address starting with http:// or https://."),
        ({"url": "ftp://example.com/a.pdf"}, "url", "Enter a web address starting with http"),
        ({"url": "www.xinhuanet.com"}, "url", "Enter a web address starting with http"),
        ({"url": "https://"}, "url", "Enter a web address starting with http"),
        ({"url": "https://exa mple.com"}, "url", "A web address cannot contain spaces."),
        ({"issued_on": "2020-02-30"}, "issued_on", "Not a valid date value."),
        ({"kind": "poem"}, "kind", "Not a valid choice."),
        ({"title": "长" * 256}, "title", "Field cannot be longer than 255 characters."),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_kept(
    world: World, as_user: Callable[..., FlaskClient], overrides: dict[str, str], field: str,
    message: str,
) -> None:
    client = as_user(world.secretary)
    before = actions()
    data = form_data(organization_id=world.unit.id, **overrides)
    response = client.post("/materials/new", data=data)
    assert response.status_code == 200
    page = text(response)
    assert field_error(page, field).startswith(message)
    assert "习近平" in page  # what was typed stays
    assert actions() == before


def test_a_short_name_is_optional_and_kept_as_the_press_writes_it(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    """简称: what the news release names a speech by; straight quotes become Chinese ones."""
    client = as_user(world.secretary)
    page = text(client.get("/materials/new"))
    assert "“2·23”重要讲话" in page  # the help text's example
    response = client.post("/materials/new", data=form_data(
        organization_id=world.unit.id, short_name=' "2·23"重要讲话 '))
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Material).order_by(Material.id.desc()))
    assert created is not None and created.short_name == "“2·23”重要讲话"
    response = client.post("/materials/new", data=form_data(organization_id=world.unit.id))
    assert response.status_code == 302  # optional
    created = db.session.scalar(sa.select(Material).order_by(Material.id.desc()))
    assert created is not None and created.short_name is None
    response = client.post("/materials/new", data=form_data(
        organization_id=world.unit.id, short_name="长" * 61))
    assert field_error(text(response), "short_name").startswith(
        "Field cannot be longer than 60 characters.")


def test_http_urls_are_accepted(world: World, as_user: Callable[..., FlaskClient]) -> None:
    client = as_user(world.secretary)
    response = client.post("/materials/new", data=form_data(
        organization_id=world.unit.id, url="http://theory.people.com.cn/n1/2020/0224/c40531.html"
    ))
    assert response.status_code == 302


def test_edit_changes_fields_and_writes_the_change(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    page = text(client.get(f"/materials/{world.notice.id}/edit"))
    assert world.notice.title in page
    response = client.post(f"/materials/{world.notice.id}/edit", data={
        "organization_id": world.unit.id, "kind": "document",
        "title": "学院关于开展专题学习的通知（修订）", "issued_on": "2020-03-01",
        "speaker": "", "source": "学院党委", "url": "", "body": "",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert world.notice.title == "学院关于开展专题学习的通知（修订）"
    assert world.notice.source == "学院党委"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "material.update"))
    assert event is not None and event.object_id == world.notice.id
    assert event.details["changed"] == ["source", "title"]


def test_editing_without_changes_writes_no_event(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    response = client.post(f"/materials/{world.notice.id}/edit", data={
        "organization_id": world.unit.id, "kind": "document", "title": world.notice.title,
        "issued_on": "2020-03-01",
    })
    assert response.status_code == 302
    assert "material.update" not in actions()


def test_library_users_may_not_edit_what_they_do_not_keep(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)  # uses the superior committee's library, does not keep it
    assert client.get(f"/materials/{world.speech.id}").status_code == 200
    assert client.get(f"/materials/{world.speech.id}/edit").status_code == 403
    response = client.post(f"/materials/{world.speech.id}/edit", data=form_data(
        organization_id=world.unit.id
    ))
    assert response.status_code == 403
    assert "Edit the material" not in text(client.get(f"/materials/{world.speech.id}"))


def test_moving_a_studied_material_keeps_it_usable(world: World, app: Flask) -> None:
    with app.test_request_context():
        services.link_materials(world.session, [world.notice.id])
        with pytest.raises(DomainError) as refused:
            services.update_material(world.notice, services.MaterialData(
                kind=MaterialKind.DOCUMENT, title=world.notice.title
            ), world.branch)
        assert refused.value.field == "organization_id"
        services.update_material(world.notice, services.MaterialData(
            kind=MaterialKind.DOCUMENT, title=world.notice.title
        ), world.top)
        assert world.notice.organization_id == world.top.id


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_facts_files_and_the_sessions_that_studied_it(
    world: World, as_user: Callable[..., FlaskClient], create_session: Callable[..., Any],
    app: Flask,
) -> None:
    draft = create_session(world.group, "草稿中的学习", status=SessionStatus.DRAFT)
    top_session = create_session(world.top_group, "市教卫党委中心组学习")
    with app.test_request_context():
        for s in (world.session, draft, top_session):
            services.link_materials(s, [world.speech.id])
        services.upload_attachment(world.speech, io.BytesIO(PDF), "讲话全文.pdf")
    db.session.commit()

    member_page = text(as_user(world.member).get(f"/materials/{world.speech.id}"))
    assert "习近平" in member_page and "新华社" in member_page and "2020-02-23" in member_page
    assert "讲话全文.pdf" in member_page and "/attachments/" in member_page
    assert world.session.topic in member_page
    assert "草稿中的学习" not in member_page  # drafts only for the group's secretaries
    assert "市教卫党委中心组学习" not in member_page  # another group's session
    assert "Upload a file" not in member_page and "Remove" not in member_page

    secretary_page = text(as_user(world.secretary).get(f"/materials/{world.speech.id}"))
    assert "草稿中的学习" in secretary_page and "市教卫党委中心组学习" not in secretary_page

    admin_page = text(as_user(world.admin).get(f"/materials/{world.speech.id}"))
    for topic in ("草稿中的学习", "市教卫党委中心组学习", world.session.topic):
        assert topic in admin_page

    keeper_page = text(as_user(world.top_secretary).get(f"/materials/{world.speech.id}"))
    assert "Upload a file" in keeper_page and "Edit the material" in keeper_page
    assert "草稿中的学习" not in keeper_page and "市教卫党委中心组学习" in keeper_page


def test_user_text_is_escaped(world: World, as_user: Callable[..., FlaskClient]) -> None:
    client = as_user(world.secretary)
    client.post("/materials/new", data=form_data(
        organization_id=world.unit.id, title="<script>alert(1)</script>",
        body="<img src=x onerror=alert(1)>",
    ))
    created = db.session.scalar(sa.select(Material).order_by(Material.id.desc()))
    assert created is not None
    raw = client.get(f"/materials/{created.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;" in raw
    assert "<img src=x" not in raw
    # the "already linked" message names titles: escaped as well
    client.post(f"/sessions/{world.session.id}/materials", data={"material_ids": [created.id]})
    raw = client.post(
        f"/sessions/{world.session.id}/materials", data={"material_ids": [created.id]}
    ).get_data(as_text=True)
    assert "Already linked to this session: &lt;script&gt;" in raw
    assert "<script>alert(1)</script>" not in raw


# --- linking to a session --------------------------------------------------------------------


def test_secretary_links_materials_in_order(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    page = text(client.get(f"/sessions/{world.session.id}/materials"))
    assert world.speech.title in page and world.notice.title in page
    assert world.foreign.title not in page and world.branch_note.title not in page
    assert "讲话" in text(client.get(f"/sessions/{world.session.id}/materials?q=讲话"))
    assert world.notice.title not in text(
        client.get(f"/sessions/{world.session.id}/materials?q=讲话")
    )

    response = client.post(
        f"/sessions/{world.session.id}/materials",
        data={"material_ids": [world.speech.id, world.notice.id]},
    )
    assert response.status_code == 302
    assert links_of(world.session) == [(world.speech.id, 0), (world.notice.id, 1)]
    extra = material(world.unit, "补充材料")
    db.session.commit()
    client.post(f"/sessions/{world.session.id}/materials", data={"material_ids": [extra.id]})
    assert links_of(world.session)[-1] == (extra.id, 2)  # appended at the end
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "session.link_material")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.details["material_id"] for e in events] == [
        world.speech.id, world.notice.id, extra.id
    ]
    assert {e.details["session_id"] for e in events} == {world.session.id}
    assert {(e.object_type, e.object_id) for e in events} == {("StudySession", world.session.id)}
    page = text(client.get(f"/sessions/{world.session.id}/materials"))
    assert "already linked" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("999999", "Choose a material from the library."),
        ("abc", "Choose a material from the library."),
        ("foreign", "Choose a material from the library."),  # a library the group cannot use
        ("branch_note", "Choose a material from the library."),  # a unit below the group's
        (None, "Choose a material from the library."),
        ("linked", "Already linked to this session: "),
    ],
)
def test_bad_links_are_refused_beside_the_field(
    world: World, as_user: Callable[..., FlaskClient], app: Flask, value: str | None,
    message: str,
) -> None:
    with app.test_request_context():
        services.link_materials(world.session, [world.speech.id])
    db.session.commit()
    before = links_of(world.session)
    client = as_user(world.secretary)
    ids = {"foreign": world.foreign.id, "branch_note": world.branch_note.id,
           "linked": world.speech.id}
    data = {} if value is None else {"material_ids": [str(ids.get(value, value)),
                                                      str(world.notice.id)]}
    response = client.post(f"/sessions/{world.session.id}/materials?q=", data=data)
    assert response.status_code == 200
    assert field_error(text(response), "material_ids").startswith(message)
    assert links_of(world.session) == before  # nothing linked, not even the good one


def test_unlink_and_move_keep_positions_contiguous(
    world: World, as_user: Callable[..., FlaskClient], app: Flask
) -> None:
    third = material(world.top, "第三份材料")
    db.session.commit()
    with app.test_request_context():
        services.link_materials(world.session, [world.speech.id, world.notice.id, third.id])
    db.session.commit()
    client = as_user(world.secretary)
    url = f"/sessions/{world.session.id}/materials"
    assert client.post(f"{url}/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert links_of(world.session) == [(world.speech.id, 0), (third.id, 1), (world.notice.id, 2)]
    client.post(f"{url}/{world.speech.id}/move", data={"direction": "up"})  # already first
    client.post(f"{url}/{world.speech.id}/move", data={"direction": "down"})
    assert links_of(world.session) == [(third.id, 0), (world.speech.id, 1), (world.notice.id, 2)]
    assert client.post(f"{url}/{world.speech.id}/unlink").status_code == 302
    assert links_of(world.session) == [(third.id, 0), (world.notice.id, 1)]
    assert client.post(f"{url}/{world.speech.id}/unlink").status_code == 404  # not linked
    assert client.post(f"{url}/{world.notice.id}/move", data={"direction": "sideways"}
                       ).status_code == 400
    assert db.session.get(Material, world.speech.id) is not None  # still in the library
    assert actions().count("session.move_material") == 2
    assert "session.unlink_material" in actions()


def test_one_material_in_many_sessions(
    world: World, as_user: Callable[..., FlaskClient], create_session: Callable[..., Any]
) -> None:
    second = create_session(world.group, "第二次学习")
    client = as_user(world.secretary)
    for s in (world.session, second):
        client.post(f"/sessions/{s.id}/materials", data={"material_ids": [world.speech.id]})
    assert links_of(world.session) == [(world.speech.id, 0)]
    assert links_of(second) == [(world.speech.id, 0)]
    page = text(client.get(f"/materials/{world.speech.id}"))
    assert world.session.topic in page and "第二次学习" in page


def test_closed_session_cannot_change_its_materials(
    world: World, as_user: Callable[..., FlaskClient], create_session: Callable[..., Any]
) -> None:
    closed = create_session(world.group, "已结束的学习", status=SessionStatus.CLOSED)
    client = as_user(world.secretary)
    assert client.get(f"/sessions/{closed.id}/materials").status_code == 403
    assert client.post(f"/sessions/{closed.id}/materials",
                       data={"material_ids": [world.speech.id]}).status_code == 403


def test_new_material_from_the_session_is_linked_at_once(
    world: World, as_user: Callable[..., FlaskClient]
) -> None:
    client = as_user(world.secretary)
    page = text(client.get(f"/sessions/{world.session.id}/materials"))
    assert f"/materials/new?session_id={world.session.id}" in page
    response = client.post(f"/materials/new?session_id={world.session.id}",
                           data=form_data(organization_id=world.unit.id, title="新学习材料"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sessions/{world.session.id}/materials"
    created = db.session.scalar(sa.select(Material).where(Material.title == "新学习材料"))
    assert created is not None
    assert links_of(world.session) == [(created.id, 0)]
    assert actions()[-2:] == ["material.create", "session.link_material"]
    # another group's session cannot be reached this way
    other_session_id = world.session.id + 1000
    assert client.get(f"/materials/new?session_id={other_session_id}").status_code == 404


# --- the section of the session page ---------------------------------------------------------


def test_session_page_lists_materials_with_files(
    world: World, as_user: Callable[..., FlaskClient], app: Flask
) -> None:
    with app.test_request_context():
        services.link_materials(world.session, [world.notice.id, world.speech.id])
        services.upload_attachment(world.speech, io.BytesIO(PDF * 100), "讲话全文.pdf")
        removed = services.upload_attachment(world.speech, io.BytesIO(PDF), "旧版本.pdf")
        services.remove_attachment(removed)
    db.session.commit()
    page = text(as_user(world.member).get(f"/sessions/{world.session.id}"))
    section = page[page.index('id="materials"'):]
    section = section[: section.index("</section>")]
    assert section.index(world.notice.title) < section.index(world.speech.title)
    assert f"/materials/{world.speech.id}" in section
    assert "Important speech" in section and "习近平" in section and "2020-02-23" in section
    assert "新华社" in section
    assert "讲话全文.pdf" in section and "1.5 KB" in section and "bi-file-earmark-pdf" in section
    assert "旧版本.pdf" not in section
    assert "Manage materials" not in section
    page = text(as_user(world.secretary).get(f"/sessions/{world.session.id}"))
    assert f"/sessions/{world.session.id}/materials" in page and "Manage materials" in page


def test_session_page_empty_state(world: World, as_user: Callable[..., FlaskClient]) -> None:
    page = text(as_user(world.member).get(f"/sessions/{world.session.id}"))
    assert "No materials linked to this session yet." in page


# --- the permission matrix -------------------------------------------------------------------

ROLES = ["anonymous", "member", "secretary", "leader", "outsider", "admin"]

# (method, url, form, expected status per role in ROLES order)
MATRIX: list[tuple[str, str, dict[str, Any], tuple[int, ...]]] = [
    ("GET", "/materials", {}, (302, 200, 200, 200, 200, 200)),
    ("GET", "/materials/new", {}, (302, 403, 200, 403, 403, 200)),
    ("POST", "/materials/new", {"title": ""}, (302, 403, 200, 403, 403, 200)),
    ("GET", "/materials/{material}", {}, (302, 200, 200, 200, 404, 200)),
    ("GET", "/materials/{material}/edit", {}, (302, 403, 200, 403, 404, 200)),
    ("POST", "/materials/{material}/edit", {"title": ""}, (302, 403, 200, 403, 404, 200)),
    ("POST", "/materials/{material}/attachments", {}, (302, 403, 200, 403, 404, 200)),
    ("GET", "/attachments/{attachment}/download", {}, (302, 200, 200, 200, 404, 200)),
    ("POST", "/attachments/{attachment}/remove", {}, (302, 403, 302, 403, 404, 302)),
    ("GET", "/sessions/{session}/materials", {}, (302, 403, 200, 403, 404, 200)),
    ("POST", "/sessions/{session}/materials", {}, (302, 403, 200, 403, 404, 200)),
    ("POST", "/sessions/{session}/materials/{material}/unlink", {},
     (302, 403, 302, 403, 404, 302)),
    ("POST", "/sessions/{session}/materials/{material}/move", {"direction": "down"},
     (302, 403, 302, 403, 404, 302)),
]


@pytest.mark.parametrize(
    ("method", "url", "form", "role", "expected"),
    [
        pytest.param(method, url, form, role, statuses[i], id=f"{method} {url} {role}")
        for method, url, form, statuses in MATRIX
        for i, role in enumerate(ROLES)
    ],
)
def test_permission_matrix(
    world: World, as_user: Callable[..., FlaskClient], app: Flask, method: str, url: str,
    form: dict[str, Any], role: str, expected: int,
) -> None:
    with app.test_request_context():
        services.link_materials(world.session, [world.notice.id, world.speech.id])
        attachment = services.upload_attachment(world.notice, io.BytesIO(PDF), "通知.pdf")
    db.session.commit()
    target = url.format(material=world.notice.id, attachment=attachment.id,
                        session=world.session.id)
    client = as_user(world.user(role))
    response = client.open(target, method=method, data=form)
    response.close()
    assert response.status_code == expected
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/materials/{id}", "detail"),
        ("/materials/{id}/edit", "edit"),
        ("/attachments/{attachment}/download", "download"),
    ],
)
def test_another_units_material_answers_404(
    world: World, as_user: Callable[..., FlaskClient], app: Flask, url: str, name: str
) -> None:
    with app.test_request_context():
        attachment = services.upload_attachment(world.foreign, io.BytesIO(PDF), "外校.pdf")
    db.session.commit()
    for user in (world.member, world.secretary, world.leader):
        client = as_user(user)
        target = url.format(id=world.foreign.id, attachment=attachment.id)
        assert client.get(target).status_code == 404, (user.username, name)
        if name == "edit":
            assert client.post(target, data=form_data(organization_id=world.unit.id)
                               ).status_code == 404
    client = as_user(world.secretary)
    assert client.post(f"/materials/{world.foreign.id}/attachments").status_code == 404
    assert client.post(f"/attachments/{attachment.id}/remove").status_code == 404
    assert client.get("/materials/999999").status_code == 404
    assert client.get("/attachments/999999/download").status_code == 404
