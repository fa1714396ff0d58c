"""Career paths: start one, list the ones you may see, follow one's progress and history."""
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.rights import authorization
from engine.pilot.cohorts import check_may_start_own, version_for
from engine.runtime.comments import add_comment, comments_of
from engine.errors import ValidationFailed
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, utcnow
from engine.store.pilot_models import Milestone
from engine.runtime.inbox_rows import UNKNOWN_ASSIGNEE
from engine.runtime.runner import Runtime
from engine.runtime.start_failures import open_start_failures, start_again, start_failures_of

from ..comment_posts import POSTED, posted_json, refused_json, wants_json
from ..extensions import db
from ..processes.views import source_text
from ..retries import idempotent
from ..tasks.views import history_of, next_steps_message

bp = Blueprint("paths", __name__, url_prefix="/paths", template_folder="templates")


def instance_or_abort(instance_id):
    """The path if the current user may see it; 404 otherwise (its existence is not revealed)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not authorization.may_view_instance(db.session, instance, current_user):
        abort(404)
    return instance


@bp.route("/")
@login_required
def index():
    page = request.args.get("page", 1, type=int)
    status = request.args.get("status") or None
    query = authorization.visible_instances_query(current_user).order_by(ProcessInstance.started_at.desc(),
                                                                         ProcessInstance.id.desc())
    if status in ("running", "completed", "cancelled", "incident"):
        query = query.where(ProcessInstance.status == status)
    paths = db.paginate(query.options(joinedload(ProcessInstance.employee),
                                      joinedload(ProcessInstance.process_version)),
                        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    open_steps = _open_steps([path.id for path in paths.items])
    failed_starts = open_start_failures(db.session) if _may_handle_incidents() \
        else start_failures_of(db.session, current_user)
    return render_template("paths/index.html", paths=paths, open_steps=open_steps, status=status,
                           failed_starts=failed_starts)


def _open_steps(instance_ids):
    steps = defaultdict(list)
    if instance_ids:
        rows = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id.in_(instance_ids),
                                                             HumanTask.status == "open").order_by(HumanTask.id))
        for row in rows:
            steps[row.instance_id].append(row)
    return steps


@bp.route("/start", methods=["POST"])
@login_required
@idempotent()
def start():
    """Start the caller's own career path; pressing the button twice (same form) starts one path."""
    key = current_app.config["PATHING_PROCESS_KEY"]
    running = db.session.scalars(sa.select(ProcessInstance).where(
        ProcessInstance.employee_id == current_user.id, ProcessInstance.status.in_(("running", "incident")))).first()
    if running is not None and running.process_version.key == key:
        flash("You already have a career path in progress; it continues here.", "info")
        return redirect(url_for("paths.show", instance_id=running.id))
    cohort = check_may_start_own(db.session, current_user, utcnow().date(), current_app.config["PATHING_REQUIRE_COHORT"])
    outcome = start_in_cohort(key, current_user, cohort)
    message = next_steps_message(outcome, current_user)
    instance_id = outcome.instance.id
    mine = [row.id for row in outcome.opened if row.assignee_id == current_user.id]
    flash(f"Your career path has started. {message}", "success")  # committed by @idempotent
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0]))
    return redirect(url_for("paths.show", instance_id=instance_id))


def start_in_cohort(key, employee, cohort):
    """Start the employee's own path; inside an open cohort it runs on the cohort's process version."""
    runtime = Runtime(db.session)
    if cohort is None:
        return runtime.start(key, employee, employee)
    outcome = runtime.start_version(version_for(db.session, cohort), employee, employee)
    outcome.instance.cohort_id = cohort.id
    member = next((m for m in cohort.members if m.user_id == employee.id), None)
    if member is not None and member.instance_id is None:
        member.instance = outcome.instance
    return outcome


def versions_of(history):
    """Steps redone by the same person (job description drafts, approval rounds): their versions in order.

    Parallel answers of different people to one step (stakeholder reviews) are not versions.
    """
    grouped = defaultdict(list)
    for row, items in history:
        grouped[(row.element_id, row.completed_by_id)].append((row, items))
    return {key: rows for key, rows in grouped.items() if len(rows) > 1}


@bp.route("/<id:instance_id>")
@login_required
def show(instance_id):
    instance = instance_or_abort(instance_id)
    open_tasks = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.id)).all()
    events = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
                                .order_by(InstanceEvent.at, InstanceEvent.id)).all()
    history = history_of(instance)
    documents = versions_of(history)
    runtime = Runtime(db.session)
    progress = {"states": runtime.element_states(instance), "history": element_history(events)}
    return render_template("paths/show.html", instance=instance, open_tasks=open_tasks, events=events,
                           history=history, documents=documents, progress=progress,
                           comments=comments_of(db.session, instance.id), may_retry=_may_handle_incidents(),
                           milestones=milestones_of(instance), skill_gaps=skill_gaps_of(runtime, instance),
                           today=utcnow().date(),
                           unknown_assignees={event.human_task_id: (event.data or {}).get("assignee")
                                              for event in events if event.kind == UNKNOWN_ASSIGNEE},
                           may_work=lambda row: authorization.may_work_on(row, current_user))


