"""The reminders' mails through a real SMTP server on 127.0.0.1 (aiosmtpd, started by the
`smtp_server` fixture): who receives them, the Chinese subject and text, both parts, the
links, and the one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from datetime import date, datetime, time

from studytrack.extensions import db
from studytrack.models import Attendance, AttendanceStatus
from studytrack.reminders import services
from studytrack.timeutil import local_to_utc

TOPIC = "深入学习贯彻习近平总书记关于教育的重要论述"


def test_a_published_session_mails_each_member_in_chinese(app, world, create_session,
                                                          smtp_server, client):
    world.member.email, world.member.locale = "zhangyu@test.example", "zh"
    world.secretary.email = "lijing@test.example"  # present too, but an observer here
    session = create_session(world.group, topic=TOPIC, reflection_due_on=date(2026, 3, 12),
                             min_reflection_chars=600,
                             published_at=local_to_utc(datetime(2026, 3, 2, 10)))
    db.session.add_all([
        Attendance(session=session, user=world.member, status=AttendanceStatus.PRESENT),
        Attendance(session=session, user=world.secretary, status=AttendanceStatus.OBSERVER),
    ])
    db.session.commit()

    services.scan(local_to_utc(datetime.combine(date(2026, 3, 3), time(9))))

    assert [(m.recipients, m.sender) for m in smtp_server.messages] == [
        (["zhangyu@test.example"], "studytrack@test.example")]
    mail = smtp_server.messages[0].message
    assert str(mail["Subject"]).strip() == f"请撰写“{TOPIC}”的心得体会"
    assert "张瑜" in str(mail["To"]) and "zhangyu@test.example" in str(mail["To"])
    assert "学习提醒" in str(mail["From"])
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "张瑜同志：" in text and "字数不少于 600 字。" in text and "2026年3月12日" in text
    link = f"http://studytrack.test/sessions/{session.id}/reflection"
    assert link in text and f'href="{link}"' in html
    assert f"学习活动“{TOPIC}”已发布" in html

    unsubscribe = str(mail["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http://studytrack.test/reminders/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The one-click POST turns that kind of mail off: the next one does not come.
    path = unsubscribe.strip("<>").removeprefix("http://studytrack.test")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    other = create_session(world.group, topic="第二次学习", reflection_due_on=date(2026, 3, 20),
                           published_at=local_to_utc(datetime(2026, 3, 4, 10)))
    db.session.add(Attendance(session=other, user=world.member, status=AttendanceStatus.PRESENT))
    db.session.commit()
    services.scan(local_to_utc(datetime.combine(date(2026, 3, 5), time(9))))
    assert len(smtp_server.messages) == 1
