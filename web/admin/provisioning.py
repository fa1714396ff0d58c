"""Provisioning tokens on Admin › People: what lets an identity provider create, change and remove people and
groups through SCIM at /scim/v2. A token is shown once, when it is made; only its hash is kept."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.people import provisioning
from engine.errors import ValidationFailed
from engine.store.provisioning_models import ProvisioningToken

from ..extensions import db
from .views import bp


@bp.route("/provisioning-tokens", methods=["GET", "POST"])
def provisioning_tokens():
    """The provisioning tokens (live and revoked) and the SCIM address; make a token (shown once)."""
    created, status = None, 200
    if request.method == "POST":
        try:
            _row, created = provisioning.make_provisioning_token(db.session, request.form.get("name", ""),
                                                                 created_by=current_user._get_current_object())
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 400
    rows = db.session.scalars(sa.select(ProvisioningToken).order_by(ProvisioningToken.revoked_at.is_not(None),
                                                                    ProvisioningToken.created_at.desc())).all()
    return render_template("admin/provisioning_tokens.html", tokens=rows, created=created,
                           scim_url=url_for("scim.search_root", _external=True).rstrip("/")), status


@bp.route("/provisioning-tokens/<id:token_id>/revoke", methods=["POST"])
def revoke_provisioning_token(token_id):
    """Revoke a provisioning token: the identity provider using it gets 401 from now on."""
    row = db.session.get(ProvisioningToken, token_id)
    if row is None:
        abort(404)
    if provisioning.revoke_provisioning_token(db.session, row):
        db.session.commit()
        flash(f"The provisioning token “{row.name}” is revoked: SCIM requests with it are refused from now on.",
              "success")
    else:
        flash(f"The provisioning token “{row.name}” was already revoked.", "info")
    return redirect(url_for("admin.provisioning_tokens"))
