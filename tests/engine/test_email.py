"""Email delivery of notifications over SMTP, against a local SMTP server the test starts."""
import socket

import pytest
import sqlalchemy as sa

from engine.store.models import Notification
from engine.connect.notifications import MailSettings, deliver_emails, notify
from engine.runtime.worker import tick
from web.extensions import db


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_pending_messages_are_emailed_with_a_link_and_only_to_who_wants_email(org, smtp_server):
    inbox, port = smtp_server
    org["ben"].email_notifications = False
    notify(db.session, [org["ada"], org["ben"]], "New task: Skills evaluation", "It waits for you.")
    db.session.commit()
    settings = MailSettings(server="127.0.0.1", port=port, sender="pathing@example.com",
                            base_url="https://pathing.example.com")
    assert deliver_emails(db.session, settings) == 1
    db.session.commit()
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["ada@example.com"] and envelope.mail_from == "pathing@example.com"
    text = envelope.content.decode()
    assert "Subject: New task: Skills evaluation" in text and "https://pathing.example.com/" in text
    statuses = dict(db.session.execute(sa.select(Notification.user_id, Notification.email_status)).all())
    assert statuses == {org["ada"].id: "sent", org["ben"].id: "off"}
    assert deliver_emails(db.session, settings) == 0  # sent once


def test_without_a_mail_server_nothing_is_emailed_and_nothing_piles_up(org):
    notify(db.session, [org["ada"]], "Hello")
    db.session.commit()
    fired, sent = tick(db.session, MailSettings(server=None))
    assert (fired, sent) == (0, 0)
    assert db.session.scalars(sa.select(Notification.email_status)).all() == ["off"]


def test_an_unreachable_server_is_retried_then_given_up(org):
    notify(db.session, [org["ada"]], "Hello")
    db.session.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = MailSettings(server="127.0.0.1", port=closed_port)
    for _ in range(5):
        deliver_emails(db.session, settings)
        db.session.commit()
    row = db.session.scalars(sa.select(Notification)).one()
    assert (row.email_status, row.email_attempts) == ("failed", 5)


def test_worker_command_sends_emails_with_the_configured_server(org, smtp_server, database_url):
    from click.testing import CliRunner

    from web.cli import main
    inbox, port = smtp_server
    notify(db.session, [org["mia"]], "Overdue: the job description of Ada Lovelace")
    db.session.commit()
    result = CliRunner(env={"DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port)}
                       ).invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1 email" in result.output
    assert inbox.messages[0].rcpt_tos == ["mia@example.com"]
