"""Webhooks: other systems told about path events with signed JSON.

HR or a process owner registers a URL and the events it wants. Each event is
queued as a `webhook_delivery` row in the same transaction as the change that
caused it (the outbox), so nothing is sent for a change that was rolled back and
a slow or failing receiver never holds up a step. The worker sends due
deliveries, retrying failures with exponential backoff, and keeps the history.

Events: path.started, path.completed, task.created, task.completed,
incident.created, and every message a diagram throws that nothing in it
catches, under the message's name (a diagram says "the plan is approved" with a
message end or throw event named e.g. `plan-approved`; Python knows no step
names).

The body is signed: `X-Pathing-Signature: sha256=<hex HMAC-SHA256 of the body
with the webhook's secret>`.
"""
import hashlib
import hmac
import json
import logging
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from engine.errors import NotFound, ValidationFailed
from engine.store.integration_models import Webhook, WebhookDelivery
from engine.store.models import ProcessInstance, utcnow

log = logging.getLogger(__name__)

BUILT_IN_EVENTS = {
    "path.started": "a path starts",
    "path.completed": "a path ends",
    "task.created": "a task waits for someone",
    "task.completed": "someone completes a task",
    "incident.created": "a step fails and the path stops with an incident",
}
HISTORY_EVENTS = {"started": "path.started", "completed": "path.completed", "task_created": "task.created",
                  "task_completed": "task.completed", "incident": "incident.created"}
MESSAGE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 10
SEND_TIMEOUT_SECONDS = 5
LEASE_SECONDS = 60
SIGNATURE_HEADER = "X-Pathing-Signature"


def sign(body, secret):
    """The signature header value of a body (bytes) for a secret: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# -- registering ------------------------------------------------------------------------------------------------

def add_webhook(session, url, events, created_by=None, secret=None, description=""):
    """Register a receiver for `events` (built-in names or names of messages diagrams throw); returns the row
    (its secret signs every body). ValidationFailed names what is wrong."""
    errors = {}
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["url"] = "give a full http:// or https:// address, e.g. https://hris.example.com/pathing-events"
    elif len(url) > 1000:
        errors["url"] = "the address is longer than 1000 characters"
    names = sorted({name.strip() for name in (events or []) if name and name.strip()})
    if not names:
        errors["events"] = (f"choose at least one event ({', '.join(BUILT_IN_EVENTS)}) or the name of a message a "
                            f"diagram throws")
    bad = [name for name in names if name not in BUILT_IN_EVENTS and not MESSAGE_NAME.match(name)]
    if bad:
        errors["events"] = (f"{', '.join(bad)} is neither a known event nor a message name (letters, digits, "
                            f". _ : - only)")
    if secret is not None and not (16 <= len(secret) <= 200):
        errors["secret"] = "a secret needs 16 to 200 characters; leave it empty to have one made"
    if errors:
        raise ValidationFailed("The webhook was not saved: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                               errors)
    webhook = Webhook(url=url, events=names, secret=secret or secrets.token_urlsafe(32),
                      description=(description or "")[:300], created_by=created_by, active=True)
    session.add(webhook)
    session.flush()
    _forget_cached()
    return webhook


def remove_webhook(session, webhook_id):
    """Remove a webhook and its delivery history."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"There is no webhook {webhook_id}.")
    session.delete(webhook)
    session.flush()
    _forget_cached()
    return webhook


def webhooks(session):
    """Every registered webhook, oldest first."""
    return session.scalars(sa.select(Webhook).order_by(Webhook.id)).all()


def deliveries(session, webhook_id=None, limit=100):
    """The newest deliveries (of one webhook, or of all)."""
    query = sa.select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if webhook_id is not None:
        query = query.where(WebhookDelivery.webhook_id == webhook_id)
    return session.scalars(query).all()


# -- queueing (in the transaction of the change) -------------------------------------------------------------------

_cache = {"at": 0.0, "hooks": None}
_cache_lock = threading.Lock()
CACHE_SECONDS = 2.0  # another process sees a new or removed webhook within this time


def _forget_cached():
    with _cache_lock:
        _cache["hooks"] = None


def _active_hooks(session):
    """[(id, set of events)] of active webhooks, read at most every CACHE_SECONDS (every action would pay a
    query otherwise)."""
    now = time.monotonic()
    with _cache_lock:
        if _cache["hooks"] is not None and now - _cache["at"] < CACHE_SECONDS:
            return _cache["hooks"]
    rows = session.execute(sa.select(Webhook.id, Webhook.events).where(Webhook.active.is_(True))).all()
    hooks = [(row.id, set(row.events or [])) for row in rows]
    with _cache_lock:
        _cache.update(at=now, hooks=hooks)
    return hooks


