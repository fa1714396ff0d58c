"""The inbox and task pages: people see their tasks and complete them through forms."""
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.rights import authorization, start_rights
from engine.errors import ValidationFailed
from engine.forms.formjs import decode_html_form
from engine.runtime.comments import MAX_COMMENT, add_comment, comments_of
from engine.directory.org import people_options
from engine.store.models import HumanTask, InstanceEvent, Notification, ProcessInstance, utcnow
from engine.connect.notifications import settle_task_messages
from engine.runtime.task_notices import what_became_of
from engine.runtime.inbox_rows import UNKNOWN_ASSIGNEE
from engine.runtime.runner import Runtime
from engine.diagrams.specs import FORMS
from engine.runtime.task_view import shown_variables, task_documentation

from ..account import where_to_go
from ..extensions import db
from ..markdown import render_markdown
from .answers import describe_answers, people_names
from .form_view import build_form_view
from .round_changes import changes_since_last_round

bp = Blueprint("tasks", __name__, template_folder="templates")

# The task page's comment box is part of the task's form under this name (see _comments.html).
COMMENT_FIELD = "_comment"


def open_tasks_query(user):
    """Open tasks the user may work on, soonest due first."""
    return (sa.select(HumanTask).join(ProcessInstance)
            .where(HumanTask.status == "open", authorization.workable_condition(user))
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id))


def visible_task(task_id):
    """The task if the current user may open it; 403 if they may see its path, 404 otherwise."""
    return authorization.check_may_see_task(db.session, db.session.get(HumanTask, task_id), current_user)


def told_about(row, unread=False):
    """True when the current user has a message about this task (`unread`: one not yet read)."""
    query = sa.select(Notification.id).where(Notification.user_id == current_user.id,
                                             Notification.human_task_id == row.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def _who(row, actor):
    if row.assignee_id == actor.id:
        return "you"
    if row.assignee is not None:
        return row.assignee.name
    return "the " + " / ".join(row.candidate_groups + row.candidate_users) + " group"


def next_steps_message(outcome, actor):
    """A sentence saying what happens next, for the flash after an action: the steps the action opened, and the
    steps of other branches still open (who is still working, and on what)."""
    if outcome.instance.status == "completed":
        return "The path is complete."
    opened_ids = {row.id for row in outcome.opened}
    still_open = [row for row in db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == outcome.instance.id, HumanTask.status == "open").order_by(HumanTask.id))
        if row.id not in opened_ids]
    parts = []
    if outcome.opened:
        parts.append("Next: " + "; ".join(f"\u201c{row.title}\u201d for {_who(row, actor)}"
                                          for row in outcome.opened) + ".")
    if still_open:
        parts.append("Still open: " + "; ".join(f"\u201c{row.title}\u201d with {_who(row, actor)}"
                                                for row in still_open) + ".")
    if not parts:
        return "Nothing more is needed from anyone right now."
    return " ".join(parts)


def history_of(instance, exclude_id=None):
    """Completed tasks of a path with their answers, oldest first."""
    rows = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at, HumanTask.id)).all()
    forms = FORMS.get(instance.process_version)
    return [(row, describe_answers(forms.get(row.form_ref), row.outcome)) for row in rows if row.id != exclude_id]


INBOX_SORTS = {
    "due": (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id),
    "created": (HumanTask.created_at.desc(), HumanTask.id.desc()),
    "step": (HumanTask.name, HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id),
    "path": (ProcessInstance.business_key, HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id),
}


# What the inbox shows of each task, loaded with the page's query instead of one query per row.
INBOX_LOADS = (
    joinedload(HumanTask.instance).joinedload(ProcessInstance.employee),
    joinedload(HumanTask.instance).joinedload(ProcessInstance.process_version),
    joinedload(HumanTask.owner), joinedload(HumanTask.substitute_for),
)


def inbox_filters(args):
    """The inbox's sort and filters from the query string, with safe defaults."""
    return {
        "sort": args.get("sort") if args.get("sort") in INBOX_SORTS else "due",
        "step": args.get("step", "").strip()[:300],
        "role": args.get("role", "").strip()[:200],
        "path": args.get("path", type=int),
        "overdue": args.get("overdue") == "1",
    }


def filtered_tasks_query(user, filters, now):
    """Open tasks of the user with the inbox's filters and sort applied."""
    query = open_tasks_query(user).order_by(None).order_by(*INBOX_SORTS[filters["sort"]])
    if filters["step"]:
        query = query.where(HumanTask.name == filters["step"])
    if filters["role"]:
        query = query.where(HumanTask.lane == filters["role"])
    if filters["path"]:
        query = query.where(HumanTask.instance_id == filters["path"])
    if filters["overdue"]:
        query = query.where(HumanTask.due_at < now)
    return query


@bp.route("/")
@login_required
def inbox():
    page = request.args.get("page", 1, type=int)
    filters = inbox_filters(request.args)
    tasks = db.paginate(filtered_tasks_query(current_user, filters, utcnow()).options(*INBOX_LOADS), page=page,
                        per_page=current_app.config["PAGE_SIZE"], error_out=False)
    choices = db.session.execute(open_tasks_query(current_user).order_by(None).with_only_columns(
        HumanTask.name, HumanTask.lane, HumanTask.instance_id, ProcessInstance.business_key).distinct()).all()
    my_paths = db.session.scalars(sa.select(ProcessInstance).where(
        ProcessInstance.employee_id == current_user.id).order_by(ProcessInstance.started_at.desc()).limit(5)).all()
    running = next((path for path in my_paths if path.status in ("running", "incident")
                    and path.process_version.key == current_app.config["PATHING_PROCESS_KEY"]), None)
    may_start = running is None and current_app.config["PATHING_PROCESS_KEY"] in start_rights.offered_versions(
        db.session, current_user)
    return render_template("tasks/inbox.html", tasks=tasks, my_paths=my_paths, running_path=running,
                           may_start=may_start,
                           filters=filters, steps=sorted({c.name for c in choices}),
                           roles=sorted({c.lane for c in choices if c.lane}),
                           paths=_path_choices(choices))


