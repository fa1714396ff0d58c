"""Usernames and passwords: hashing, checking, and throttling repeated failures by the client's address (behind
trusted proxies, the address they forwarded: web/proxies.py): an account from the address that failed for it,
and an address that failed for many accounts. Someone elsewhere is never locked out by them."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request
from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import DomainError
from engine.store.models import LoginFailure, User, utcnow

from ..extensions import db
from .verified_credentials import verified_credentials

# What a request that sends a password is told while passwords are switched off (LOCAL_LOGIN=false).
PASSWORDS_OFF = ("Passwords are switched off on this server: send an API token as \"Authorization: Bearer "
                 "TOKEN\" (made on the Processes › API tokens page) instead of a username and password.")


def local_login_enabled():
    """True unless local usernames and passwords are switched off (LOCAL_LOGIN=false): then only single
    sign-on logs people in, and only API tokens authenticate API calls."""
    return current_app.config.get("LOCAL_LOGIN", True)


# Checked when a username does not exist, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-password")


def hash_password(password):
    """A salted hash with werkzeug's current default algorithm (scrypt), unless configured otherwise."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if current_app else None
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


class TooManyAttempts(DomainError):
    """Too many failed logins from this address (for this account, or for any); try again later."""

    status = 429
    code = "too_many_attempts"


def client_ip():
    return (request.remote_addr or "unknown")[:64]


def check_attempts(username, now=None):
    """Raise TooManyAttempts when this address failed too often recently for this account, or for any: the
    account itself stays open to its owner elsewhere, so nobody can lock someone else out. Else the account's
    recent failures from this address (how many)."""
    now = now or utcnow()
    since = now - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    from_here = sa.select(sa.func.count()).select_from(LoginFailure).where(LoginFailure.at >= since,
                                                                          LoginFailure.ip == client_ip())
    by_user = db.session.scalar(from_here.where(LoginFailure.username == username[:200]))
    by_ip = db.session.scalar(from_here)
    if by_user >= current_app.config["LOGIN_MAX_FAILURES"] or by_ip >= current_app.config["LOGIN_MAX_FAILURES_IP"]:
        raise TooManyAttempts(f"Too many failed logins; for your safety, try again in "
                              f"{current_app.config['LOGIN_LOCK_MINUTES']} minutes.")
    return by_user


def record_failure(username):
    """Remember a failed login in its own transaction (it must survive the request's rollback)."""
    with db.engine.begin() as connection:
        connection.execute(sa.insert(LoginFailure).values(username=username[:200], ip=client_ip(), at=utcnow()))


def authenticate(username, password, remembered=False):
    """The active user with these credentials, or None (always None while passwords are switched off). Raises
    TooManyAttempts while locked out; failures are counted and a success clears them. With `remembered` (HTTP
    Basic, sent with every request) a success of the last minute stands in for the password hash
    (web/auth/verified_credentials.py); the lockout still holds."""
    if not local_login_enabled():
        return None
    username = (username or "").strip()
    failures = check_attempts(username)
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        record_failure(username)
        return None
    recalled = remembered and verified_credentials().recall(username, password or "", user)
    if not recalled:
        if not check_password_hash(user.password_hash, password or "") or not user.active:
            record_failure(username)
            return None
        if remembered:
            verified_credentials().remember(username, password or "", user)
    if failures or not recalled:  # (a remembered success cleared them already, unless some came since)
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username,
                                                          LoginFailure.ip == client_ip()))
    return user
