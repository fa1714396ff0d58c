"""Notifications: an outbox written in the same transaction as the change that caused it.

Each row is one message for one person. The app shows unread ones behind the
bell; the worker sends the pending ones by email over SMTP when a mail server is
configured and the person wants email. Messages say what to do and link to the
task (or the path).
"""
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import sqlalchemy as sa

from engine.rights import authorization
from engine.directory.org import group_by_name, user_by_username
from engine.store.models import HumanTask, Notification, utcnow

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5


def recipients(session, to):
    """People named by `to`: a username, "group:NAME", or a list of those; unknown names are skipped."""
    names = [to] if isinstance(to, str) else list(to or [])
    people = {}
    for name in names:
        if not isinstance(name, str):
            continue
        if name.startswith("group:"):
            group = group_by_name(session, name[len("group:"):])
            for member in (group.members if group else []):
                people[member.id] = member
        else:
            user = user_by_username(session, name)
            if user is not None:
                people[user.id] = user
    return [user for user in people.values() if user.active]


def open_task_for(session, instance_id, user):
    """The user's open task in a path (assigned to them or offered to them), to link a message to."""
    if instance_id is None:
        return None
    rows = session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open",
        authorization.workable_condition(user)).order_by(HumanTask.id)).all()
    # (a row completed in this very action, not yet flushed, still reads as open in the database)
    return next((row for row in rows if row.status == "open"), None)


def notify(session, users, subject, body="", kind="message", instance_id=None, human_task=None, now=None):
    """Queue a message for each user, in the caller's transaction (one INSERT); returns how many were queued.
    `human_task`, when given, must already have its id (be flushed)."""
    rows = []
    for user in users:
        task = human_task if human_task is not None else open_task_for(session, instance_id, user)
        rows.append({"user_id": user.id, "kind": kind, "subject": subject[:300], "body": body,
                     "instance_id": instance_id, "human_task_id": task.id if task is not None else None,
                     "created_at": now or utcnow(), "read_at": None, "emailed_at": None, "email_attempts": 0,
                     "email_status": "pending" if user.email and user.email_notifications else "off"})
    if rows:
        session.execute(Notification.__table__.insert(), rows)
    return len(rows)


def settle_task_messages(session, human_task_ids, except_user_id=None, user_id=None, now=None):
    """Mark read the unread messages about these tasks: they need nothing more from their readers (the task was
    completed, withdrawn, or taken by someone else; `except_user_id` keeps the messages of the one who now holds
    it). `user_id` limits it to one reader (who opened the task). Flushes nothing; one UPDATE."""
    ids = [task_id for task_id in human_task_ids if task_id is not None]
    if not ids:
        return
    query = sa.update(Notification).where(Notification.human_task_id.in_(ids), Notification.read_at.is_(None))
    if except_user_id is not None:
        query = query.where(Notification.user_id != except_user_id)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    session.execute(query.values(read_at=now or utcnow()), execution_options={"synchronize_session": False})


def unread_count(session, user):
    """How many of the user's notifications are unread (the number on the bell)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


@dataclass
class MailSettings:
    """Where and how to send email; `server` None means email is off."""

    server: str | None = None
    port: int = 25
    sender: str = "career-pathing@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    base_url: str = "http://127.0.0.1:5000"


def link_of(notification, base_url):
    """Where a message sends the reader: the task, else the path, else the inbox."""
    if notification.human_task_id:
        return f"{base_url}/tasks/{notification.human_task_id}"
    if notification.instance_id:
        return f"{base_url}/paths/{notification.instance_id}"
    return f"{base_url}/"


def deliver_emails(session, settings, limit=50, now=None):
    """Send pending emails (one SMTP connection per batch); returns how many were sent. Flushes; the caller
    commits. Without a mail server, pending messages are marked as not emailed."""
    pending = session.scalars(sa.select(Notification).where(Notification.email_status == "pending")
                              .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)).all()
    if not pending:
        return 0
    if not settings.server:
        for row in pending:
            row.email_status = "off"
        session.flush()
        return 0
    sent = 0
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=10) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            for row in pending:
                sent += _send_one(smtp, row, settings, now)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email delivery failed: %s", exc)
        for row in pending:
            if row.email_status == "pending":
                row.email_attempts += 1
                if row.email_attempts >= MAX_EMAIL_ATTEMPTS:
                    row.email_status = "failed"
    session.flush()
    return sent


def _send_one(smtp, row, settings, now):
    user = row.user
    if not user.email or not user.email_notifications:
        row.email_status = "off"
        return 0
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = f"{user.name} <{user.email}>"
    message["Subject"] = row.subject
    link = link_of(row, settings.base_url)
    message.set_content(f"Hello {user.name},\n\n{row.body or row.subject}\n\nOpen it here: {link}\n\n"
                        f"You get these emails because email notifications are on in your settings "
                        f"({settings.base_url}/settings).\n")
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        row.email_status = "failed"
        return 0
    row.email_status, row.emailed_at = "sent", now or utcnow()
    return 1


def people_of_task(session, row):
    """Who a new task is for: its assignee, else its candidate users and the members of its groups."""
    if row.assignee is not None:
        return [row.assignee]
    names = list(row.candidate_users or []) + [f"group:{name}" for name in row.candidate_groups or []]
    return [person for person in recipients(session, names) if person.id != row.decides_on_id]