def _path_choices(choices):
    """(path id, label) for the inbox's path filter: the person's name, and the path number only when one
    person has several paths there."""
    keys = sorted({(c.instance_id, c.business_key) for c in choices}, key=lambda p: (p[1] or "", p[0]))
    names = people_names([key for _id, key in keys if key])
    counts = Counter(key for _id, key in keys)
    return [(path_id, names.get(key, key or f"Path {path_id}") + (f" (path {path_id})" if counts[key] > 1 else ""))
            for path_id, key in keys]


def delegate_excluded(row):
    """Usernames the delegate picker leaves out: the holder, and the person whose path the task decides on."""
    return [current_user.username] + ([row.decides_on.username] if row.decides_on is not None else [])


def _render_task(row, values, errors, extra_rows=None, status=200, comment_error=None, comment_draft=None):
    """The task page with these values in its form (the saved ones when None); a comment being written
    (posted with the form) is kept in its box."""
    runtime = Runtime(db.session)
    context = runtime.task_data(row)
    form = runtime.form_schema(row)
    schema = form or {"components": []}
    form_nodes = build_form_view(schema, values if values is not None else context, errors, context, extra_rows)
    may_complete = row.assignee_id == current_user.id and authorization.may_work_on(row, current_user)
    documentation = task_documentation(row.instance.process_version, row.element_id)
    return render_template("tasks/task.html", task=row, form_nodes=form_nodes, errors=errors,
                           form_action=url_for("tasks.complete", task_id=row.id),
                           documentation=render_markdown(documentation) if documentation else None,
                           variables=shown_variables(context) if form is None else None,
                           meant_for=_unknown_assignee(row),
                           history=history_of(row.instance, exclude_id=row.id), may_complete=may_complete,
                           may_claim=row.assignee_id is None and authorization.is_candidate(row, current_user),
                           people=people_options(db.session, exclude=delegate_excluded(row)) if may_complete else [],
                           comments=comments_of(db.session, row.instance_id, row.id),
                           comment_draft=comment_draft if comment_draft is not None else
                           request.form.get(COMMENT_FIELD, "") if request.method == "POST" else "",
                           comment_error=comment_error, round_changes=changes_since_last_round(row)), status


def _unknown_assignee(row):
    """The username a task was assigned to that the directory did not know (it went to the process owners)."""
    event = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.instance_id == row.instance_id,
                                                              InstanceEvent.human_task_id == row.id,
                                                              InstanceEvent.kind == UNKNOWN_ASSIGNEE)).first()
    return (event.data or {}).get("assignee") if event is not None else None


@bp.route("/tasks/<id:task_id>", methods=["GET"])
@login_required
def show(task_id):
    """The task's page (its form while open, its record once done). Opening it marks your messages about it
    read. A task someone told you about but that no longer waits for you says what became of it instead of
    refusing."""
    row = db.session.get(HumanTask, task_id)
    if row is not None and not authorization.may_see_task(row, current_user) and told_about(row):
        flash(what_became_of(db.session, row, current_user), "info")
        return redirect(where_to_go(row))
    row = visible_task(task_id)
    if told_about(row, unread=True):
        settle_task_messages(db.session, [row.id], user_id=current_user.id)
        db.session.commit()
    if row.status != "open":
        schema = Runtime(db.session).form_schema(row)
        return render_template("tasks/done.html", task=row, answers=describe_answers(schema, row.outcome))
    return _render_task(row, None, {})


@bp.route("/tasks/<id:task_id>", methods=["POST"])
@login_required
def complete(task_id):
    row = visible_task(task_id)
    runtime = Runtime(db.session)
    schema = runtime.form_schema(row) or {"components": []}
    data = decode_html_form(schema, request.form.getlist)
    action = request.form.get("_action", "")
    if action.startswith(("add:", "remove:")):
        return _change_rows(row, data, action)
    if len(request.form.get(COMMENT_FIELD, "").strip()) > MAX_COMMENT:
        return _render_task(row, data, {}, status=422,
                            comment_error=f"A comment can be at most {MAX_COMMENT} characters; shorten it or post it in parts.")
    try:
        outcome = runtime.complete(row.id, data, current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_task(db.session.get(HumanTask, task_id), data, exc.errors, status=422)
    message = next_steps_message(outcome, current_user)
    if request.form.get(COMMENT_FIELD, "").strip():  # a comment written but not posted goes along with the answers
        add_comment(db.session, row.instance, current_user, request.form[COMMENT_FIELD], task_id=row.id)
        message += " Your comment is posted too."
    db.session.commit()
    flash(f"\u201c{row.title}\u201d is done. {message}", "success")
    return redirect(url_for("tasks.inbox"))


def _change_rows(row, data, action):
    """Add or remove a dynamic-list row without completing the task (works without JavaScript)."""
    verb, _, path = action.partition(":")
    if verb == "add":
        return _render_task(row, data, {}, extra_rows={path: 1})
    list_path, _, index = path.rpartition(".")
    rows = data
    for part in list_path.split("."):
        rows = rows.get(part) if isinstance(rows, dict) else None
    if isinstance(rows, list) and index.isdigit() and int(index) < len(rows):
        rows.pop(int(index))
    return _render_task(row, data, {})


