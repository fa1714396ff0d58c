"""The subset of Camunda 7's REST API that Camunda Modeler's *Deploy* and *Start instance* buttons use.

Point the Modeler at http://HOST:5000/engine-rest with HTTP Basic (a process
owner's username and password) or a bearer token from /processes/tokens.
Credentials are required on every call (no session cookie), and only process
owners are let in.
"""
import base64
import binascii
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request

from engine import authorization
from engine.directory import user_by_username
from engine.errors import DeploymentRejected, DomainError, Forbidden, NotFound
from engine.models import Deployment, ProcessVersion
from engine.runtime import Runtime

from ..auth import authenticate
from ..errors import error_response
from ..extensions import csrf, db
from . import deploy_uploaded
from .tokens import user_for_token

bp = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")
csrf.exempt(bp)

ENGINE_VERSION = "7.22.0"  # the Camunda 7 REST dialect these endpoints follow
FORM_FIELDS = {"deployment-name", "deployment-source", "enable-duplicate-filtering", "deploy-changed-only",
               "tenant-id", "deployment-activation-time"}


class InvalidRequest(DomainError):
    """A request Camunda would answer with 400 InvalidRequestException."""

    status = 400
    code = "invalid_request"


def _credentials_user():
    """The user named by the Authorization header (Basic or Bearer), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return user_for_token(value.strip())
    if scheme.lower() == "basic" and value.strip():
        try:
            username, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return authenticate(username, password)
    return None


@bp.before_request
def authenticate_tool():
    """Every call needs a process owner's credentials: 401 without valid ones, 403 for other users."""
    user = _credentials_user()
    if user is None:
        response = error_response(401, "unauthorized",
                                  "Send a process owner's credentials: HTTP Basic (username and password) or a "
                                  "bearer token created on the Processes › API tokens page.")
        response.headers["WWW-Authenticate"] = 'Basic realm="Career Pathing engine-rest"'
        return response
    if not authorization.is_process_owner(user):
        raise Forbidden(f"{user.name} may not deploy or start processes: only process owners can.")
    g.rest_user = user
    return None


def definition_json(version):
    """A process definition as Camunda's REST API describes it."""
    return {
        "id": version.definition_id, "key": version.key, "name": version.name, "version": version.version,
        "category": "http://bpmn.io/schema/bpmn", "description": None, "versionTag": None,
        "resource": version.main_file, "deploymentId": str(version.deployment_id or ""),
        "diagram": None, "suspended": False, "tenantId": version.deployment.tenant_id if version.deployment else None,
        "historyTimeToLive": None, "startableInTasklist": True,
    }


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if isinstance(value, datetime) else None


def deployment_json(deployment, definitions):
    """A deployment as Camunda's REST API answers /deployment/create."""
    return {
        "id": str(deployment.id) if deployment else None,
        "name": deployment.name if deployment else None,
        "source": deployment.source if deployment else None,
        "tenantId": deployment.tenant_id if deployment else None,
        "deploymentTime": _time(deployment.deployed_at) if deployment else None,
        "links": [],
        "deployedProcessDefinitions": {v.definition_id: definition_json(v) for v in definitions} or None,
        "deployedCaseDefinitions": None,
        "deployedDecisionDefinitions": None,
        "deployedDecisionRequirementsDefinitions": None,
    }


def decision_json(row):
    """A decision definition as Camunda's REST API describes it."""
    return {"id": row.definition_id, "key": row.key, "name": row.name, "version": row.version,
            "category": "http://camunda.org/schema/1.0/dmn", "resource": row.resource,
            "deploymentId": str(row.deployment_id or ""), "decisionRequirementsDefinitionId": None,
            "decisionRequirementsDefinitionKey": None, "tenantId": row.deployment.tenant_id if row.deployment else None,
            "historyTimeToLive": None, "versionTag": None}


@bp.route("/version")
def version():
    """The engine version the Modeler checks to know which features it may use."""
    return jsonify({"version": ENGINE_VERSION})


