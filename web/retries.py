"""Answers a retrying client can rely on.

**Idempotency keys.** A view decorated with `@idempotent()` accepts an
`Idempotency-Key` header (or, from an HTML form, an `idempotency_key` field).
The first request with a key runs the view; its answer (status, body, content
type, Location) is stored with the key, scoped to the user, in the same
transaction as the action. A retry with the same key gets that answer again
(header `Idempotent-Replayed: true`) and nothing runs twice; the same key with a
different request is a 422; a retry while the first is still running is a 409.
Keys are kept for IDEMPOTENCY_KEY_HOURS (default 24).

How to use it on a new route (e.g. /engine-rest's start)::

    @bp.route("/process-definition/key/<key>/start", methods=["POST"])
    @idempotent(user=lambda: g.rest_user)   # whose keys; default: flask_login's current_user
    def start(key):
        ...                                  # flush, build the answer, do NOT commit
        return jsonify(answer), 200

The decorator commits the request (the action and the stored answer together),
so the view must not commit itself; the answer is complete before anything is
committed.

**No 5xx after a commit.** Should an unexpected error happen in a request
that changes something after its transaction was committed, the caller is told
the change was saved (200 JSON, or back to the page with a message) instead of
a 500 that would invite a retry that acts twice. The error is logged.
"""
import functools
import hashlib
import json
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, flash, g, has_request_context, jsonify, make_response, redirect, request, \
    url_for
from flask_login import current_user
from werkzeug.exceptions import InternalServerError

from engine.errors import DomainError
from engine.store.models import IdempotencyKey, utcnow

from .extensions import db

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 200
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_NOT_FINGERPRINTED = {"csrf_token", FORM_FIELD}
# For flask-smorest's @blp.doc(parameters=[...]) on an idempotent route.
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": HEADER, "required": False, "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "Any unique text (a UUID): a retry with the same key returns the first answer (same status "
                   "and body) and acts no more; the same key with a different request is a 422."}


class InvalidIdempotencyKey(DomainError):
    """The Idempotency-Key is empty, too long or not printable text."""

    status = 400
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key was already used by this user for a different request."""

    status = 422
    code = "idempotency_key_reused"


class IdempotencyKeyInUse(DomainError):
    """The first request with this Idempotency-Key is still running."""

    status = 409
    code = "idempotency_key_in_use"


def request_key():
    """The request's idempotency key (header first, then form field), or None; InvalidIdempotencyKey when
    it cannot be one."""
    key = request.headers.get(HEADER)
    if key is None and request.form:
        key = request.form.get(FORM_FIELD)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(f"The {HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters, e.g. a "
                                    f"UUID; nothing was done.", errors={HEADER: "invalid"})
    return key


def request_fingerprint():
    """A hash of what the request asks for: method, address and body (JSON compared by value, form fields
    without the CSRF token and the key itself)."""
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    if request.is_json:
        body = request.get_json(silent=True)
        digest.update(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    elif request.form or request.files:
        fields = sorted((name, value) for name, values in request.form.lists() for value in values
                        if name not in _NOT_FINGERPRINTED)
        digest.update(json.dumps(fields).encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(name.encode() + hashlib.sha256(upload.read()).digest())
            upload.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def idempotent(user=None):
    """Decorate a view that acts once per Idempotency-Key and commits the request itself (see the module).
    `user` returns whose keys these are; by default the logged-in user."""
    whose = user or (lambda: current_user)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request_key()
            if key is None:
                response = make_response(view(*args, **kwargs))
                db.session.commit()
                return response
            row, answer = _claim(whose().id, key, request_fingerprint())
            if answer is not None:
                return answer
            response = make_response(view(*args, **kwargs))
            _remember(row, response)
            db.session.commit()
            return response

        return wrapper

    return decorate


def _claim(user_id, key, fingerprint):
    """(the new key row, None) for a first request; (None, the stored answer) for a retry."""
    hours = current_app.config.get("IDEMPOTENCY_KEY_HOURS", 24)
    expired = utcnow() - timedelta(hours=hours)
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                       IdempotencyKey.created_at < expired))
    existing = _stored(user_id, key)
    if existing is None:
        row = IdempotencyKey(user_id=user_id, key=key, request_hash=fingerprint, created_at=utcnow())
        db.session.add(row)
        try:
            db.session.flush()  # on PostgreSQL, waits for a concurrent first request with this key to end
            return row, None
        except sa.exc.IntegrityError:
            db.session.rollback()
            existing = _stored(user_id, key)
    return None, _replay(existing, fingerprint)


def _stored(user_id, key):
    return db.session.scalars(sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                              IdempotencyKey.key == key)).first()


def _replay(row, fingerprint):
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused(f"The {HEADER} “{row.key}” was already used for a different request. Send a "
                                   f"new key for a new request; nothing was done.", errors={HEADER: "reused"})
    if row.status is None:
        raise IdempotencyKeyInUse(f"The first request with the {HEADER} “{row.key}” is still running; retry in "
                                  f"a moment.", errors={HEADER: "in use"})
    response = Response(row.body or "", status=row.status, content_type=row.content_type)
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _remember(row, response):
    """Store the answer with its key (flushes; the request commits)."""
    response.direct_passthrough = False
    row.status = response.status_code
    row.content_type = response.content_type
    row.location = response.headers.get("Location")
    row.body = response.get_data(as_text=True)
    db.session.flush()


# ---- no 5xx once committed -------------------------------------------------------------------------------

def _note_commit(_session):
    if has_request_context():
        g.committed_changes = True


def _forget_commits():
    """Commits before the view (a login's bookkeeping) are not the action's."""
    g.committed_changes = False


def saved_despite_error(exc):
    """A 500 after this request committed a change: say it was saved (the error is logged) so nobody retries
    it; otherwise the usual 500 answer."""
    from .errors import handle_http_error
    if not g.get("committed_changes") or request.method not in UNSAFE_METHODS:
        return handle_http_error(exc)
    db.session.rollback()
    message = ("Your change was saved, but the answer could not be prepared. Reload to see the result; do not "
               "send it again.")
    if request.path.startswith(("/api/", "/engine-rest")):
        return jsonify({"code": "saved", "message": message, "errors": {}}), 200
    flash(message, "info")
    return redirect(url_for("tasks.inbox"), 303)


def init_app(app):
    """Track commits per request and answer errors after one without a 5xx (register after the app's other
    before-request hooks, so that only the view's commits count)."""
    if not sa.event.contains(db.session, "after_commit", _note_commit):
        sa.event.listen(db.session, "after_commit", _note_commit)
    app.before_request(_forget_commits)
    app.register_error_handler(InternalServerError, saved_despite_error)
