"""API tokens for tools such as Camunda Modeler (bearer authentication on /engine-rest)."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.store.models import ApiToken, User, utcnow

from ..extensions import db
from .views import bp


def token_hash(token):
    """Only this hash of a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


USE_NOTED_EVERY = timedelta(minutes=5)


def user_for_token(token):
    """The active user owning a bearer token, or None. Its use is noted at most every few minutes, in a
    transaction of its own: the request's transaction never locks the token row, so many clients (workers
    long-polling, scripts) can share one token at once."""
    row = db.session.scalars(sa.select(ApiToken).options(joinedload(ApiToken.user).selectinload(User.groups))
                             .where(ApiToken.token_hash == token_hash(token or ""))).first()
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > USE_NOTED_EVERY:
        try:
            with db.engine.begin() as connection:
                connection.execute(sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        except OperationalError:  # the database is busy (SQLite's single writer): note it next time
            return row.user
        set_committed_value(row, "last_used_at", now)
    return row.user


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """List your tokens; create one (shown once)."""
    created = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if not name or len(name) > 200:
            flash("Give the token a name of 1 to 200 characters, e.g. “Camunda Modeler on my laptop”.", "error")
        else:
            created = secrets.token_urlsafe(32)
            db.session.add(ApiToken(user_id=current_user.id, name=name, token_hash=token_hash(created)))
            db.session.commit()
    rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    status = 400 if request.method == "POST" and created is None else 200
    return render_template("processes/tokens.html", tokens=rows, created=created), status


@bp.route("/tokens/<id:token_id>/revoke", methods=["POST"])
def revoke_token(token_id):
    """Revoke one of your tokens; tools using it get 401 from now on."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(f"The token “{row.name}” is revoked.", "success")
    return redirect(url_for("processes.tokens"))
