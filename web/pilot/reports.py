"""What HR learns from the pilot: analytics, recognition log, pilot feedback per cohort, and CSV exports."""
import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload
from flask import current_app, render_template, request

from engine.pilot import analytics
from engine.store.pilot_models import Cohort, Milestone
from engine.store.models import HumanTask, ProcessInstance, ProcessVersion, User, utcnow

from ..csv_export import csv_response
from ..extensions import db
from ..templating import when
from ..tasks.answers import describe_answers
from .views import _cohort_or_404, bp


@bp.route("/analytics")
def analytics_page():
    """Charts (Chart.js) with the same figures as tables underneath."""
    process_key = current_app.config["PATHING_PROCESS_KEY"]
    step = request.args.get("step", "")[:200] or analytics.group_decision_step(db.session, process_key)
    now = utcnow()

    def compute():
        return {
            "cohorts": analytics.cohort_progress(db.session),
            "steps": analytics.step_durations(db.session),
            "rounds": [{"rounds": r, "paths": p} for r, p in analytics.rounds_per_path(db.session, step).items()],
            "overdue": analytics.overdue_tasks(db.session, now),
            "milestones": analytics.milestones_by_month(db.session),
            "step_choices": _step_choices(),
        }

    data, computed_at = FIGURES.get(step, compute, now, current_app.config["ANALYTICS_CACHE_SECONDS"])
    return render_template("pilot/analytics.html", data=data, step=step, steps=data["step_choices"],
                           computed_at=computed_at)


def _step_choices():
    """(element id, step name) of every step people have had, by name; a name that several elements share
    is told apart by its element id."""
    rows = db.session.execute(sa.select(HumanTask.element_id, sa.func.max(HumanTask.name))
                              .group_by(HumanTask.element_id)).all()
    names = [name or element_id for element_id, name in rows]
    return sorted(((element_id, (name or element_id) + (f" ({element_id})" if names.count(name or element_id) > 1
                                                         else "")) for element_id, name in rows),
                  key=lambda choice: choice[1].lower())


FIGURES = analytics.CachedFigures()


@bp.route("/recognition")
def recognition():
    """Every milestone reached and how it was recognised."""
    page = db.paginate(sa.select(Milestone).where(Milestone.status == "done")
                       .order_by(Milestone.completed_at.desc(), Milestone.id.desc()),
                       page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("pilot/recognition.html", milestones=page)


@bp.route("/cohorts/<id:cohort_id>/feedback")
def cohort_feedback(cohort_id):
    """The pilot feedback answers of a cohort's members and their managers."""
    cohort = _cohort_or_404(cohort_id)
    rows = db.session.scalars(sa.select(HumanTask).join(ProcessInstance).where(
        ProcessInstance.cohort_id == cohort.id, HumanTask.form_ref == current_app.config["PILOT_FEEDBACK_FORM"],
        HumanTask.status == "completed").order_by(HumanTask.completed_at)).all()
    answers = [(row, describe_answers(row.instance.process_version.sources.get("forms", {}).get(row.form_ref),
                                      row.outcome)) for row in rows]
    return render_template("pilot/feedback.html", cohort=cohort, answers=answers)


def _filtered_instances():
    query = sa.select(ProcessInstance)
    if request.args.get("cohort", type=int):
        query = query.where(ProcessInstance.cohort_id == request.args.get("cohort", type=int))
    if request.args.get("status") in ("running", "completed", "incident", "cancelled"):
        query = query.where(ProcessInstance.status == request.args["status"])
    return query


@bp.route("/exports/paths.csv")
def export_paths():
    """Paths (filters: cohort, status) with their people, dates and current steps."""
    instances = db.session.scalars(_filtered_instances().order_by(ProcessInstance.id).options(
        joinedload(ProcessInstance.employee).joinedload(User.manager),
        joinedload(ProcessInstance.process_version).load_only(ProcessVersion.key, ProcessVersion.version))).all()
    cohorts = {c.id: c.name for c in db.session.scalars(sa.select(Cohort))}
    open_steps = {}
    for instance_id, name in db.session.execute(sa.select(HumanTask.instance_id, HumanTask.name).where(
            HumanTask.status == "open", HumanTask.instance_id.in_(_filtered_instances().with_only_columns(
                ProcessInstance.id)))):
        open_steps.setdefault(instance_id, []).append(name)
    rows = [[i.id, i.employee.username if i.employee else i.business_key, i.employee.name if i.employee else "",
             i.employee.department if i.employee else "",
             i.employee.manager.name if i.employee and i.employee.manager else "", cohorts.get(i.cohort_id, ""),
             i.process_version.key, i.process_version.version, i.status, when(i.started_at), when(i.ended_at),
             "; ".join(open_steps.get(i.id, []))] for i in instances]
    return csv_response("paths.csv", ["path", "employee", "name", "department", "manager", "cohort", "process",
                                      "version", "status", "started", "ended", "current steps"], rows)


@bp.route("/exports/tasks.csv")
def export_tasks():
    """Tasks with who did them and how long they took (hours), for the filtered paths."""
    ids = _filtered_instances().with_only_columns(ProcessInstance.id)
    assignee, finisher = aliased(User), aliased(User)
    query = (sa.select(HumanTask.id, HumanTask.instance_id, HumanTask.element_id, HumanTask.name, HumanTask.lane,
                       HumanTask.status, assignee.username, HumanTask.candidate_groups, finisher.username,
                       HumanTask.created_at, HumanTask.due_at, HumanTask.completed_at)
             .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
             .outerjoin(finisher, finisher.id == HumanTask.completed_by_id)
             .where(HumanTask.instance_id.in_(ids)).order_by(HumanTask.instance_id, HumanTask.id))
    rows = []
    for (task_id, instance_id, element_id, name, lane, status, assigned, groups, done_by, created, due,
         completed) in db.session.execute(query):
        hours = round((completed - created).total_seconds() / 3600, 2) if completed else ""
        rows.append([task_id, instance_id, element_id, name, lane or "", status, assigned or "",
                     ", ".join(groups or []), done_by or "", when(created), when(due), when(completed), hours])
    return csv_response("tasks.csv", ["task", "path", "step id", "step", "role", "status", "assignee", "groups",
                                      "completed by", "created", "due", "completed", "hours"], rows)


@bp.route("/exports/milestones.csv")
def export_milestones():
    """Milestones of the filtered paths with status and recognition."""
    ids = _filtered_instances().with_only_columns(ProcessInstance.id)
    milestones = db.session.scalars(sa.select(Milestone).where(Milestone.instance_id.in_(ids))
                                    .order_by(Milestone.instance_id, Milestone.number)
                                    .options(joinedload(Milestone.instance).load_only(ProcessInstance.business_key),
                                             joinedload(Milestone.recognized_by))).all()
    today = utcnow().date()
    rows = [[m.instance_id, m.instance.business_key, m.number, m.kind, m.title, m.measure,
             m.due_on.isoformat() if m.due_on else "", m.shown_status(today), when(m.completed_at),
             m.recognition_kind or "", m.recognition_note or "", m.recognized_by.username if m.recognized_by else ""]
            for m in milestones]
    return csv_response("milestones.csv", ["path", "employee", "number", "type", "title", "measure", "due",
                                           "status", "completed", "recognition", "recognition note", "recognised by"], rows)


