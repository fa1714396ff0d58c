"""API tokens for tools such as Camunda Modeler (bearer authentication on /engine-rest)."""
import secrets

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.store.models import ApiToken

from ..auth.api_tokens import token_hash
from ..extensions import db
from .views import bp


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
