"""Comments posted from a task page. The comment box is part of the task's form, so without JavaScript the
answers typed so far come along and the page returns with them; the page's script posts the comment alone
and gets JSON (web/comment_posts.py)."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from engine.runtime.comments import add_comment
from engine.errors import ValidationFailed
from engine.forms.formjs import decode_html_form
from engine.store.models import HumanTask
from engine.runtime.runner import Runtime

from ..comment_posts import POSTED, posted_json, refused_json, wants_json
from ..extensions import db
from .views import COMMENT_FIELD, _render_task, bp, visible_task


@bp.route("/tasks/<id:task_id>/comments", methods=["POST"])
@login_required
def comment(task_id):
    """Post a comment on a task; the task's form keeps every answer typed so far."""
    row = visible_task(task_id)
    try:
        add_comment(db.session, row.instance, current_user, request.form.get(COMMENT_FIELD, ""), task_id=row.id)
    except ValidationFailed as exc:
        db.session.rollback()
        if wants_json():
            return refused_json(exc)
        if row.status != "open":
            flash(exc.message, "error")
            return redirect(url_for("tasks.show", task_id=row.id) + "#comments")
        return _render_task(db.session.get(HumanTask, task_id), _typed_answers(row), {}, status=422,
                            comment_error=exc.message)
    db.session.commit()
    if wants_json():
        return posted_json(row.instance_id, row.id)
    flash(POSTED, "success")
    if row.status != "open":
        return redirect(url_for("tasks.show", task_id=row.id) + "#comments")
    return _render_task(row, _typed_answers(row), {}, comment_draft="")  # posted: the box starts empty again


def _typed_answers(row):
    """The answers in the task's form as posted along with the comment (the saved ones if none came)."""
    if not any(key != COMMENT_FIELD and key != "csrf_token" for key in request.form):
        return None
    schema = Runtime(db.session).form_schema(row) or {"components": []}
    return decode_html_form(schema, request.form.getlist)
