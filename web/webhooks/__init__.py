"""Webhooks admin (/processes/webhooks): HR and process owners register the URLs told about path events, see
each one's secret once, and the history of what was delivered. Sending is the worker's (engine/connect/webhooks.py)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.rights import authorization
from engine.connect import webhooks
from engine.errors import ValidationFailed

from ..auth import role_guard
from ..extensions import db

bp = Blueprint("webhooks", __name__, url_prefix="/processes/webhooks", template_folder="templates")

bp.before_request(role_guard(authorization.may_handle_incidents,
                             "Webhooks are for HR and process owners."))


@bp.route("/", methods=["GET", "POST"])
def index():
    """Registered webhooks and their latest deliveries; POST registers one (its secret is shown once)."""
    created = None
    status = 200
    if request.method == "POST":
        events = request.form.getlist("events") + [
            name.strip() for name in request.form.get("messages", "").replace(",", " ").split() if name.strip()]
        try:
            created = webhooks.add_webhook(db.session, request.form.get("url"), events, created_by=current_user,
                                           secret=request.form.get("secret") or None,
                                           description=request.form.get("description", ""))
            db.session.commit()
            flash(f"The webhook for {created.url} is saved. Copy its secret now; it is not shown again.", "success")
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 400
    return render_template("webhooks/index.html", webhooks=webhooks.webhooks(db.session), created=created,
                           deliveries=webhooks.deliveries(db.session, limit=50),
                           built_in=webhooks.BUILT_IN_EVENTS, form=request.form), status


@bp.route("/<id:webhook_id>/remove", methods=["POST"])
def remove(webhook_id):
    """Remove a webhook (and its delivery history); nothing more is sent to it."""
    removed = webhooks.remove_webhook(db.session, webhook_id)
    db.session.commit()
    flash(f"The webhook for {removed.url} is removed.", "success")
    return redirect(url_for("webhooks.index"))
