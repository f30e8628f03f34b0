"""Group chat robots (issue 21 §2): their messages as WeCom and DingTalk take them, posted to a
local receiver; DingTalk's signature; refusals; and the group's robots page over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import (
    AuditEvent,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    GroupRobot,
    RobotProvider,
)
from studytrack.reminders import services
from studytrack.reminders.robots import (
    WECOM_MARKDOWN_BYTES,
    RobotError,
    RobotMessage,
    check_url,
    cut_to_bytes,
    payload,
    post,
    signed_url,
)

HOSTS = "qyapi.weixin.qq.com, oapi.dingtalk.com"
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
MESSAGE = RobotMessage(
    title="学习心得提醒",
    text="请于12月10日前提交《学习贯彻党的二十届四中全会精神》的学习心得。\n共有3人尚未提交。",
    link="http://studytrack.test/sessions/7",
)


@pytest.fixture
def local_hosts(app):
    """Robots may post to the receiver at 127.0.0.1 too."""
    app.config["ROBOT_HOSTS"] = f"{HOSTS}, 127.0.0.1"


def make_robot(group, provider=RobotProvider.WECOM, url="https://qyapi.weixin.qq.com/"
               "cgi-bin/webhook/send?key=k-1", secret=None, name="中心组学习群", **fields):
    robot = GroupRobot(group_id=group.id, provider=provider, name=name, webhook_url=url,
                       secret=secret, **fields)
    db.session.add(robot)
    db.session.commit()
    return robot


@pytest.fixture
def world(world):
    """The shared world; a signed DingTalk robot of the group, and a robot of the other
    organisation's group."""
    world.robot = make_robot(world.group, RobotProvider.DINGTALK,
                             "https://oapi.dingtalk.com/robot/send?access_token=t-1", SECRET,
                             name="钉钉学习群")
    world.foreign_robot = make_robot(world.other_group, name="兄弟院校群")
    return world


def robots_of(group):
    return list(db.session.scalars(sa.select(GroupRobot).where(GroupRobot.group_id == group.id)
                                   .order_by(GroupRobot.id)))


# --- the messages, as posted -------------------------------------------------------------------


def test_a_wecom_robot_gets_a_markdown_message(app, local_hosts, robot_receiver):
    robot = GroupRobot(provider=RobotProvider.WECOM, name="群",
                       webhook_url=f"{robot_receiver.url}/cgi-bin/webhook/send?key=k-1")
    post(robot, MESSAGE)

    [received] = robot_receiver.requests
    assert received.path == "/cgi-bin/webhook/send?key=k-1"
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.body == {"msgtype": "markdown", "markdown": {"content": (
        "**学习心得提醒**\n"
        "请于12月10日前提交《学习贯彻党的二十届四中全会精神》的学习心得。\n共有3人尚未提交。\n"
        "[查看详情](http://studytrack.test/sessions/7)"
    )}}
    assert "学习心得" in received.raw.decode("utf-8")  # UTF-8 as it is, not \u escapes


def test_a_dingtalk_robot_gets_a_signed_markdown_message(app, local_hosts, robot_receiver):
    robot = GroupRobot(provider=RobotProvider.DINGTALK, name="群", secret=SECRET,
                       webhook_url=f"{robot_receiver.url}/robot/send?access_token=t-1")
    before = int(time.time() * 1000)
    post(robot, MESSAGE)
    after = int(time.time() * 1000)

    [received] = robot_receiver.requests
    assert received.body == {"msgtype": "markdown", "markdown": {
        "title": "学习心得提醒",
        "text": "### 学习心得提醒\n\n"
                "请于12月10日前提交《学习贯彻党的二十届四中全会精神》的学习心得。\n\n"
                "共有3人尚未提交。\n\n[查看详情](http://studytrack.test/sessions/7)",
    }}
    # The signature, recomputed as DingTalk does from the timestamp it was sent with.
    url = urlsplit(received.path)
    assert url.path == "/robot/send"
    query = parse_qs(url.query)
    assert query["access_token"] == ["t-1"]
    [timestamp] = query["timestamp"]
    assert before <= int(timestamp) <= after
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]


def test_a_dingtalk_robot_without_a_secret_posts_unsigned(app, local_hosts, robot_receiver):
    robot = GroupRobot(provider=RobotProvider.DINGTALK, name="群", secret=None,
                       webhook_url=f"{robot_receiver.url}/robot/send?access_token=t-1")
    post(robot, RobotMessage(title="提醒", text="一行"))

    [received] = robot_receiver.requests
    assert received.path == "/robot/send?access_token=t-1"
    assert received.body["markdown"] == {"title": "提醒", "text": "### 提醒\n\n一行"}


