"""Task moves from the task page: claim, release, delegate, hand back. Each answers with a redirect and a
message saying what happens next."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from engine.directory.org import user_by_username
from engine.runtime.task_actions import TaskActions

from ..extensions import db
from .views import bp


def _done(row, message, back_to_task=True):
    db.session.commit()
    flash(message, "success")
    if back_to_task:
        return redirect(url_for("tasks.show", task_id=row.id))
    return redirect(url_for("tasks.inbox"))


@bp.route("/tasks/<id:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    row = TaskActions(db.session).claim(task_id, current_user)
    return _done(row, f"\u201c{row.name}\u201d is yours now; it left the group's inbox. Complete it, release it to "
                      f"the group, or delegate it.")


@bp.route("/tasks/<id:task_id>/release", methods=["POST"])
@login_required
def release(task_id):
    row = TaskActions(db.session).release(task_id, current_user)
    return _done(row, f"\u201c{row.name}\u201d is back with {', '.join(row.candidate_groups + row.candidate_users)}; "
                      f"anyone there can claim it.", back_to_task=False)


@bp.route("/tasks/<id:task_id>/delegate", methods=["POST"])
@login_required
def delegate(task_id):
    person = user_by_username(db.session, request.form.get("user", "").strip())
    row = TaskActions(db.session).delegate(task_id, current_user, person)
    return _done(row, f"\u201c{row.name}\u201d is delegated to {row.assignee.name}, who was told. It comes back to "
                      f"you if they hand it back.", back_to_task=False)


@bp.route("/tasks/<id:task_id>/hand-back", methods=["POST"])
@login_required
def hand_back(task_id):
    row = TaskActions(db.session).hand_back(task_id, current_user)
    return _done(row, f"\u201c{row.name}\u201d is back with {row.assignee.name}.", back_to_task=False)
