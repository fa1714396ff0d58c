"""Login, logout, and HTTP Basic authentication for API callers."""
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.models import User

from ..extensions import db, login_manager

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


def authenticate(username, password):
    """The active user with these credentials, or None."""
    user = db.session.scalars(sa.select(User).where(User.username == (username or "").strip())).first()
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_basic_auth(req):
    """API clients may send HTTP Basic credentials instead of a session cookie."""
    auth = req.authorization
    if auth is None or auth.type != "basic":
        return None
    return authenticate(auth.username, auth.password)


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith(("/api/", "/engine-rest")):
        response = jsonify({"code": "unauthorized", "message": "Log in or send HTTP Basic credentials.",
                            "errors": {}})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="Career Pathing"'
        return response
    flash("Please log in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _safe_next(target):
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("tasks.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("Unknown username or wrong password.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