def milestones_of(instance):
    """The path's tracked milestones, in order."""
    return db.session.scalars(sa.select(Milestone).where(Milestone.instance_id == instance.id)
                              .order_by(Milestone.number)).all()


def skill_gaps_of(runtime, instance):
    """The skills compared in the path (the diagram's `skill_gaps` list), if any."""
    gaps = runtime.current_data(instance).get("skill_gaps")
    return [gap for gap in gaps if isinstance(gap, dict)] if isinstance(gaps, list) else []


@bp.route("/<id:instance_id>/print")
@login_required
def print_view(instance_id):
    """The career path on one printable page: goals and answers, skills and gaps, milestones, approvals."""
    instance = instance_or_abort(instance_id)
    runtime = Runtime(db.session)
    latest = {}
    for row, items in history_of(instance):
        latest[row.element_id] = (row, items)  # the last version of each step
    approvals = [(row, items) for row, items in history_of(instance) if row.candidate_groups]
    return render_template("paths/print.html", instance=instance, steps=list(latest.values()), approvals=approvals,
                           milestones=milestones_of(instance), skill_gaps=skill_gaps_of(runtime, instance),
                           today=utcnow().date())


def element_history(events):
    """History entries per diagram element, for the diagram's click-to-see panel."""
    entries = defaultdict(list)
    for event in events:
        if event.element_id:
            entries[event.element_id].append({"at": event.at.strftime("%Y-%m-%d %H:%M"), "message": event.message})
    return entries


@bp.route("/<id:instance_id>/comments", methods=["POST"])
@login_required
def comment(instance_id):
    """Post a comment on the path, or on one of its tasks (task_id); everyone who may see the path sees it."""
    instance = instance_or_abort(instance_id)
    task_id = request.form.get("task_id", type=int)
    back = url_for("tasks.show", task_id=task_id) if task_id else url_for("paths.show", instance_id=instance.id)
    try:
        add_comment(db.session, instance, current_user, request.form.get("body", ""), task_id=task_id)
    except ValidationFailed as exc:
        db.session.rollback()
        if wants_json():
            return refused_json(exc)
        flash(exc.message, "error")
        return redirect(back + "#comments")
    db.session.commit()
    if wants_json():
        return posted_json(instance.id)
    flash(POSTED, "success")
    return redirect(back + "#comments")


def _may_handle_incidents():
    return authorization.is_hr(current_user) or authorization.is_process_owner(current_user)


@bp.route("/incidents")
@login_required
def incidents():
    """Paths stopped by a problem, for HR and process owners, with what failed where and a retry button."""
    if not _may_handle_incidents():
        abort(403)
    page = db.paginate(sa.select(ProcessInstance).where(ProcessInstance.status == "incident")
                       .order_by(ProcessInstance.id.desc()), page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("paths/incidents.html", instances=page, failed_starts=open_start_failures(db.session))


@bp.route("/start-failures/<id:failure_id>/start-again", methods=["POST"])
@login_required
def start_again_view(failure_id):
    """Start again, for the same person, a path whose start failed (after the diagram was fixed)."""
    if not _may_handle_incidents():
        abort(403)
    outcome = start_again(db.session, Runtime(db.session), failure_id, current_user)
    name = outcome.instance.employee.name if outcome.instance.employee else outcome.instance.business_key
    instance_id = outcome.instance.id
    db.session.commit()
    flash(f"The path of {name} has started.", "success")
    return redirect(url_for("paths.show", instance_id=instance_id))


@bp.route("/<id:instance_id>/retry", methods=["POST"])
@login_required
def retry(instance_id):
    """Run a path stopped by an incident again (after a fix, such as deploying and migrating)."""
    if not _may_handle_incidents():
        abort(403)
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        abort(404)
    Runtime(db.session).retry(instance.id, current_user)
    db.session.commit()
    flash(f"Path {instance_id} runs again; the people it waits for were told they can continue.", "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/paths/")
                    else url_for("paths.incidents"))


@bp.route("/<id:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id):
    """The BPMN of the path's own process, as deployed in its version (for the diagram on the path page)."""
    version = instance_or_abort(instance_id).process_version
    if version.main_file is None:
        abort(404)
    return source_text(version.sources["bpmn"][version.main_file])
