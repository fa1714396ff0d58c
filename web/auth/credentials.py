"""Who a request is, when it says so in its Authorization header (HTTP Basic or a bearer API token).

A request that carries an Authorization header is authenticated by that header
alone: the session cookie is then ignored, and a header that names nobody is
answered 401 (never a fall-back to the cookie). That is also what makes it safe
to skip the CSRF token for such requests: a browser cannot be made to add the
header to a forged cross-site request.
"""
import base64
import binascii

from flask import g, request

from .api_tokens import user_for_token
from .passwords import authenticate, local_login_enabled

HEADER = "Authorization"

def sends_password_while_off():
    """True when the request sends HTTP Basic credentials while passwords are switched off."""
    scheme = request.headers.get(HEADER, "").strip().partition(" ")[0]
    return scheme.lower() == "basic" and not local_login_enabled()


def has_credentials_header():
    """True when the request carries an Authorization header (whatever it holds)."""
    return HEADER in request.headers


def header_user():
    """The active user the Authorization header names (Basic username and password, or a bearer token),
    or None. Checked once per request, so several callers cost one password check."""
    if "credentials_user" not in g:
        g.credentials_user = _user_from_header(request.headers.get(HEADER, ""))
    return g.credentials_user


def _user_from_header(header):
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "bearer":
        return user_for_token(value)
    if scheme.lower() == "basic":
        if not local_login_enabled():
            return None
        try:
            username, separator, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return authenticate(username, password, remembered=True) if separator else None
    return None
