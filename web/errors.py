"""One place that turns errors into answers: JSON for the API, pages for people."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import DomainError, IncidentRaised, StartFailed
from engine.runtime.runner import Runtime
from engine.runtime.start_failures import record_start_failure

from .extensions import db


def wants_json():
    """API and engine-rest callers get JSON errors."""
    return request.path.startswith(("/api/", "/engine-rest"))


_SHAPES = {}  # path prefix -> shape(status, code, message, errors): an API family's own error shape


def error_shape(prefix, shape):
    """Answer errors of requests under `prefix` with `shape(status, code, message, errors)` (Camunda's
    `{"type", "message"}` under /engine-rest, SCIM's under /scim/v2); each API family says so for itself."""
    _SHAPES[prefix] = shape


def error_response(status, code, message, errors=None, title=None):
    """Answer with the JSON error shape or the error page (headed `title` when given), as the caller expects
    (an API family's own shape under its prefix, see `error_shape`)."""
    for prefix, shape in _SHAPES.items():
        if request.path.startswith(prefix):
            return shape(status, code, message, errors)
    if wants_json():
        response = jsonify({"code": code, "message": message, "errors": errors or {}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message, title=title), status


def handle_domain_error(exc):
    """Roll back the action; an incident is then recorded in its own transaction."""
    db.session.rollback()
    if isinstance(exc, IncidentRaised) and exc.errors.get("instance_id"):
        Runtime(db.session).record_incident(exc.errors["instance_id"], exc.errors.get("element_id"), exc.message)
        db.session.commit()
    if isinstance(exc, StartFailed):
        record_start_failure(db.session, exc.failure)
        db.session.commit()
    return error_response(exc.status, exc.code, exc.message, exc.errors, title=getattr(exc, "title", None))


def handle_http_error(exc):
    """Werkzeug errors (404, 405, 413, ...) in the caller's format."""
    if exc.code and exc.code >= 500:
        db.session.rollback()
    messages = {413: "The request is too large.", 404: "There is nothing at this address.",
                405: "This address does not accept that method."}
    message = messages.get(exc.code, exc.description)
    code = (exc.name or "error").lower().replace(" ", "_")
    errors = _webargs_errors(exc)
    if errors:
        fields = ", ".join(sorted(errors))
        message = f"The request data is invalid: check {fields}."
    return error_response(exc.code or 500, code, message, errors)


def _webargs_errors(exc):
    """Per-field messages from request-parsing errors, keyed by field name."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    errors = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            errors.update(location_messages)
    return errors


def handle_csrf_error(exc):
    return error_response(400, "csrf_failed",
                          "The form expired or came from elsewhere. Reload the page and try again; nothing was saved.")


def init_app(app):
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
