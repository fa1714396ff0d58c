"""Webhooks: HR registers a receiver; the worker sends signed JSON for path events, retries a failing receiver
with backoff, and a failing receiver never holds up a step."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from engine.store.integration_models import Webhook, WebhookDelivery
from engine.store.models import utcnow
from engine.runtime.runner import Runtime
from engine.connect.webhooks import deliver_webhooks
from web.cli import main
from web.extensions import db

from ..connect import deploy_text, diagram, flows
from ..helpers import OBJECTIVES


class Receiver:
    """An HTTP receiver on 127.0.0.1 (a free port) that records what it gets and answers `status`."""

    def __init__(self, status=204):
        self.status = status
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        return [json.loads(body)["event"] for _headers, body in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def register(act, url, events, messages=""):
    response = act.as_("hana").post("/processes/webhooks/", data={"url": url, "events": events,
                                                                  "messages": messages})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    secret = text.split('id="new-secret">')[1].split("<")[0]
    return secret


def test_hr_registers_a_webhook_and_gets_signed_path_events(act, receiver):
    secret = register(act, receiver.url, ["path.started", "task.created", "task.completed"])
    path = act.start_path("ada")
    act.complete("ada", path, "career_objectives_meeting", **OBJECTIVES)
    assert deliver_webhooks(db.session) == 4  # started, objectives task, it completed, the job description task
    assert receiver.events() == ["path.started", "task.created", "task.completed", "task.created"]
    for headers, body in receiver.received:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Pathing-Signature"] == expected
    started = json.loads(receiver.received[0][1])
    assert started["path"] == {"id": path.id, "processKey": "career_pathing", "businessKey": "ada",
                               "status": "running"}
    completed = json.loads(receiver.received[2][1])
    assert completed["task"]["elementId"] == "career_objectives_meeting"
    assert completed["task"]["variables"]["target_role"] == "Staff Engineer"
    page = act.as_("hana").get("/processes/webhooks/").get_data(as_text=True)
    assert receiver.url in page and "task.completed" in page and "sent" in page


def test_a_failing_receiver_never_blocks_a_step_and_is_retried_with_backoff(act, receiver):
    receiver.status = 500
    register(act, receiver.url, ["task.created"])
    path = act.start_path("ada")  # the step goes through whatever the receiver does
    assert act.task(path, "career_objectives_meeting")
    assert deliver_webhooks(db.session) == 0
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.last_error == "the receiver answered HTTP 500"
    first_wait = delivery.next_attempt_at - utcnow()
    assert timedelta(seconds=5) < first_wait <= timedelta(seconds=10)
    assert deliver_webhooks(db.session) == 0 and len(receiver.received) == 1  # not due yet
    deliver_webhooks(db.session, now=utcnow() + timedelta(seconds=11))
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.next_attempt_at - utcnow() > timedelta(seconds=15)  # doubled
    receiver.status = 200
    assert deliver_webhooks(db.session, now=utcnow() + timedelta(minutes=5)) == 1
    db.session.refresh(delivery)
    assert delivery.status == "sent" and delivery.attempts == 3


def test_a_diagram_says_the_plan_is_approved_with_a_message(org, receiver):
    text = diagram("approval", '<bpmn:startEvent id="start"/>'
                   '<bpmn:endEvent id="approved"><bpmn:messageEventDefinition messageRef="m"/></bpmn:endEvent>'
                   + flows(("start", "approved")), '<bpmn:message id="m" name="plan-approved"/>')
    deploy_text("approval.bpmn", text)
    from engine.connect.webhooks import add_webhook
    add_webhook(db.session, receiver.url, ["plan-approved"], created_by=org["hana"])
    db.session.commit()
    instance = Runtime(db.session).start("approval", org["ada"], org["ada"]).instance
    db.session.commit()
    assert deliver_webhooks(db.session) == 1
    body = json.loads(receiver.received[0][1])
    assert body["event"] == "plan-approved" and body["path"]["id"] == instance.id


@pytest.mark.parametrize("data, field", [
    ({"url": "ftp://x", "events": ["path.started"]}, "url"),
    ({"url": "http://127.0.0.1:9/x"}, "events"),
    ({"url": "http://127.0.0.1:9/x", "messages": "bad name!"}, "events"),
])
def test_bad_webhooks_are_refused_with_the_reason(act, data, field):
    response = act.as_("hana").post("/processes/webhooks/", data=data)
    assert response.status_code == 400 and field in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Webhook)).all() == []


def test_only_hr_and_process_owners_manage_webhooks(act):
    assert act.as_("ada").get("/processes/webhooks/").status_code == 403
    assert act.as_("hana").get("/processes/webhooks/").status_code == 200


def test_the_command_line_adds_lists_and_removes_webhooks(app, database_url):
    runner = CliRunner(env={"DATABASE_URL": database_url})
    added = runner.invoke(main, ["webhooks", "add", "http://127.0.0.1:9/hook", "--event", "path.completed",
                                 "--event", "plan-approved"])
    assert added.exit_code == 0, added.output
    assert "secret: " in added.output
    webhook_id = added.output.split("webhook ")[1].split()[0]
    listed = runner.invoke(main, ["webhooks", "list"])
    assert "http://127.0.0.1:9/hook" in listed.output and "path.completed,plan-approved" in listed.output
    bad = runner.invoke(main, ["webhooks", "add", "nope", "--event", "path.started"])
    assert bad.exit_code == 1 and "url" in bad.output
    removed = runner.invoke(main, ["webhooks", "remove", webhook_id])
    assert removed.exit_code == 0 and "removed" in removed.output
    assert "no webhooks" in runner.invoke(main, ["webhooks", "list"]).output


def test_the_shipped_process_tells_connected_systems_the_plan_is_approved(act, receiver):
    from ..helpers import run_to_leadership
    register(act, receiver.url, [], messages="plan-approved")
    path = act.start_path("ada")
    run_to_leadership(act, path)
    assert deliver_webhooks(db.session) == 0  # nothing approved yet
    act.complete("leo", path, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    assert deliver_webhooks(db.session) == 1
    body = json.loads(receiver.received[0][1])
    assert body["event"] == "plan-approved" and body["path"]["businessKey"] == "ada"
    assert body["path"]["status"] == "running"  # milestones and pilot feedback go on
    assert [e.kind for e in act.events(path, "message_thrown")] == ["message_thrown"]
    act.complete("hana", path, "pilot_observation", process_rating="4", observations="Smooth")
    assert len(act.events(path, "message_thrown")) == 1 and deliver_webhooks(db.session) == 0  # told once


def test_a_webhook_removed_elsewhere_moments_ago_never_fails_an_action(act):
    """The list of webhooks is cached for a few seconds; a path event right after the webhook was removed (by
    another process, or the database emptied) queues nothing for it and the action still succeeds."""
    from engine.connect import webhooks as hooks

    hooks._forget_cached()  # (whatever an earlier test left cached)
    hook = Webhook(url="https://hooks.example.com/path", events=["path.started"], secret="s" * 32, active=True)
    db.session.add(hook)
    db.session.commit()
    assert hooks._active_hooks(db.session) == [(hook.id, {"path.started"})]  # cached with the hook in it
    db.session.execute(sa.delete(Webhook).where(Webhook.id == hook.id))  # removed without telling this process
    db.session.commit()
    act.start_path("ada")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
