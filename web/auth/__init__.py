"""Login, logout, and HTTP Basic authentication for API callers. Checking passwords and throttling repeated
failures by the client's address is web/auth/passwords.py's part; the Authorization header, credentials.py's;
single sign-on, oidc.py's."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.errors import Forbidden
from engine.store.models import User

from ..extensions import db, login_manager
from .credentials import has_credentials_header, header_user, sends_password_while_off
from .next_page import safe_next
from .passwords import (  # noqa: F401  (hash_password and TooManyAttempts are named as web.auth's by callers)
    PASSWORDS_OFF, TooManyAttempts, authenticate, hash_password, local_login_enabled,
)
from .verified_credentials import forget as forget_verified  # noqa: F401  (named as web.auth's by callers)

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


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
    cookie's user). /engine-rest checks its header itself, with Camunda's messages; /scim/v2 takes provisioning
    tokens only and checks them itself."""
    if not has_credentials_header() or request.path.startswith(("/engine-rest", "/scim/")):
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
            return redirect(safe_next(request.args.get("next")))
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
    """End every login session of `user`, and what HTTP Basic remembers of them (flushes; the caller commits)."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    forget_verified(user)


def role_guard(has_role, message):
    """A before-request check for a whole blueprint: log in first, then `has_role(user)` or 403 with `message`."""

    @login_required
    def guard():
        if not has_role(current_user):
            raise Forbidden(message)

    guard.__doc__ = message
    return guard