def announce_to_webhooks(session, history):
    """Queue a delivery per webhook for each history entry it wants; `history` is the runtime's
    [(task row or None, entry)] of one action, already written. Returns how many deliveries were queued."""
    named = []
    for row, entry in history:
        name = HISTORY_EVENTS.get(entry["kind"])
        if entry["kind"] == "message_thrown":
            name = (entry.get("data") or {}).get("message")
        if name:
            named.append((name, row, entry))
    if not named:
        return 0
    hooks = _active_hooks(session)
    if not hooks:
        return 0
    rows = []
    for name, row, entry in named:
        wanting = [hook_id for hook_id, events in hooks if name in events]
        if not wanting:
            continue
        body = json.dumps(_body(session, name, row, entry), sort_keys=True, default=str)
        rows += [{"webhook_id": hook_id, "event": name, "body": body, "status": "pending", "attempts": 0,
                  "next_attempt_at": entry["at"], "created_at": entry["at"], "response_status": None,
                  "last_error": None, "delivered_at": None} for hook_id in wanting]
    if rows:
        rows = _still_registered(session, rows)
    if rows:
        session.execute(WebhookDelivery.__table__.insert(), rows)
    return len(rows)


def _still_registered(session, rows):
    """The deliveries whose webhook is still registered and active: the cached list may name one that another
    process (or request) removed in the last seconds, and the action must not fail for it."""
    wanted = {row["webhook_id"] for row in rows}
    present = set(session.scalars(sa.select(Webhook.id).where(Webhook.id.in_(wanted), Webhook.active.is_(True))))
    if present != wanted:
        _forget_cached()
    return [row for row in rows if row["webhook_id"] in present]


def _body(session, name, row, entry):
    instance = session.get(ProcessInstance, entry["instance_id"])
    body = {
        "id": str(uuid.uuid4()), "event": name, "occurredAt": entry["at"].isoformat() + "Z",
        "path": {"id": instance.id, "processKey": instance.process_version.key,
                 "businessKey": instance.business_key, "status": instance.status},
        "elementId": entry.get("element_id"), "message": entry.get("message"),
    }
    if row is not None:
        body["task"] = {"id": row.id, "elementId": row.element_id, "name": row.name,
                        "assignee": row.assignee.username if row.assignee else None,
                        "candidateGroups": list(row.candidate_groups or []),
                        "due": row.due_at.isoformat() + "Z" if row.due_at else None, "status": row.status}
    if name == "task.completed" and entry.get("data") is not None:
        body["task"]["variables"] = entry["data"]
    return body


# -- sending (the worker) ----------------------------------------------------------------------------------------------

def deliver_webhooks(session, now=None, limit=20):
    """Send due deliveries, committing per delivery (a receiver's answer is never waited on inside a
    transaction); returns how many were delivered. Failures are retried with backoff up to MAX_ATTEMPTS."""
    now = now or utcnow()
    ids = session.scalars(sa.select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if not ids:
        session.rollback()
        return 0
    # Lease them so that another worker does not send them while we do.
    session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                    .values(next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)))
    session.commit()
    sent = 0
    for delivery_id in ids:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            continue
        url, secret, body, event = delivery.webhook.url, delivery.webhook.secret, delivery.body, delivery.event
        session.commit()  # no transaction is open while the receiver answers
        status, error = _post(url, secret, body.encode("utf-8"), event, delivery_id)
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        delivery.response_status = status
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "sent", utcnow(), None
            sent += 1
        else:
            delivery.last_error = error[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = utcnow() + timedelta(
                    seconds=FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1))
        session.commit()
    return sent


def _post(url, secret, body, event, delivery_id):
    """POST one body; (HTTP status or None, error text or None)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret), "X-Pathing-Event": event,
        "X-Pathing-Delivery": str(delivery_id), "User-Agent": "career-pathing-webhooks"})
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"the receiver answered HTTP {exc.code}"
    except (TimeoutError, socket.timeout):
        return None, f"the receiver did not answer within {SEND_TIMEOUT_SECONDS} seconds"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            return None, "the receiver refused the connection (is it running?)"
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            return None, f"the receiver did not answer within {SEND_TIMEOUT_SECONDS} seconds"
        return None, "the receiver could not be reached (check the address)"
    except OSError:
        return None, "the receiver could not be reached (check the address)"