def test_signed_url_appends_to_the_query_or_starts_one():
    sign = base64.b64encode(hmac.new(b"SECx", b"1700000000000\nSECx", hashlib.sha256).digest())
    quoted = sign.decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")

    assert signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECx",
                      1700000000000) == ("https://oapi.dingtalk.com/robot/send?access_token=t"
                                         f"&timestamp=1700000000000&sign={quoted}")
    assert signed_url("https://oapi.dingtalk.com/robot/send", "SECx", 1700000000000) == (
        f"https://oapi.dingtalk.com/robot/send?timestamp=1700000000000&sign={quoted}")


def test_a_long_wecom_message_is_cut_to_its_limit_keeping_the_link():
    message = RobotMessage(title="学习提醒", text="学习贯彻🇨🇳新思想。\n" * 400,
                           link="http://studytrack.test/sessions/7")
    content = payload(RobotProvider.WECOM, message)["markdown"]["content"]

    assert len(content.encode("utf-8")) <= WECOM_MARKDOWN_BYTES
    assert content.startswith("**学习提醒**\n学习贯彻")
    assert content.endswith("…\n[查看详情](http://studytrack.test/sessions/7)")


@pytest.mark.parametrize("limit", range(0, 24))
def test_cutting_never_splits_a_character(limit):
    text = "a中🇨🇳b文字é" * 2  # characters of 1 to 4 bytes
    cut = cut_to_bytes(text, limit + 3)

    assert len(cut.encode("utf-8")) <= limit + 3
    assert text.startswith(cut.removesuffix("…"))
    assert (cut == text) == (len(text.encode("utf-8")) <= limit + 3)


def test_a_long_dingtalk_title_is_one_short_line():
    body = payload(RobotProvider.DINGTALK, RobotMessage(title="标题\n" + "长" * 100, text="正文"))
    title = body["markdown"]["title"]

    assert "\n" not in title
    assert len(title) == 64
    assert title.endswith("…")


# --- refusals ----------------------------------------------------------------------------------


def wecom_robot_at(receiver):
    return GroupRobot(provider=RobotProvider.WECOM, name="群",
                      webhook_url=f"{receiver.url}/cgi-bin/webhook/send?key=k-1")


def test_a_refused_message_raises_with_the_services_reason(app, local_hosts, robot_receiver):
    robot_receiver.answer = {"errcode": 310000, "errmsg": "sign not match"}
    with pytest.raises(RobotError) as raised:
        post(wecom_robot_at(robot_receiver), MESSAGE)

    assert "sign not match" in raised.value.message
    assert "310000" in raised.value.message
    assert "key=k-1" not in raised.value.message  # the address holds the robot's key


def test_an_http_error_raises(app, local_hosts, robot_receiver):
    robot_receiver.status = 500
    with pytest.raises(RobotError, match="HTTP 错误 500"):
        post(wecom_robot_at(robot_receiver), MESSAGE)


def test_an_answer_that_is_not_a_robots_raises(app, local_hosts, robot_receiver):
    robot_receiver.answer = ["ok"]
    with pytest.raises(RobotError, match="不是机器人接口的应答"):
        post(wecom_robot_at(robot_receiver), MESSAGE)


def test_a_redirect_is_not_followed(app, local_hosts, robot_receiver):
    robot_receiver.status = 302
    robot_receiver.headers = {"Location": f"{robot_receiver.url}/elsewhere"}
    with pytest.raises(RobotError, match="HTTP 错误 302"):
        post(wecom_robot_at(robot_receiver), MESSAGE)

    assert [r.path for r in robot_receiver.requests] == ["/cgi-bin/webhook/send?key=k-1"]


def test_a_service_that_cannot_be_reached_raises(app, local_hosts):
    with socket.socket() as unused:  # a port nobody listens on once it is closed
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    robot = GroupRobot(provider=RobotProvider.WECOM, name="群",
                       webhook_url=f"http://127.0.0.1:{port}/send?key=k-1")
    with pytest.raises(RobotError, match="无法连接聊天服务") as raised:
        post(robot, MESSAGE, timeout=2)

    assert "key=k-1" not in raised.value.message


def test_a_host_not_allowed_is_not_posted_to(app, robot_receiver):
    app.config["ROBOT_HOSTS"] = HOSTS
    with pytest.raises(RobotError, match="机器人只能向"):
        post(wecom_robot_at(robot_receiver), MESSAGE)

    assert robot_receiver.requests == []


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", True),
    ("https://OAPI.dingtalk.com./robot/send?access_token=t", True),
    ("http://qyapi.weixin.qq.com:8080/cgi-bin/webhook/send?key=k", True),
    ("https://qyapi.weixin.qq.com.evil.example/send", False),
    ("https://qyapi.weixin.qq.com@10.0.0.1/send", False),
    ("https://user:pw@qyapi.weixin.qq.com/send", False),
    ("ftp://qyapi.weixin.qq.com/send", False),
    ("file:///etc/passwd", False),
    ("https://10.0.0.1/admin", False),
    ("https://localhost/", False),
    ("//qyapi.weixin.qq.com/send", False),
    ("https://qyapi.weixin.qq.com:99999/send", False),
    ("https://qyapi.weixin.qq.com/send\n?key=k", False),
    ("", False),
])
def test_check_url_allows_only_http_addresses_of_the_hosts(request_context, url, allowed):
    error = check_url(url, ["qyapi.weixin.qq.com", " oapi.dingtalk.com "])
    assert (error is None) == allowed


