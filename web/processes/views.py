"""Process administration for process owners: versions, diagrams, sources, deploy, modeler, migration.

Everything here is for members of the process-owners group; others get 403.
Deploys from the upload page, the modeler and the form editor all go through
`engine.diagrams.deployment.deploy`, so they are validated and versioned alike.
"""
import json
import os
from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from engine.rights import authorization
from engine.diagrams.deployment import decode_upload, deploy
from engine.diagrams.versions import latest_resources
from engine.errors import DeploymentRejected
from engine.store.models import ProcessInstance, ProcessVersion

from ..auth import role_guard
from ..extensions import db

bp = Blueprint("processes", __name__, url_prefix="/processes", template_folder="templates")

RUNNING = ("running", "incident")


bp.before_request(role_guard(authorization.is_process_owner,
                             "Process administration is for process owners; ask HR to add you to that group."))


def version_or_404(key, number):
    """The version `number` of process `key`, or 404."""
    version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                                                 ProcessVersion.version == number)).first()
    if version is None:
        abort(404)
    return version


def running_counts(version_ids=None):
    """Running (or stopped by an incident) paths per process version id."""
    query = (sa.select(ProcessInstance.process_version_id, sa.func.count())
             .where(ProcessInstance.status.in_(RUNNING)).group_by(ProcessInstance.process_version_id))
    if version_ids is not None:
        query = query.where(ProcessInstance.process_version_id.in_(version_ids))
    return dict(db.session.execute(query).all())


@bp.route("/")
def index():
    """Every process key with its versions, newest first."""
    versions = db.session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.key,
                                                                     ProcessVersion.version.desc())).all()
    by_key = defaultdict(list)
    for version in versions:
        by_key[version.key].append(version)
    resources = latest_resources(db.session, "decision") + latest_resources(db.session, "form")
    return render_template("processes/index.html", by_key=by_key, running=running_counts(), resources=resources)


@bp.route("/<key>/<id:number>")
def show(key, number):
    """One version: its diagram, sources, and the paths running on it."""
    version = version_or_404(key, number)
    page = request.args.get("page", 1, type=int)
    instances = db.paginate(sa.select(ProcessInstance).where(ProcessInstance.process_version_id == version.id,
                                                             ProcessInstance.status.in_(RUNNING))
                            .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc()),
                            page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    newer = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                                               ProcessVersion.version > number)
                               .order_by(ProcessVersion.version.desc())).all()
    return render_template("processes/show.html", version=version, instances=instances, newer=newer)


@bp.route("/<key>/<id:number>/sources/<kind>/<path:name>")
def source(key, number, kind, name):
    """Download one source file of a version (BPMN, DMN, or a form as .form JSON)."""
    version = version_or_404(key, number)
    files = version.sources.get(kind) if kind in ("bpmn", "dmn", "forms") else None
    if not files or name not in files:
        abort(404)
    if kind == "forms":
        body, filename, mimetype = json.dumps(files[name], indent=2, ensure_ascii=False), \
            f"{name.replace(':', '-')}.form", \
            "application/json"
    else:
        body, filename, mimetype = files[name], os.path.basename(name), "application/xml"
    if request.args.get("inline") == "1":
        return source_text(body)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "X-Content-Type-Options": "nosniff"})


def source_text(body):
    """A source shown inline (read by the diagram viewer) as plain text, so a browser never runs markup in it."""
    return Response(body, mimetype="text/plain", headers={"X-Content-Type-Options": "nosniff",
                                                          "Content-Security-Policy": "default-src 'none'"})


def deploy_uploaded(uploads, name, source_label, tenant_id=None, user=None):
    """Deploy uploaded files ({file name: bytes}) as the current user; returns the DeployResult.
    Raises DeploymentRejected with element-level problems (nothing is written then)."""
    files = {filename: decode_upload(filename, raw) for filename, raw in uploads.items()}
    return deploy(db.session, files, deployed_by=user or current_user, deployment_name=name or None,
                  source=source_label, tenant_id=tenant_id)


def result_summary(result):
    """What a deployment did, as JSON-ready data (warnings included)."""
    return {
        "warnings": [w.as_dict() for w in result.warnings],
        "created": [{"key": v.key, "version": v.version, "name": v.name,
                     "url": url_for("processes.show", key=v.key, number=v.version)} for v in result.created],
        "unchanged": [{"key": v.key, "version": v.version, "name": v.name,
                       "url": url_for("processes.show", key=v.key, number=v.version)} for v in result.unchanged],
        "resources": [{"kind": r.kind, "key": r.key, "version": r.version, "resource": r.resource,
                       "new": r in result.created_resources}
                      for r in result.created_resources + result.unchanged_resources],
    }


def result_message(result):
    """One sentence for people: what is new, what was already there."""
    parts = [f"{v.name} is now version {v.version}" for v in result.created]
    parts += [f"{v.name} version {v.version} already had this content (no new version)" for v in result.unchanged]
    parts += [f"the {r.kind} {r.key} is now version {r.version}" for r in result.created_resources]
    parts += [f"the {r.kind} {r.key} version {r.version} already had this content (no new version)"
              for r in result.unchanged_resources if not result.created and not result.unchanged]
    return "; ".join(parts) + "." if parts else "Nothing to deploy."


@bp.route("/deploy", methods=["GET", "POST"])
def deploy_page():
    """Upload .bpmn, .dmn and .form files; the modeler and form editor post here too (JSON answer)."""
    if request.method == "GET":
        return render_template("processes/deploy.html", problems=[])
    wants_json = request.accept_mimetypes.best == "application/json"
    uploads = {f.filename: f.read() for f in request.files.getlist("files") if f and f.filename}
    if not uploads:
        message = "Choose at least one .bpmn, .dmn or .form file to deploy."
        if wants_json:
            return jsonify({"code": "no_files", "message": message, "errors": {"files": message}}), 400
        flash(message, "error")
        return render_template("processes/deploy.html", problems=[]), 400
    try:
        result = deploy_uploaded(uploads, request.form.get("name", "").strip()[:200], "upload page")
    except DeploymentRejected as exc:
        db.session.rollback()
        if wants_json:
            return jsonify({"code": exc.code, "message": exc.message,
                            "errors": {"problems": [p.as_dict() for p in exc.problems],
                                       "warnings": [w.as_dict() for w in exc.warnings]}}), 400
        flash(f"{exc.message}. Fix the problems below and upload again.", "error")
        return render_template("processes/deploy.html", problems=exc.problems, warnings=exc.warnings), 400
    db.session.commit()
    if wants_json:
        return jsonify(dict(result_summary(result), message=result_message(result)))
    flash(result_message(result) + " Running paths stay on their version until you migrate them.", "success")
    for warning in result.warnings:
        flash(f"Warning: {warning}", "warning")
    if not result.versions:  # decisions or forms on their own
        return redirect(url_for("processes.index"))
    first = result.versions[0]
    return redirect(url_for("processes.show", key=first.key, number=first.version))


