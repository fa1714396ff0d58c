"""Migration pages: a dry run over the running paths of a version, then apply per path or for all."""
import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.runtime import migration
from engine.diagrams.versions import latest_version
from engine.errors import DomainError
from engine.store.models import ProcessInstance, ProcessVersion
from engine.runtime.runner import Runtime

from ..extensions import db
from ..templating import counted
from .views import RUNNING, bp, version_or_404


def _target(key, number):
    """The version to migrate to: ?to=N, else the newest."""
    wanted = request.values.get("to", type=int)
    target = version_or_404(key, wanted) if wanted else latest_version(db.session, key)
    return target


def _running(version):
    return (sa.select(ProcessInstance).where(ProcessInstance.process_version_id == version.id,
                                             ProcessInstance.status.in_(RUNNING))
            .order_by(ProcessInstance.started_at, ProcessInstance.id))


@bp.route("/<key>/<id:number>/migrate", methods=["GET"])
def migrate_plan(key, number):
    """Dry run: for each running path of this version, which waiting steps map onto the target and which not."""
    source = version_or_404(key, number)
    target = _target(key, number)
    page = request.args.get("page", 1, type=int)
    instances = db.paginate(_running(source), page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    runtime = Runtime(db.session)
    plans = [migration.plan(runtime, instance, target) for instance in instances.items]
    db.session.rollback()  # a dry run changes nothing
    versions = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)
                                  .order_by(ProcessVersion.version.desc())).all()
    return render_template("processes/migrate.html", source=source, target=target, plans=plans,
                           instances=instances, versions=versions)


@bp.route("/<key>/<id:number>/migrate", methods=["POST"])
def migrate_apply(key, number):
    """Move the chosen paths (or every path that can move) to the target version, in one transaction;
    a path that cannot move is left as it is and named in the answer."""
    source = version_or_404(key, number)
    target = _target(key, number)
    if request.form.get("all") == "1":
        chosen = db.session.scalars(_running(source)).all()
    else:
        ids = [int(value) for value in request.form.getlist("instance") if value.isdigit()]
        chosen = db.session.scalars(_running(source).where(ProcessInstance.id.in_(ids))).all() if ids else []
    if not chosen:
        flash("Choose at least one running path to migrate.", "error")
        return redirect(url_for("processes.migrate_plan", key=key, number=number, to=target.version))
    moved, refused = migrate_instances(chosen, target)
    db.session.commit()
    if moved:
        flash(f"{counted(len(moved), 'path')} now run on version {target.version}; each path's history records the move.",
              "success")
    for instance_id, reason in refused:
        flash(f"Path {instance_id} stayed on version {source.version}: {reason}", "error")
    return redirect(url_for("processes.migrate_plan", key=key, number=number, to=target.version))


def migrate_instances(instances, target, actor=None):
    """Migrate each instance in a savepoint of the current transaction: ([moved ids], [(id, reason)])."""
    runtime = Runtime(db.session)
    moved, refused = [], []
    for instance in instances:
        try:
            with db.session.begin_nested():
                migration.migrate(runtime, instance, target, actor or current_user)
            moved.append(instance.id)
        except DomainError as exc:
            refused.append((instance.id, exc.message))
    return moved, refused