# --- the group's robots page ---------------------------------------------------------------------

ADD = {"provider": "dingtalk", "name": "党委中心组钉钉群",
       "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=new-1",
       "secret": "SECtypedsecret123", "is_active": "y"}


@pytest.mark.parametrize(("role", "status"), [
    ("secretary", 200), ("admin", 200), ("member", 403), ("leader", 403), ("outsider", 404),
])
def test_who_may_manage_the_robots(client, login, world, role, status):
    login(getattr(world, role))
    base = f"/groups/{world.group.id}/robots"

    assert client.get(base).status_code == status
    assert client.get(f"{base}/{world.robot.id}/edit").status_code == status
    if status != 200:
        assert client.post(base, data=ADD).status_code == status
        assert client.post(f"{base}/{world.robot.id}/test").status_code == status
        assert client.post(f"{base}/{world.robot.id}/delete").status_code == status
        assert [r.id for r in robots_of(world.group)] == [world.robot.id]
        assert db.session.scalars(sa.select(Delivery)).all() == []


def test_the_robots_page_needs_a_login(client, world):
    assert client.get(f"/groups/{world.group.id}/robots").status_code == 302


@pytest.mark.parametrize("action", ["edit", "test", "delete"])
def test_another_groups_robot_is_not_found(client, login, world, action):
    login(world.secretary)
    path = f"/groups/{world.group.id}/robots/{world.foreign_robot.id}/{action}"
    response = client.get(path) if action == "edit" else client.post(path)

    assert response.status_code == 404
    assert db.session.get(GroupRobot, world.foreign_robot.id) is not None
    assert db.session.scalars(sa.select(Delivery)).all() == []


def test_another_groups_page_is_not_found(client, login, world):
    login(world.secretary)
    assert client.get(f"/groups/{world.other_group.id}/robots").status_code == 404


def test_the_group_page_links_to_the_robots_for_its_secretaries(client, login, world):
    login(world.secretary)
    assert 'data-link="group-robots"' in client.get(f"/groups/{world.group.id}").text
    login(world.member)
    assert 'data-link="group-robots"' not in client.get(f"/groups/{world.group.id}").text


def test_the_secretary_adds_a_robot(client, login, world):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/robots", data=ADD, follow_redirects=True)

    assert response.status_code == 200
    assert "党委中心组钉钉群 has been added" in response.text
    added = robots_of(world.group)[-1]
    assert (added.provider, added.name, added.webhook_url, added.secret, added.is_active) == (
        RobotProvider.DINGTALK, ADD["name"], ADD["webhook_url"], ADD["secret"], True)
    assert "SECtypedsecret123" not in response.text
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "GroupRobot", AuditEvent.object_id == added.id)) == "robot.add"


