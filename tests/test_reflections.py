"""Reflection pages: the member's editor and its autosave, the review pages, accepting and
returning, the session page's panel, hostile text, and who may open what."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    Notification,
    NotificationKind,
    Reflection,
    ReflectionStatus,
    SessionStatus,
)

TEXT = "学习贯彻习近平总书记重要讲话精神，深刻领会其核心要义。"


def attend(session, user, status, makeup_on=None):
    db.session.add(Attendance(
        session=session, user=user, status=status, makeup_on=makeup_on,
        leave_reason="出差" if status == AttendanceStatus.ON_LEAVE else None,
    ))
    db.session.commit()


@pytest.fixture
def world(world, create_user, create_session):
    """The shared world, its member the author; two more members of the group, a colleague and
    one who attends as an observer; a session (reflections due 1 January 2030, at least 10
    characters) that the author and the colleague attended."""
    world.author = world.member
    world.colleague = create_user("colleague", "colleague同志", locale="en")
    world.observer = create_user("observer", "observer同志", locale="en")
    for user in (world.colleague, world.observer):
        admin_services.add_member(world.group, user)
    db.session.commit()
    world.session = create_session(world.group, reflection_due_on=date(2030, 1, 1),
                                   min_reflection_chars=10)
    attend(world.session, world.author, AttendanceStatus.PRESENT)
    attend(world.session, world.colleague, AttendanceStatus.PRESENT)
    attend(world.session, world.observer, AttendanceStatus.OBSERVER)
    return world


def editor_url(world):
    return f"/sessions/{world.session.id}/reflection"


def save(client, world, body=TEXT, title="体会", version="", action="save"):
    return client.post(editor_url(world), data={
        "title": title, "body": body, "version": version, "action": action,
    })


def autosave(client, world, body=TEXT, version="", headers=None):
    return client.post(f"/sessions/{world.session.id}/reflection/autosave",
                       data={"title": "体会", "body": body, "version": version},
                       headers=headers or {})


def reflection_of(user):
    db.session.expire_all()
    return db.session.scalar(sa.select(Reflection).where(Reflection.author_id == user.id))


def submitted(client, world, login, body=TEXT):
    login(world.author)
    assert save(client, world, body=body, action="submit").status_code == 302
    return reflection_of(world.author)


# --- the editor ---------------------------------------------------------------------------------


def test_editor_for_a_member_who_must_write(world, client, login):
    login(world.author)
    page = client.get(editor_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="reflection-form"' in html
    assert "js/reflection_editor.js" in html and "css/reflections.css" in html
    assert "<script>" not in html  # strict CSP: no inline script
    assert f'data-storage-key="studytrack:reflection:{world.session.id}:{world.author.id}"' in html
    assert 'data-min-chars="10"' in html
    assert "0 of at least 10 characters" in html


@pytest.mark.parametrize(("who", "status"), [
    ("observer", 403), ("secretary", 403), ("leader", 403), ("outsider", 404),
])
def test_editor_for_those_who_do_not_write(world, client, login, who, status):
    login(getattr(world, who))
    assert client.get(editor_url(world)).status_code == status
    assert save(client, world).status_code == status
    assert reflection_of(getattr(world, who)) is None


def test_editor_needs_a_login(world, client):
    response = client.get(editor_url(world))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_save_draft_then_edit_it(world, client, login):
    login(world.author)
    response = save(client, world)
    assert response.status_code == 302
    reflection = reflection_of(world.author)
    assert (reflection.status, reflection.body, reflection.title) == (
        ReflectionStatus.DRAFT, TEXT, "体会")
    assert reflection.char_count == len(TEXT)
    html = client.get(editor_url(world)).get_data(as_text=True)
    assert TEXT in html
    assert f'name="version" type="hidden" value="{reflection.version}"' in html


def test_submit_below_minimum_keeps_the_text_and_says_why_beside_the_field(world, client, login):
    login(world.author)
    response = save(client, world, body="太短 的心得", action="submit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    feedback = re.search(r'<div class="invalid-feedback" id="body-feedback">(.*?)</div>\s*</div>',
                         html, re.S)
    assert feedback and "5 characters" in feedback.group(1) and "at least 10" in feedback.group(1)
    assert "太短 的心得</textarea>" in html
    reflection = reflection_of(world.author)
    assert (reflection.status, reflection.body) == (ReflectionStatus.DRAFT, "太短 的心得")
    assert f'name="version" type="hidden" value="{reflection.version}"' in html


def test_submit_after_the_session_closed_keeps_the_text(world, client, login):
    login(world.author)
    save(client, world, body="草稿")
    version = reflection_of(world.author).version
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    response = save(client, world, body="关闭后写的新内容，不能丢。", version=version,
                    action="submit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This session is closed" in html
    assert "关闭后写的新内容，不能丢。</textarea>" in html
    assert reflection_of(world.author).body == "草稿"


def test_stale_save_from_another_tab_is_refused(world, client, login):
    login(world.author)
    save(client, world, body="第一个标签页")
    first = reflection_of(world.author).version
    assert save(client, world, body="第二个标签页保存的", version=first).status_code == 302
    response = save(client, world, body="第一个标签页的旧版本", version=first)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "another tab or device" in html
    assert "第一个标签页的旧版本</textarea>" in html  # the user's text is kept
    assert 'id="saved-version"' in html and "第二个标签页保存的" in html
    assert reflection_of(world.author).body == "第二个标签页保存的"
    # Saving again, now against the version shown, is a deliberate overwrite.
    current = reflection_of(world.author).version
    assert save(client, world, body="第一个标签页的旧版本", version=current).status_code == 302
    assert reflection_of(world.author).body == "第一个标签页的旧版本"


def test_submitted_reflection_is_read_only(world, client, login):
    reflection = submitted(client, world, login)
    assert reflection.status == ReflectionStatus.SUBMITTED
    html = client.get(editor_url(world)).get_data(as_text=True)
    assert "<textarea" not in html
    assert "waiting for the study secretary" in html and TEXT in html
    response = save(client, world, body="提交后再改", version=reflection.version)
    assert response.status_code == 200
    assert "can no longer be changed" in response.get_data(as_text=True)
    assert reflection_of(world.author).body == TEXT


def test_full_review_cycle_over_http(world, client, login):
    reflection = submitted(client, world, login)
    login(world.secretary)
    response = client.post(f"/reflections/{reflection.id}/return",
                           data={"comment": "请结合工作实际<修改>"})
    assert response.status_code == 302
    login(world.author)
    html = client.get(editor_url(world)).get_data(as_text=True)
    assert "returned for revision" in html
    assert "请结合工作实际&lt;修改&gt;" in html
    assert "<textarea" in html  # editable again
    version = reflection_of(world.author).version
    assert save(client, world, body=TEXT + "已修改", version=version,
                action="submit").status_code == 302
    login(world.secretary)
    assert client.post(f"/reflections/{reflection.id}/accept").status_code == 302
    reflection = reflection_of(world.author)
    assert reflection.status == ReflectionStatus.ACCEPTED
    kinds = db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [NotificationKind.REFLECTION_SUBMITTED, NotificationKind.REFLECTION_RETURNED,
                     NotificationKind.REFLECTION_SUBMITTED, NotificationKind.REFLECTION_ACCEPTED]
    login(world.author)
    html = client.get(editor_url(world)).get_data(as_text=True)
    assert "was accepted" in html and "<textarea" not in html


def test_return_needs_a_comment_shown_beside_the_field(world, client, login):
    reflection = submitted(client, world, login)
    login(world.secretary)
    response = client.post(f"/reflections/{reflection.id}/return",
                           data={"comment": "  "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="comment-feedback"' in html
    assert "Say what should be revised" in html
    assert reflection_of(world.author).status == ReflectionStatus.SUBMITTED


# --- autosave -------------------------------------------------------------------------------


def test_autosave_answers_json(world, client, login):
    login(world.author)
    response = autosave(client, world, body="自动 保存的草稿😀")
    assert response.status_code == 200
    data = response.get_json()
    assert data["char_count"] == 8 and data["version"] == 1 and data["saved_at"]
    again = autosave(client, world, body="自动保存的草稿，继续写", version=str(data["version"]))
    assert again.status_code == 200 and again.get_json()["version"] == 2
    stale = autosave(client, world, body="旧标签页", version="1")
    assert stale.status_code == 409
    assert stale.get_json()["error"] == "conflict" and stale.get_json()["version"] == 2
    assert reflection_of(world.author).body == "自动保存的草稿，继续写"


def test_autosave_after_the_login_expired_answers_401_json(world, client):
    response = autosave(client, world)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "login"


def test_autosave_refused_when_closed_or_not_required(world, client, login):
    login(world.observer)
    response = autosave(client, world)
    assert response.status_code == 422 and response.get_json()["error"] == "refused"
    login(world.author)
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    response = autosave(client, world)
    assert response.status_code == 422 and "closed" in response.get_json()["message"]
    login(world.outsider)
    assert autosave(client, world).status_code == 404


def test_autosave_checks_the_csrf_token(world, client, login, app):
    login(world.author)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = client.get(editor_url(world)).get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
        refused = autosave(client, world)
        assert refused.status_code == 400 and refused.get_json()["error"] == "expired"
        accepted = autosave(client, world, headers={"X-CSRFToken": token})
        assert accepted.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- reading and reviewing: who may open what ------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("author", 403), ("colleague", 403), ("observer", 403),
    ("secretary", 200), ("leader", 200), ("outsider", 404),
])
def test_session_review_page_permissions(world, client, login, who, status):
    if who != "anonymous":
        login(getattr(world, who))
    assert client.get(f"/sessions/{world.session.id}/reflections").status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("colleague", 404), ("observer", 404), ("outsider", 404), ("leader", 200),
    ("secretary", 200), ("author", 302),
])
def test_one_reflection_page_permissions(world, client, login, who, status):
    reflection = submitted(client, world, login)
    login(getattr(world, who))
    assert client.get(f"/reflections/{reflection.id}").status_code == status


def test_nobody_but_the_author_sees_a_draft(world, client, login):
    login(world.author)
    save(client, world, body="私人草稿内容")
    reflection = reflection_of(world.author)
    for who in ("secretary", "leader", "colleague"):
        login(getattr(world, who))
        assert client.get(f"/reflections/{reflection.id}").status_code == 404
    login(world.secretary)
    html = client.get(f"/sessions/{world.session.id}/reflections").get_data(as_text=True)
    assert "私人草稿内容" not in html
    assert 'data-state="draft"' in html


@pytest.mark.parametrize(("who", "status"), [
    ("colleague", 404), ("outsider", 404), ("leader", 403), ("author", 403),
])
def test_only_secretaries_review(world, client, login, who, status):
    reflection = submitted(client, world, login)
    login(getattr(world, who))
    assert client.post(f"/reflections/{reflection.id}/accept").status_code == status
    assert client.post(f"/reflections/{reflection.id}/return",
                       data={"comment": "退回"}).status_code == status
    assert reflection_of(world.author).status == ReflectionStatus.SUBMITTED


def test_session_review_page_shows_owed_queue_and_texts(world, client, login):
    reflection = submitted(client, world, login)
    login(world.secretary)
    html = client.get(f"/sessions/{world.session.id}/reflections").get_data(as_text=True)
    assert f'data-user-id="{world.author.id}" data-state="submitted"' in html
    assert f'data-user-id="{world.colleague.id}" data-state="not_started"' in html
    assert f'data-user-id="{world.observer.id}"' not in html  # observers do not write
    assert f'id="reflection-{reflection.id}"' in html and TEXT in html
    assert f'action="/reflections/{reflection.id}/accept"' in html
    assert '<span data-figure="required">2</span>' in html
    login(world.leader)
    html = client.get(f"/sessions/{world.session.id}/reflections").get_data(as_text=True)
    assert TEXT in html and "/accept" not in html


@pytest.mark.parametrize(("locale", "label"), [
    ("zh", "修改意见"), ("en", "What should be revised"),
])
def test_review_page_return_form_is_each_reflections_own(world, client, login, locale, label,
                                                        app, create_user):
    """Each reflection waiting for review has its own return form, posting to its address;
    the fields, the same for each, have no ids (their labels hold them), so none repeats."""
    reflection = submitted(client, world, login)
    login(world.colleague)
    save(client, world, body=TEXT, action="submit")
    other = reflection_of(world.colleague)
    login(world.secretary)
    client.post("/auth/language", data={"locale": locale, "next": "/"})
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for page in (f"/sessions/{world.session.id}/reflections",
                     f"/groups/{world.group.id}/reflections/review"):
            html = client.get(page).get_data(as_text=True)
            forms = re.findall(r'<form method="post" action="/reflections/(\d+)/return".*?</form>',
                               html, re.S)
            assert sorted(map(int, forms)) == sorted([reflection.id, other.id])
            for form in re.findall(r'<form method="post" action="/reflections/\d+/return".*?'
                                   r'</form>', html, re.S):
                assert re.search(rf'<label class="form-label d-block mb-3">{label} .*?<textarea '
                                 r'class="form-control mt-1" maxlength="4000" name="comment" '
                                 r'required rows="3">\s*</textarea>.*?</label>', form, re.S)
                assert 'name="csrf_token" type="hidden"' in form
                assert f'name="next" type="hidden" value="{page}"' in form
            ids = re.findall(r' id="([^"]+)"', html)
            assert len(ids) == len(set(ids)), "an id stands twice on the page"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize(("who", "status"), [
    ("secretary", 200), ("leader", 403), ("author", 403), ("outsider", 404),
])
def test_group_review_queue(world, client, login, who, status):
    reflection = submitted(client, world, login)
    login(getattr(world, who))
    response = client.get(f"/groups/{world.group.id}/reflections/review")
    assert response.status_code == status
    if status == 200:
        assert f'id="reflection-{reflection.id}"' in response.get_data(as_text=True)


def test_accept_from_the_group_queue_goes_back_there(world, client, login):
    reflection = submitted(client, world, login)
    login(world.secretary)
    here = f"/groups/{world.group.id}/reflections/review"
    response = client.post(f"/reflections/{reflection.id}/accept",
                           data={"next": here})
    assert response.headers["Location"] == here
    evil = client.post(f"/reflections/{reflection.id}/accept",
                       data={"next": "//evil.example"})
    assert "evil" not in evil.headers["Location"]


# --- hostile text -----------------------------------------------------------------------------


HOSTILE = ("<script>alert('x')</script><img src=x onerror=alert(1)> 😀👨\u200d👩\u200d👧 "
           + "长" * 3000 + "\n" + "https://example.com/" + "a" * 2000)


def test_hostile_text_is_stored_as_written_and_shown_inert(world, client, login):
    reflection = submitted(client, world, login, body=HOSTILE)
    assert reflection.body == HOSTILE
    pages = [client.get(editor_url(world)).get_data(as_text=True)]
    login(world.secretary)
    pages.append(client.get(f"/sessions/{world.session.id}/reflections").get_data(as_text=True))
    pages.append(client.get(f"/reflections/{reflection.id}").get_data(as_text=True))
    pages.append(client.get(f"/groups/{world.group.id}/reflections/review")
                 .get_data(as_text=True))
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        assert "😀" in html
        assert 'class="reflection-text"' in html


def test_reflection_css_wraps_long_lines():
    from studytrack import PACKAGE_DIR

    css = (PACKAGE_DIR / "static" / "css" / "reflections.css").read_text()
    assert "overflow-wrap: anywhere" in css


# --- the session page panel --------------------------------------------------------------------


def test_panel_for_a_member_who_must_write(world, client, login):
    login(world.author)
    html = client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    assert "Write my reflection" in html
    assert f'href="/sessions/{world.session.id}/reflection"' in html
    assert f'href="/sessions/{world.session.id}/reflections"' not in html


def test_panel_for_an_observer_shows_nothing(world, client, login):
    login(world.observer)
    html = client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    assert 'id="reflections-heading"' not in html
    assert "Write my reflection" not in html


def test_panel_for_a_secretary_shows_figures(world, client, login):
    submitted(client, world, login)
    login(world.secretary)
    html = client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    assert '<strong data-figure="required">2</strong>' in html
    assert '<strong data-figure="submitted">1</strong>' in html
    assert "1 waiting for review" in html
    assert f'href="/sessions/{world.session.id}/reflections"' in html


def test_panel_after_return_shows_the_comment(world, client, login):
    reflection = submitted(client, world, login)
    login(world.secretary)
    client.post(f"/reflections/{reflection.id}/return",
                data={"comment": "请补充具体措施"})
    login(world.author)
    html = client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    assert "请补充具体措施" in html and "Revise my reflection" in html


# --- query budget ---------------------------------------------------------------------------


def test_review_page_query_count_does_not_grow(world, client, login, create_user,
                                               create_session, count_queries):
    from studytrack.reflections import services

    counts = []
    for size in (2, 12):
        session = create_session(world.group, topic=f"第{size}次", min_reflection_chars=0)
        people = [create_user(display_name=f"成员{size}-{i}") for i in range(size)]
        from studytrack.admin import services as admin_services
        from studytrack.models import GroupRole, GroupTitle

        for i, person in enumerate(people):
            admin_services.add_member(world.group, person, GroupRole.MEMBER, GroupTitle.MEMBER)
            attend(session, person, AttendanceStatus.PRESENT)
            with client.application.test_request_context():
                reflection = services.save_draft(session, person, None, f"体会{i}" * 5)
                if i % 2:
                    services.submit(reflection)
                    if i % 4 == 1:
                        services.accept(reflection, world.secretary)
            db.session.commit()
        login(world.secretary)
        with count_queries() as counter:
            assert client.get(f"/sessions/{session.id}/reflections").status_code == 200
        counts.append(counter.count)
        with count_queries() as counter:
            assert client.get(f"/groups/{world.group.id}/reflections/review").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert counts[0] <= 10, counts


def test_the_editor_script_counts_like_the_server():
    """The live counter's pattern (JavaScript) leaves out exactly what the server leaves out."""
    from studytrack import PACKAGE_DIR
    from studytrack.reflections.services import count_characters

    script = (PACKAGE_DIR / "static" / "js" / "reflection_editor.js").read_text()
    pattern = re.search(r"var NOT_COUNTED = /(.+)/g;", script).group(1)
    not_counted = re.compile(pattern)
    samples = ["学习 体会", "学习\u3000体会", "第一段。\n\n第二段。\r\n", "Study hard", "👍", "❤️",
               "👨\u200d👩\u200d👧", "\ufeff学习", "a\u00a0b\u2003c\u1680\u202f\u205f",
               "\u001c\u0085x", "😀𠀀", "".join(chr(c) for c in range(0x2000, 0x2010))]
    for text in samples:
        assert len(not_counted.sub("", text)) == count_characters(text), repr(text)


