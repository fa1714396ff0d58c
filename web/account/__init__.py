"""Your notifications (the bell) and your settings: email on or off, out-of-office periods with a substitute."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.directory.org import people_options, user_by_username
from engine.rights.authorization import may_see_task, may_view_instance
from engine.store.models import Absence, HumanTask, Notification, utcnow
from engine.connect.notifications import unread_count
from engine.runtime.task_notices import what_became_of

from ..extensions import db

bp = Blueprint("account", __name__, template_folder="templates")


@bp.app_context_processor
def bell():
    """The unread count shown on the bell in every page's header."""
    if current_user.is_authenticated:
        return {"unread_notifications": unread_count(db.session, current_user)}
    return {"unread_notifications": 0}


def _mine(notification_id):
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    return row


@bp.route("/notifications")
@login_required
def notifications():
    """Your messages, newest first; unread ones are marked."""
    page = request.args.get("page", 1, type=int)
    rows = db.paginate(sa.select(Notification).where(Notification.user_id == current_user.id)
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("account/notifications.html", notifications=rows)


@bp.route("/notifications/<id:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id):
    """Mark a message read and go where it points: the task while it waits for you; otherwise a sentence saying
    what became of it, on the path (or the task, or your messages)."""
    row = _mine(notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
    if row.human_task_id:
        task = db.session.get(HumanTask, row.human_task_id)
        notice = what_became_of(db.session, task, current_user)
        db.session.commit()
        if notice is None:
            return redirect(url_for("tasks.show", task_id=row.human_task_id))
        flash(notice, "info")
        return redirect(where_to_go(task))
    db.session.commit()
    if row.instance_id:
        return redirect(url_for("paths.show", instance_id=row.instance_id))
    return redirect(url_for("account.notifications"))


def where_to_go(task):
    """After saying what became of a task: its path if the reader may see it, else the task's record if they
    may open it, else the inbox."""
    if task is not None and may_view_instance(db.session, task.instance, current_user):
        return url_for("paths.show", instance_id=task.instance_id)
    if task is not None and may_see_task(task, current_user):
        return url_for("tasks.show", task_id=task.id)
    return url_for("tasks.inbox")


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every message read."""
    db.session.execute(sa.update(Notification).where(Notification.user_id == current_user.id,
                                                     Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    flash("All messages are marked as read.", "success")
    return redirect(url_for("account.notifications"))


@bp.route("/settings", methods=["GET"])
@login_required
def settings():
    """Email notifications and out-of-office periods."""
    absences = db.session.scalars(sa.select(Absence).where(Absence.user_id == current_user.id)
                                  .order_by(Absence.starts_on.desc())).all()
    return render_template("account/settings.html", absences=absences, today=date.today().isoformat(),
                           people=people_options(db.session, exclude=[current_user.username]),
                           mail_on=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/settings/email", methods=["POST"])
@login_required
def email_setting():
    """Turn email notifications on or off for yourself."""
    current_user.email_notifications = request.form.get("email_notifications") == "on"
    db.session.commit()
    flash("Email notifications are " + ("on." if current_user.email_notifications else
                                         "off; you still see every message behind the bell."), "success")
    return redirect(url_for("account.settings"))


def _date(name, errors):
    text = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD."
        return None


@bp.route("/settings/absences", methods=["POST"])
@login_required
def add_absence():
    """Plan an out-of-office period: tasks assigned to you meanwhile go to your substitute."""
    errors = {}
    starts_on, ends_on = _date("starts_on", errors), _date("ends_on", errors)
    substitute = user_by_username(db.session, request.form.get("substitute", "").strip())
    if substitute is None or not substitute.active:
        errors["substitute"] = "Choose who stands in for you."
    elif substitute.id == current_user.id:
        errors["substitute"] = "Choose someone other than yourself."
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "The last day cannot be before the first day."
    if errors:
        for message in errors.values():
            flash(message, "error")
        return settings(), 422
    db.session.add(Absence(user_id=current_user.id, substitute_id=substitute.id, starts_on=starts_on,
                           ends_on=ends_on, note=request.form.get("note", "").strip()[:300]))
    db.session.commit()
    flash(f"From {starts_on} to {ends_on}, tasks assigned to you go to {substitute.name}, who will see that they "
          f"stand in for you. Tasks you already have stay with you.", "success")
    return redirect(url_for("account.settings"))


@bp.route("/settings/absences/<id:absence_id>/delete", methods=["POST"])
@login_required
def delete_absence(absence_id):
    """Cancel an out-of-office period."""
    row = db.session.get(Absence, absence_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash("The out-of-office period is removed; new tasks come to you again.", "success")
    return redirect(url_for("account.settings"))
