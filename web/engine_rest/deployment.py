"""The deployment resource: deploy diagrams, forms and decision tables; list deployments."""
import sqlalchemy as sa
from flask import jsonify, request

from engine.errors import DeploymentRejected, NotFound
from engine.runtime.instance_admin import delete_deployment
from engine.store.models import Deployment

from ..extensions import db
from ..processes.views import deploy_uploaded
from .common import (InvalidRequest, bp, camunda_time, count_answer, flag, paging, query_parameters,
                     require_process_owner, text_param)
from .decision_definition import decision_json
from .process_definition import definition_json

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


def _deployments_query():
    params = query_parameters()
    query = sa.select(Deployment)
    if text_param(params, "id"):
        query = query.where(Deployment.id == (int(params["id"]) if params["id"].isdigit() else -1))
    if text_param(params, "name"):
        query = query.where(Deployment.name == params["name"])
    if text_param(params, "nameLike"):
        query = query.where(Deployment.name.like(params["nameLike"]))
    if text_param(params, "source"):
        query = query.where(Deployment.source == params["source"])
    if text_param(params, "tenantIdIn"):
        query = query.where(Deployment.tenant_id.in_(params["tenantIdIn"].split(",")))
    return query


def summary_json(deployment):
    """A deployment as Camunda lists it."""
    return {"id": str(deployment.id), "name": deployment.name, "source": deployment.source,
            "tenantId": deployment.tenant_id, "deploymentTime": camunda_time(deployment.deployed_at),
            "links": []}


def deployment_or_404(deployment_id):
    """The deployment with this id; 404 InvalidRequestException otherwise."""
    deployment = db.session.get(Deployment, int(deployment_id)) if str(deployment_id).isdigit() else None
    if deployment is None:
        raise NotFound(f"Deployment with id '{deployment_id}' does not exist")
    return deployment


@bp.route("/deployment")
def deployments():
    """Deployments, newest first (`id`, `name`, `nameLike`, `source`, `tenantIdIn`, `firstResult`, `maxResults`);
    the Modeler calls it with maxResults=0 to test the connection. Process owners only."""
    require_process_owner("read deployments")
    first, limit = paging()
    rows = db.session.scalars(_deployments_query().order_by(Deployment.deployed_at.desc(), Deployment.id.desc())
                              .offset(first).limit(limit)).all() if limit else []
    return jsonify([summary_json(d) for d in rows])


@bp.route("/deployment/count")
def count_deployments():
    """How many deployments the same filters match."""
    require_process_owner("read deployments")
    return count_answer(db.session.scalar(sa.select(sa.func.count()).select_from(_deployments_query().subquery())))


@bp.route("/deployment/<deployment_id>")
def deployment(deployment_id):
    """One deployment."""
    require_process_owner("read deployments")
    return jsonify(summary_json(deployment_or_404(deployment_id)))


@bp.route("/deployment/<deployment_id>", methods=["DELETE"])
def delete(deployment_id):
    """Remove a deployment and its versions; `cascade=true` also removes the paths that run on them (without
    it, a deployment with paths is refused with 409). 204 when done."""
    require_process_owner("delete deployments")
    deployment = deployment_or_404(deployment_id)
    delete_deployment(db.session, deployment.id, cascade=flag(request.args, "cascade") is True)
    db.session.commit()
    return "", 204


@bp.route("/deployment/create", methods=["POST"])
def create_deployment():
    """Deploy the attached files (diagram plus .form and .dmn attachments), with duplicate filtering. Process
    owners only."""
    user = require_process_owner("deploy processes")
    uploads = {}
    for field_name, storage in request.files.items(multi=True):
        name = storage.filename or field_name
        if name:
            contents = storage.read()
            uploads[resource_name(name, contents)] = contents
    if not uploads:
        raise InvalidRequest("The deployment contains no files: attach a .bpmn diagram.",
                             {"files": "no file was sent"})
    try:
        result = deploy_uploaded(uploads, request.form.get("deployment-name", "").strip()[:200],
                                 (request.form.get("deployment-source") or "engine-rest")[:200],
                                 tenant_id=(request.form.get("tenant-id") or None)[:100] if request.form.get(
                                     "tenant-id") else None, user=user)
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


RESOURCE_KINDS = ((b"http://www.omg.org/spec/BPMN/20100524/MODEL", ".bpmn"),
                  (b"https://www.omg.org/spec/DMN/", ".dmn"), (b"http://www.omg.org/spec/DMN/", ".dmn"))


def resource_name(name, contents):
    """The name a resource is deployed under: as sent, or with the suffix its content calls for when a client
    sends raw bytes under a field name (Camunda decides by the suffix: .bpmn, .dmn, .form)."""
    if name.lower().endswith((".bpmn", ".bpmn20.xml", ".dmn", ".dmn11.xml", ".form")):
        return name
    head = contents[:4000]
    for marker, suffix in RESOURCE_KINDS:
        if marker in head:
            return name + suffix
    if head.lstrip().startswith(b"{") and b'"components"' in contents:
        return name + ".form"
    return name


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