def test_a_host_not_allowed_is_refused_beside_the_field_and_the_input_kept(
        client, login, world):
    login(world.secretary)
    typed = {**ADD, "webhook_url": "http://10.0.0.5:8080/internal?x=1"}
    response = client.post(f"/groups/{world.group.id}/robots", data=typed)

    assert response.status_code == 200
    page = response.text
    feedback = page.split('id="webhook_url-feedback"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "may only post to" in feedback
    assert "oapi.dingtalk.com" in feedback
    assert 'value="http://10.0.0.5:8080/internal?x=1"' in page
    assert 'value="党委中心组钉钉群"' in page
    assert '<option selected value="dingtalk">' in page
    assert "SECtypedsecret123" not in page  # a secret is never written into a page
    assert [r.id for r in robots_of(world.group)] == [world.robot.id]


def test_a_wecom_robot_takes_no_secret(client, login, world):
    login(world.secretary)
    typed = {**ADD, "provider": "wecom",
             "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-2"}
    response = client.post(f"/groups/{world.group.id}/robots", data=typed)

    assert "Only DingTalk robots have a secret" in response.text
    assert len(robots_of(world.group)) == 1


def test_the_stored_secret_is_never_shown(client, login, world):
    login(world.secretary)
    listed = client.get(f"/groups/{world.group.id}/robots").text
    edit = client.get(f"/groups/{world.group.id}/robots/{world.robot.id}/edit").text

    assert SECRET not in listed and SECRET not in edit
    assert 'data-secret="stored"' in listed and 'data-secret="stored"' in edit
    assert 'value="https://oapi.dingtalk.com/robot/send?access_token=t-1"' in edit


def edit(client, world, **changes):
    data = {"provider": "dingtalk", "name": "钉钉学习群",
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t-1",
            "is_active": "y", **changes}
    return client.post(f"/groups/{world.group.id}/robots/{world.robot.id}/edit", data=data)


def test_editing_keeps_the_secret_when_left_empty(client, login, world):
    login(world.secretary)
    response = edit(client, world, name="改名的群", secret="", is_active="")

    assert response.status_code == 302
    robot = db.session.get(GroupRobot, world.robot.id)
    assert (robot.name, robot.secret, robot.is_active) == ("改名的群", SECRET, False)


def test_editing_replaces_or_removes_the_secret(client, login, world):
    login(world.secretary)
    assert edit(client, world, secret="SECnewsecret").status_code == 302
    assert db.session.get(GroupRobot, world.robot.id).secret == "SECnewsecret"

    assert edit(client, world, remove_secret="y").status_code == 302
    assert db.session.get(GroupRobot, world.robot.id).secret is None


def test_editing_refuses_a_new_secret_and_its_removal_at_once(client, login, world):
    login(world.secretary)
    response = edit(client, world, secret="SECnewsecret", remove_secret="y", name="新名字")

    assert response.status_code == 200
    assert "not both" in response.text
    assert "SECnewsecret" not in response.text
    assert 'value="新名字"' in response.text
    assert db.session.get(GroupRobot, world.robot.id).secret == SECRET


def test_a_robot_made_a_wecom_one_loses_its_secret(client, login, world):
    login(world.secretary)
    response = edit(client, world, provider="wecom",
                    webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-3")

    assert response.status_code == 302
    robot = db.session.get(GroupRobot, world.robot.id)
    assert (robot.provider, robot.secret) == (RobotProvider.WECOM, None)


def test_editing_to_a_host_not_allowed_is_refused(client, login, world):
    login(world.secretary)
    response = edit(client, world, webhook_url="https://example.com/hook")

    assert response.status_code == 200
    assert 'id="webhook_url-feedback"' in response.text
    assert db.session.get(GroupRobot, world.robot.id).webhook_url.startswith(
        "https://oapi.dingtalk.com/")


def test_the_secretary_removes_a_robot_and_its_deliveries(client, login, world):
    db.session.add(Delivery(channel=DeliveryChannel.ROBOT, robot_id=world.robot.id,
                            status=DeliveryStatus.FAILED, error="sign not match"))
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/robots/{world.robot.id}/delete",
                           follow_redirects=True)

    assert response.status_code == 200
    assert "钉钉学习群 has been removed" in response.text
    assert robots_of(world.group) == []
    assert db.session.scalars(sa.select(Delivery)).all() == []
    assert db.session.get(GroupRobot, world.foreign_robot.id) is not None


def test_the_test_button_queues_a_test_message(client, login, world, monkeypatch):
    # The sending is the sender's (tests/test_reminders*); here only what the button records.
    monkeypatch.setattr(services, "send_soon", lambda: None)
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/robots/{world.robot.id}/test",
                           follow_redirects=True)

    assert response.status_code == 200
    assert "A test message is on its way" in response.text
    [delivery] = db.session.scalars(sa.select(Delivery)).all()
    assert (delivery.channel, delivery.robot_id, delivery.reminder_id, delivery.status) == (
        DeliveryChannel.ROBOT, world.robot.id, None, DeliveryStatus.PENDING)
    assert 'data-delivery="pending"' in response.text


def test_the_page_shows_each_robots_latest_deliveries_and_errors(client, login, world):
    db.session.add_all([
        Delivery(channel=DeliveryChannel.ROBOT, robot_id=world.robot.id,
                 status=DeliveryStatus.FAILED, error=f"refused {n}") for n in range(5)
    ])
    db.session.commit()
    login(world.secretary)
    page = client.get(f"/groups/{world.group.id}/robots").text

    assert page.count('data-delivery="failed"') == 3
    assert "refused 4" in page and "refused 1" not in page


def test_a_form_sent_twice_adds_one_robot(client, login, world):
    login(world.secretary)
    page = client.get(f"/groups/{world.group.id}/robots").text
    token = page.split('name="submission_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    data = {**ADD, "submission_token": token}
    assert client.post(f"/groups/{world.group.id}/robots", data=data).status_code == 302
    assert client.post(f"/groups/{world.group.id}/robots", data=data).status_code == 302

    assert len(robots_of(world.group)) == 2  # the world's one, and the one added


def test_robot_messages_are_json_objects():
    for provider in RobotProvider:
        assert json.loads(json.dumps(payload(provider, MESSAGE)))["msgtype"] == "markdown"
