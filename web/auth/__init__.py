"""Login, logout, and HTTP Basic authentication for API callers; repeated failures lock an account for a while."""
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.errors import DomainError, Forbidden
from engine.store.models import LoginFailure, User, utcnow

from ..extensions import db, login_manager
from .credentials import (PASSWORDS_OFF, has_credentials_header, header_user, local_login_enabled,
                          sends_password_while_off)

bp = Blueprint("auth", __name__, template_folder="templates")

# Checked when a username does not exist, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-password")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def hash_password(password):
    """A salted hash with werkzeug's current default algorithm (scrypt), unless configured otherwise."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if current_app else None
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


class TooManyAttempts(DomainError):
    """Too many failed logins for this account or from this address; try again later."""

    status = 429
    code = "too_many_attempts"


def _client_ip():
    return (request.remote_addr or "unknown")[:64]


def check_attempts(username, now=None):
    """Raise TooManyAttempts when the account or the address failed too often recently."""
    now = now or utcnow()
    since = now - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    failures = sa.select(sa.func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    by_user = db.session.scalar(failures.where(LoginFailure.username == username[:200]))
    by_ip = db.session.scalar(failures.where(LoginFailure.ip == _client_ip()))
    if by_user >= current_app.config["LOGIN_MAX_FAILURES"] or by_ip >= current_app.config["LOGIN_MAX_FAILURES_IP"]:
        raise TooManyAttempts(f"Too many failed logins; for your safety, try again in "
                              f"{current_app.config['LOGIN_LOCK_MINUTES']} minutes.")


def record_failure(username):
    """Remember a failed login in its own transaction (it must survive the request's rollback)."""
    with db.engine.begin() as connection:
        connection.execute(sa.insert(LoginFailure).values(username=username[:200], ip=_client_ip(), at=utcnow()))


def authenticate(username, password):
    """The active user with these credentials, or None (always None while passwords are switched off). Raises
    TooManyAttempts while locked out; failures are counted and a success clears them."""
    if not local_login_enabled():
        return None
    username = (username or "").strip()
    check_attempts(username)
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        record_failure(username)
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        record_failure(username)
        return None
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username))
    return user


@login_manager.user_loader
def load_user(session_id):
    """The user of a login session ("id:session version"), unless the session was revoked by a logout since,
    or the request authenticates by its Authorization header instead (then the cookie does not count)."""
    if has_credentials_header():
        return None
    user_id, _, version = str(session_id).partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


@login_manager.request_loader
def load_user_from_header(_request):
    """API clients send HTTP Basic credentials or a bearer token instead of a session cookie."""
    if not has_credentials_header():
        return None
    user = header_user()
    if user is not None:
        db.session.commit()  # the cleared failures, the token's last use
    return user


def refuse_bad_credentials():
    """A request with an Authorization header that names nobody is answered 401 (never served as the
    cookie's user). /engine-rest checks its header itself, with Camunda's messages."""
    if not has_credentials_header() or request.path.startswith("/engine-rest"):
        return None
    if header_user() is not None:
        current_user._get_current_object()  # log the header's user in now, before any view runs
        return None
    if sends_password_while_off():
        return unauthorized_response(PASSWORDS_OFF)
    db.session.commit()  # the failed attempt is counted
    return unauthorized_response("The Authorization header does not name an active user: check the username "
                                 "and password, or the API token.")


def unauthorized_response(message):
    """401 with the JSON error shape and the Basic challenge."""
    response = jsonify({"code": "unauthorized", "message": message, "errors": {}})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="Career Pathing"'
    return response


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith(("/api/", "/engine-rest")) or has_credentials_header():
        return unauthorized_response("Log in or send HTTP Basic credentials.")
    flash("Please log in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _safe_next(target):
    """Only same-site relative paths are followed after login; anything else goes to the inbox.

    Browsers drop tabs and line breaks from addresses and read a backslash as a slash, so `/<tab>/evil.com`
    would leave the site: such characters are refused outright rather than cleaned."""
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return url_for("tasks.inbox")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("tasks.inbox")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    form = LoginForm()
    if request.method == "POST" and not local_login_enabled():
        flash("Passwords are switched off here: sign in with single sign-on.", "error")
        return _login_page(form), 403
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except TooManyAttempts as exc:
            flash(exc.message, "error")
            return _login_page(form), 429
        if user is not None:
            db.session.commit()
            login_user(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("Unknown username or wrong password.", "error")
        return _login_page(form), 401
    status = 400 if request.method == "POST" else 200
    return _login_page(form), status


def _login_page(form):
    """The login page: the password form unless passwords are switched off, the single sign-on button when
    an identity provider is configured."""
    from .oidc import single_sign_on_enabled  # the single sign-on module builds on this one
    return render_template("auth/login.html", form=form, local_login=local_login_enabled(),
                           single_sign_on=single_sign_on_enabled())


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session here and on the server: a copy of the session cookie no longer logs anyone in."""
    revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def revoke_sessions(user):
    """End every login session of `user` (flushes; the caller commits)."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def role_guard(has_role, message):
    """A before-request check for a whole blueprint: log in first, then `has_role(user)` or 403 with `message`."""

    @login_required
    def guard():
        if not has_role(current_user):
            raise Forbidden(message)

    guard.__doc__ = message
    return guard
