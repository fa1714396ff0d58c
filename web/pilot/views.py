"""HR runs the pilot: cohorts, the skills framework, recognition, analytics and exports. HR only."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.rights import authorization, start_rights
from engine.pilot import cohorts
from engine.pilot.analytics import cohort_progress
from engine.store.pilot_models import Cohort, CohortMember
from engine.store.models import HumanTask, ProcessVersion, User

from ..auth import role_guard
from ..extensions import db
from ..templating import counted

bp = Blueprint("pilot", __name__, url_prefix="/pilot", template_folder="templates")


bp.before_request(role_guard(authorization.is_hr, "The pilot pages are for HR."))


@bp.route("/")
def index():
    """Cohorts with their progress, and the way to everything else."""
    progress = {entry["cohort"]: entry for entry in cohort_progress(db.session)}
    all_cohorts = db.session.scalars(sa.select(Cohort).order_by(Cohort.opens_on.desc(), Cohort.id.desc())).all()
    return render_template("pilot/index.html", cohorts=all_cohorts, progress=progress, today=date.today(),
                           require_cohort=current_app.config["PATHING_REQUIRE_COHORT"])


def _choices():
    people = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name)).all()
    departments = sorted({p.department for p in people if p.department})
    managers = [p for p in people if any(other.manager_id == p.id for other in people)]
    offered = start_rights.offered_versions(db.session, current_user)  # processes HR may start
    versions = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key.in_(list(offered)))
                                  .order_by(ProcessVersion.key, ProcessVersion.version.desc())).all()
    return {"people": people, "departments": departments, "managers": managers, "versions": versions}


def _chosen_people():
    return cohorts.people_for(db.session, request.form.getlist("people"), request.form.get("department") or None,
                              request.form.get("manager") or None)


def _parse_cohort_form(errors):
    values = {"name": request.form.get("name", "").strip()[:200],
              "description": request.form.get("description", "").strip()[:4000]}
    if not values["name"]:
        errors["name"] = "Give the cohort a name, e.g. “Pilot 1 — Engineering”."
    elif db.session.scalars(sa.select(Cohort).where(Cohort.name == values["name"])).first():
        errors["name"] = "A cohort with this name exists already."
    for name in ("opens_on", "closes_on"):
        try:
            values[name] = date.fromisoformat(request.form.get(name, ""))
        except ValueError:
            errors[name] = "Enter a date as YYYY-MM-DD."
    if not errors.get("opens_on") and not errors.get("closes_on") and values["closes_on"] < values["opens_on"]:
        errors["closes_on"] = "The cohort cannot close before it opens."
    choice = request.form.get("version", "")
    key, _, number = choice.partition(":")
    version = None
    if number and number != "newest":
        version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                                                     ProcessVersion.version == int(number)
                                                                     if number.isdigit() else -1)).first()
        if version is None:
            errors["version"] = "Choose a deployed process version."
    elif not key or not db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)).first():
        errors["version"] = "Choose a deployed process version."
    if not errors.get("version") and key not in start_rights.offered_versions(db.session, current_user):
        errors["version"] = ("This process cannot start cohort paths: its diagram does not offer it for "
                             "starting (it is started by the processes that call it).")
    values["process_key"], values["process_version"] = key, version
    return values


@bp.route("/cohorts/new", methods=["GET", "POST"])
def new_cohort():
    """Create a cohort: name, dates, process version, and members by person, department or manager."""
    errors = {}
    if request.method == "POST":
        values = _parse_cohort_form(errors)
        people = _chosen_people()
        if not people:
            errors["people"] = "Choose at least one person, a department or a manager's team."
        if not errors:
            cohort = Cohort(created_by=current_user, **values)
            db.session.add(cohort)
            cohorts.add_members(db.session, cohort, people)
            db.session.commit()
            flash(f"The cohort “{cohort.name}” has {counted(len(people), 'member')}. Start their paths when you are ready.",
                  "success")
            return redirect(url_for("pilot.cohort", cohort_id=cohort.id))
    return render_template("pilot/cohort_form.html", errors=errors, today=date.today(), **_choices()), \
        422 if errors else 200


def _cohort_or_404(cohort_id):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


@bp.route("/cohorts/<id:cohort_id>")
def cohort(cohort_id):
    """A cohort's members, their paths and where each one is."""
    cohort = _cohort_or_404(cohort_id)
    instance_ids = [m.instance_id for m in cohort.members if m.instance_id]
    steps = {}
    if instance_ids:
        for row in db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id.in_(instance_ids),
                                                                 HumanTask.status == "open")):
            steps.setdefault(row.instance_id, []).append(row.name)
    counts = {"members": len(cohort.members), "started": len(instance_ids),
              "running": sum(1 for m in cohort.members if m.instance and m.instance.status in ("running", "incident")),
              "completed": sum(1 for m in cohort.members if m.instance and m.instance.status == "completed")}
    # Members without a path in this cohort may have one running elsewhere (another cohort, another process).
    elsewhere = {m.user_id: path for m in cohort.members if m.instance is None
                 for path in [cohorts.running_path_of(db.session, m.user)] if path is not None}
    return render_template("pilot/cohort.html", cohort=cohort, steps=steps, counts=counts, today=date.today(),
                           elsewhere=elsewhere,
                           version=cohorts.version_for(db.session, cohort) if cohort.process_key else None,
                           **_choices())


@bp.route("/cohorts/<id:cohort_id>/members", methods=["POST"])
def add_cohort_members(cohort_id):
    """Add people to a cohort."""
    cohort = _cohort_or_404(cohort_id)
    added = cohorts.add_members(db.session, cohort, _chosen_people())
    db.session.commit()
    flash(f"{counted(added, 'person', 'people')} added." if added else "Nobody new was chosen; the cohort is unchanged.",
          "success" if added else "info")
    return redirect(url_for("pilot.cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<id:cohort_id>/members/<id:member_id>/remove", methods=["POST"])
def remove_cohort_member(cohort_id, member_id):
    """Take someone out of a cohort before their path started."""
    member = db.session.get(CohortMember, member_id)
    if member is None or member.cohort_id != cohort_id:
        abort(404)
    if member.instance_id:
        flash(f"{member.user.name}'s path has started; they stay in the cohort.", "error")
    else:
        name = member.user.name  # read before the row is gone
        db.session.delete(member)
        db.session.commit()
        flash(f"{name} is no longer in the cohort.", "success")
    return redirect(url_for("pilot.cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<id:cohort_id>/start", methods=["POST"])
def start_cohort(cohort_id):
    """Start a path for every member who has none, in one action."""
    cohort = _cohort_or_404(cohort_id)
    started, skipped = cohorts.start_paths(db.session, cohort, current_user)
    db.session.commit()
    flash(f"{counted(len(started), 'path')} started; each person was told their first step.", "success")
    for name, reason in skipped:
        flash(f"{name}: not started — {reason}.", "info")
    return redirect(url_for("pilot.cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<id:cohort_id>/ask-feedback", methods=["POST"])
def ask_feedback(cohort_id):
    """Ask every member and their manager for pilot feedback now."""
    cohort = _cohort_or_404(cohort_id)
    asked = cohorts.ask_feedback(db.session, cohort, current_user, current_app.config["PILOT_FEEDBACK_PROCESS"])
    db.session.commit()
    flash(f"Feedback was asked of {counted(asked, 'member')} and their managers; answers appear under Feedback.", "success")
    return redirect(url_for("pilot.cohort", cohort_id=cohort.id))