@pytest.mark.parametrize(
    ("who", "review_link", "archive_link"),
    [("secretary", True, True), ("leader", False, True), ("author", False, False)],
)
def test_group_page_links_to_review_queue_and_archive_by_role(
    client, login, world, who, review_link, archive_link
):
    login(getattr(world, who))
    html = client.get(f"/groups/{world.group.id}").get_data(as_text=True)
    assert (f"/groups/{world.group.id}/reflections/review" in html) is review_link
    assert (f"/groups/{world.group.id}/archive" in html) is archive_link


# --- issue 16: the policy decides, one unit of work, the one safe `next` ---------------------


HOSTILE_NEXT = ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\x7f/evil.example",
                "/\x01/evil.example", "https://evil.example/", ""]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_accept_never_leads_off_the_site(world, client, login, target):
    reflection = submitted(client, world, login)
    login(world.secretary)
    response = client.post(f"/reflections/{reflection.id}/accept",
                           data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sessions/{world.session.id}/reflections"
    assert reflection_of(world.author).status == ReflectionStatus.ACCEPTED


def test_a_refused_submission_keeps_the_revised_draft(world, client, login):
    """Submitting a text below the minimum saves it as the draft (committed with the page that
    says why) and refuses only the submission; the next submission is made against it."""
    login(world.author)
    save(client, world, body="第一稿，足够长的内容。")
    first = reflection_of(world.author).version
    response = save(client, world, body="改短了", version=first, action="submit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "at least 10" in html and "改短了</textarea>" in html
    draft = reflection_of(world.author)
    assert (draft.status, draft.body) == (ReflectionStatus.DRAFT, "改短了")
    assert draft.version == first + 1
    assert f'name="version" type="hidden" value="{draft.version}"' in html
    response = save(client, world, body=TEXT, version=draft.version, action="submit")
    assert response.status_code == 302
    assert reflection_of(world.author).status == ReflectionStatus.SUBMITTED


def test_a_stale_submission_changes_nothing_and_shows_the_saved_version(world, client, login):
    login(world.author)
    elsewhere = "另一个标签页保存的内容。"
    save(client, world, body=elsewhere)
    response = save(client, world, body=TEXT, version="", action="submit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "another tab or device" in html and 'id="saved-version"' in html
    reflection = reflection_of(world.author)
    assert (reflection.status, reflection.body) == (ReflectionStatus.DRAFT, elsewhere)
    assert f'name="version" type="hidden" value="{reflection.version}"' in html


def test_taken_off_the_roster_after_writing_reads_the_text(world, client, login):
    """One who wrote a draft and was then marked as an observer still opens their text, read
    only; one who never wrote is refused."""
    login(world.author)
    save(client, world, body="写过的草稿内容。")
    attendance = db.session.scalar(sa.select(Attendance).where(
        Attendance.session_id == world.session.id, Attendance.user_id == world.author.id))
    attendance.status = AttendanceStatus.OBSERVER
    db.session.commit()
    response = client.get(editor_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "写过的草稿内容。" in html and "<textarea" not in html
    assert "no longer on the list" in html
    assert save(client, world, body="再改", version="1").status_code == 200
    assert reflection_of(world.author).body == "写过的草稿内容。"
    login(world.observer)
    assert client.get(editor_url(world)).status_code == 403


def test_a_member_owing_a_reflection_on_a_closed_session_is_told_so(world, client, login):
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    login(world.author)
    response = client.get(editor_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This session is closed" in html and "<textarea" not in html


def test_autosave_conflict_without_a_loaded_version(world, client, login):
    login(world.author)
    assert autosave(client, world, body="第一次").status_code == 200
    stale = autosave(client, world, body="没有版本号的旧页面")
    assert stale.status_code == 409 and stale.get_json()["version"] == 1
    assert reflection_of(world.author).body == "第一次"


def test_editor_statement_budget(world, client, login, count_queries):
    """The editor reads the session and, in one query, the member's roster row and reflection
    (besides the login's, the reach's and the bell's reads)."""
    login(world.author)
    save(client, world)
    url = editor_url(world)
    db.session.expunge_all()  # as a new request finds it
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count <= 5, "\n".join(counter.statements)
    db.session.expunge_all()
    with count_queries() as counter:
        response = client.post(f"{url}/autosave", data={"body": TEXT + "。", "version": "1"})
        assert response.status_code == 200
    assert counter.count <= 6, "\n".join(counter.statements)


def test_the_group_queue_shows_a_page_of_reflections_with_their_number(
    world, client, login, create_session, monkeypatch
):
    """Issue 18: every waiting text on one page grew with the backlog (468 KB for 84)."""
    from studytrack.reflections import queries

    first = submitted(client, world, login)
    later = create_session(world.group, topic="第二次集体学习")
    second = Reflection(session=later, author=world.author, body=TEXT, char_count=len(TEXT),
                        status=ReflectionStatus.SUBMITTED,
                        submitted_at=first.submitted_at + timedelta(days=1))
    db.session.add(second)
    db.session.commit()
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 1)
    login(world.secretary)
    url = f"/groups/{world.group.id}/reflections/review"

    page_one = client.get(url).get_data(as_text=True)
    page_two = client.get(url + "?page=2").get_data(as_text=True)

    assert f'id="reflection-{first.id}"' in page_one
    assert f'id="reflection-{second.id}"' not in page_one
    assert '<span class="badge text-bg-light">2</span>' in page_one  # the whole number
    assert "page=2" in page_one  # a link to the next page
    assert f'id="reflection-{second.id}"' in page_two
    assert f'value="{url}?page=2"' in page_two  # accepting one returns to this page
