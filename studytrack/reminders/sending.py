"""Sending one delivery: a mail through Flask-Mailman, or a post to a group's chat robot."""

from __future__ import annotations

from email.utils import formataddr

from flask import render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives

from studytrack.models import Delivery, DeliveryChannel
from studytrack.reminders import robots
from studytrack.reminders.messages import KIND_LABELS, Message, compose, public_links, test_message
from studytrack.reminders.tokens import unsubscribe_token

ROBOT_LOCALE = "zh"  # a group chat reads Chinese, whatever its members' settings


def send(delivery: Delivery) -> None:
    """Send it; raises on a failure (the sender tries again later)."""
    with public_links():
        if delivery.channel == DeliveryChannel.MAIL:
            _mail(delivery)
        else:
            _robot(delivery)


def _mail(delivery: Delivery) -> None:
    user, reminder = delivery.user, delivery.reminder
    assert user is not None and user.email and reminder is not None
    with force_locale(user.locale):
        message = compose(reminder)
        unsubscribe = url_for("reminders.unsubscribe",
                              token=unsubscribe_token(user.id, reminder.kind), _external=True)
        context = {
            "message": message, "user": user, "unsubscribe_url": unsubscribe,
            "kind_label": str(KIND_LABELS[reminder.kind]),
            "preferences_url": url_for("reminders.preferences", _external=True),
        }
        text = render_template("email/reminder.txt", **context)
        html = render_template("email/reminder.html", **context)
    mail = EmailMultiAlternatives(
        subject=message.subject, body=text, to=[formataddr((user.display_name, user.email))],
        headers={
            # RFC 8058: a mail client's one-click unsubscribe POSTs to the link.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def _robot(delivery: Delivery) -> None:
    robot = delivery.robot
    assert robot is not None
    with force_locale(ROBOT_LOCALE):
        message = compose(delivery.reminder) if delivery.reminder else test_message()
    robots.post(robot, robot_message(message))


def robot_message(message: Message) -> robots.RobotMessage:
    lines = [*message.lines, *(f"- {item}" for item in message.items)]
    return robots.RobotMessage(title=message.subject, text="\n".join(lines), link=message.link)