@bp.route("/deployment")
def deployments():
    """Deployments, newest first (`firstResult`, `maxResults`); the Modeler calls it with maxResults=0 to test
    the connection."""
    first = max(request.args.get("firstResult", 0, type=int), 0)
    limit = min(max(request.args.get("maxResults", 100, type=int), 0), 1000)
    rows = db.session.scalars(sa.select(Deployment).order_by(Deployment.deployed_at.desc(), Deployment.id.desc())
                              .offset(first).limit(limit)).all() if limit else []
    return jsonify([{"id": str(d.id), "name": d.name, "source": d.source, "tenantId": d.tenant_id,
                     "deploymentTime": _time(d.deployed_at), "links": []} for d in rows])


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


TYPES = {
    "string": str, "integer": int, "long": int, "short": int, "double": float, "boolean": bool,
    "json": None, "object": None, "date": str, "null": None,
}


def _variables(raw):
    """Camunda's `{name: {value, type}}` as plain process variables; ValidationFailed naming the variable."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidRequest("`variables` must be an object of {name: {value, type}}.",
                               {"variables": "must be an object"})
    result, errors = {}, {}
    for name, entry in raw.items():
        if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
            errors[f"variables.{name}"] = "a variable name must be a plain identifier"
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            errors[f"variables.{name}"] = "expected {\"value\": ..., \"type\": ...}"
            continue
        kind = str(entry.get("type") or "").lower()
        value = entry["value"]
        if kind and kind not in TYPES:
            errors[f"variables.{name}"] = f"the type {entry.get('type')!r} is not supported"
            continue
        expected = TYPES.get(kind)
        if expected is bool and not isinstance(value, bool) or expected in (int, float) and (
                isinstance(value, bool) or not isinstance(value, (int, float))):
            errors[f"variables.{name}"] = f"the value {value!r} is not of type {entry.get('type')}"
            continue
        if expected is str and not isinstance(value, str):
            errors[f"variables.{name}"] = f"the value {value!r} is not text"
            continue
        result[name] = value
    if errors:
        raise InvalidRequest("Some variables cannot be used; nothing was started.", errors)
    return result


def _start(version):
    payload = request.get_json(silent=True)
    if payload is None and request.data:
        raise InvalidRequest("The body must be JSON: {\"businessKey\": ..., \"variables\": {...}}.",
                               {"body": "not JSON"})
    payload = payload or {}
    if not isinstance(payload, dict):
        raise InvalidRequest("The body must be a JSON object.", {"body": "not an object"})
    actor = g.rest_user
    business_key = payload.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise InvalidRequest("`businessKey` must be text (the employee's username).", {"businessKey": "not text"})
    employee = actor
    if business_key:
        employee = user_by_username(db.session, business_key)
        if employee is None:
            raise InvalidRequest(f"The business key {business_key!r} is not a username; use the employee's "
                                   f"username, or leave it empty to start a path for yourself.",
                                   {"businessKey": "unknown user"})
    outcome = Runtime(db.session).start_version(version, employee, actor, _variables(payload.get("variables")))
    db.session.commit()
    instance = outcome.instance
    return jsonify({"id": str(instance.id), "definitionId": version.definition_id,
                    "businessKey": instance.business_key, "caseInstanceId": None, "tenantId": None,
                    "ended": instance.status == "completed", "suspended": False, "links": []})


@bp.route("/process-definition/<definition_id>/start", methods=["POST"])
def start_by_id(definition_id):
    """Start a path of one deployed version (the id the deploy answer gave)."""
    _key, _, row_id = definition_id.rpartition(":")
    version = db.session.get(ProcessVersion, int(row_id)) if row_id.isdigit() else None
    if version is None or version.definition_id != definition_id:
        raise NotFound(f"There is no process definition {definition_id!r}.")
    return _start(version)


@bp.route("/process-definition/key/<key>/start", methods=["POST"])
def start_by_key(key):
    """Start a path of the newest version of a process key."""
    version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)
                                 .order_by(ProcessVersion.version.desc())).first()
    if version is None:
        raise NotFound(f"No process with key {key!r} is deployed.")
    return _start(version)


@bp.route("/process-definition")
def definitions():
    """Process definitions (`key`, `latestVersion=true` filters), newest first."""
    query = sa.select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version.desc())
    if request.args.get("key"):
        query = query.where(ProcessVersion.key == request.args["key"])
    rows = db.session.scalars(query).all()
    if request.args.get("latestVersion") == "true":
        seen, latest = set(), []
        for row in rows:
            if row.key not in seen:
                seen.add(row.key)
                latest.append(row)
        rows = latest
    return jsonify([definition_json(v) for v in rows])
