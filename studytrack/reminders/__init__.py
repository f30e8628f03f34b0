"""Reminders (提醒): the system chases what is due, so the study secretary does not have to.

- `events`: what is due now, read from the data (one function per kind of reminder);
- `services`: the scheduler (`scan`): records each reminder found due once, notifies in-app and
  queues its mails and robot posts; the sender (`send_due`): sends them, retried, dropped when
  no longer due;
- `preferences`: each person's choice per kind (in-app, mail, off) and quiet window;
- `mail`: the mails (templates/email/), with a signed one-click unsubscribe (RFC 8058);
- `robots`: group chat robots (WeCom, DingTalk) and their messages;
- `calendar`: private iCalendar feeds and a session's invitation;
- `routes`, `robot_routes`, `calendar_routes`: the pages.
"""
