"""Security headers on every answer, and CSRF for API calls that ride on the browser's session cookie.

The content security policy allows only this site's own scripts (bpmn-js and
form-js are served from /vendor and /static) and inline styles, which the
diagram and form editors set on their elements.
"""
from flask import current_app, request
from flask_login import current_user

from .auth import refuse_bad_credentials
from .auth.credentials import has_credentials_header
from .extensions import csrf
from .request_limits import limit_json_depth, init_app as init_request_limits

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def security_headers(response):
    """Headers browsers use to keep pages from being framed, sniffed or fed foreign scripts."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def api_csrf():
    """An API call that changes something and authenticates with the session cookie (not HTTP Basic or a
    token) must carry the CSRF token (X-CSRFToken header), as pages' forms do. A call with an Authorization
    header is authenticated by it alone (or refused 401 before this), so it needs no token."""
    if not request.path.startswith("/api/") or request.method not in UNSAFE_METHODS:
        return None
    if has_credentials_header() or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    if current_user.is_authenticated:
        csrf.protect()
    return None


def _nul_in(value, where):
    """The name of the first field holding a NUL character, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_in(key, where) or _nul_in(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{where}.{index}" if where else str(index))
            if found:
                return found
    return None


def reject_nul_characters():
    """Text with a NUL character cannot be stored (PostgreSQL refuses it): answer 400 naming the field."""
    found = _nul_in(request.path, "address")
    for name, values in list(request.args.lists()) + (list(request.form.lists()) if request.form else []):
        found = found or _nul_in(name, name) or next((name for v in values if "\x00" in v), None)
    if not found and request.is_json:
        found = _nul_in(request.get_json(silent=True), "")
    if found:
        from .errors import error_response
        return error_response(400, "invalid_character",
                              f"The field \u201c{found or 'body'}\u201d contains a NUL character (\\0), which "
                              f"cannot be stored. Remove it and send again; nothing was saved.",
                              {found or "body": "contains a NUL character"})
    return None


def init_app(app):
    init_request_limits(app)
    app.after_request(security_headers)
    app.before_request(limit_json_depth)
    app.before_request(reject_nul_characters)
    app.before_request(refuse_bad_credentials)
    app.before_request(api_csrf)
