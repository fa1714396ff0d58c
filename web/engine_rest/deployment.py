"""The deployment resource: deploy diagrams, forms and decision tables; list deployments."""
import sqlalchemy as sa
from flask import g, jsonify, request

from engine.errors import DeploymentRejected
from engine.models import Deployment

from ..errors import error_response
from ..extensions import db
from ..processes import deploy_uploaded
from .common import bp, camunda_time
from .decision_definition import decision_json
from .process_definition import definition_json

FORM_FIELDS = {"deployment-name", "deployment-source", "enable-duplicate-filtering", "deploy-changed-only",
               "tenant-id", "deployment-activation-time"}


def deployment_json(deployment, definitions):
    """A deployment as Camunda's REST API answers /deployment/create."""
    return {
        "id": str(deployment.id) if deployment else None,
        "name": deployment.name if deployment else None,
        "source": deployment.source if deployment else None,
        "tenantId": deployment.tenant_id if deployment else None,
        "deploymentTime": camunda_time(deployment.deployed_at) if deployment else None,
        "links": [],
        "deployedProcessDefinitions": {v.definition_id: definition_json(v) for v in definitions} or None,
        "deployedCaseDefinitions": None,
        "deployedDecisionDefinitions": None,
        "deployedDecisionRequirementsDefinitions": None,
    }


@bp.route("/deployment")
def deployments():
    """Deployments, newest first (`firstResult`, `maxResults`); the Modeler calls it with maxResults=0 to test
    the connection."""
    first = max(request.args.get("firstResult", 0, type=int), 0)
    limit = min(max(request.args.get("maxResults", 100, type=int), 0), 1000)
    rows = db.session.scalars(sa.select(Deployment).order_by(Deployment.deployed_at.desc(), Deployment.id.desc())
                              .offset(first).limit(limit)).all() if limit else []
    return jsonify([{"id": str(d.id), "name": d.name, "source": d.source, "tenantId": d.tenant_id,
                     "deploymentTime": camunda_time(d.deployed_at), "links": []} for d in rows])


@bp.route("/deployment/create", methods=["POST"])
def create_deployment():
    """Deploy the attached files (diagram plus .form and .dmn attachments), with duplicate filtering."""
    uploads = {}
    for field_name, storage in request.files.items(multi=True):
        name = storage.filename or field_name
        if name:
            uploads[name] = storage.read()
    if not uploads:
        return error_response(400, "no_files", "The deployment contains no files: attach a .bpmn diagram.",
                              {"files": "no file was sent"})
    try:
        result = deploy_uploaded(uploads, request.form.get("deployment-name", "").strip()[:200],
                                 (request.form.get("deployment-source") or "engine-rest")[:200],
                                 tenant_id=(request.form.get("tenant-id") or None)[:100] if request.form.get(
                                     "tenant-id") else None, user=g.rest_user)
    except DeploymentRejected as exc:
        db.session.rollback()
        return _rejected(exc)
    db.session.commit()
    diagram_processes = _processes_in_order(uploads, result.versions)
    resources = result.created_resources + result.unchanged_resources
    deployment = result.deployment or next((v.deployment for v in [*diagram_processes, *resources] if v.deployment),
                                           None)
    body = deployment_json(deployment, diagram_processes)
    body["deployedDecisionDefinitions"] = {r.definition_id: decision_json(r) for r in resources
                                           if r.kind == "decision"} or None
    body["warnings"] = [_detail(w) | {"text": str(w)} for w in result.warnings]
    return jsonify(body)


def _processes_in_order(uploads, versions):
    """Versions of the processes defined in the sent diagrams first (the Modeler starts the first one)."""
    sent = [name for name in uploads if name.lower().endswith((".bpmn", ".bpmn20.xml"))]
    return sorted(versions, key=lambda v: 0 if v.main_file in sent else 1)


def _rejected(exc):
    """400 with every element-level problem, in the message and in Camunda's `details` shape."""
    lines = [str(problem) for problem in exc.problems + exc.warnings]
    details = {}
    for problem in exc.problems + exc.warnings:
        entry = details.setdefault(problem.file, {"errors": [], "warnings": []})
        entry["warnings" if problem.is_warning else "errors"].append(_detail(problem))
    body = {"type": "ParseException", "code": exc.code,
            "message": f"{exc.message}:\n" + "\n".join(lines),
            "details": details, "errors": {"problems": [p.as_dict() for p in exc.problems]}}
    return jsonify(body), 400


def _detail(problem):
    """One problem in the shape of Camunda's ParseException details."""
    return {"message": problem.message, "line": problem.line or 0, "column": 0,
            "mainElementId": problem.element_id, "elementIds": [problem.element_id] if problem.element_id else []}
