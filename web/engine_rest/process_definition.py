"""The process-definition resource: list definitions and start instances."""
import sqlalchemy as sa
from flask import g, jsonify, request

from engine.directory import user_by_username
from engine.errors import NotFound
from engine.models import ProcessVersion
from engine.runtime import Runtime

from ..extensions import db
from .common import InvalidRequest, bp
from .variables import from_typed


def definition_json(version):
    """A process definition as Camunda's REST API describes it."""
    return {
        "id": version.definition_id, "key": version.key, "name": version.name, "version": version.version,
        "category": "http://bpmn.io/schema/bpmn", "description": None, "versionTag": None,
        "resource": version.main_file, "deploymentId": str(version.deployment_id or ""),
        "diagram": None, "suspended": False, "tenantId": version.deployment.tenant_id if version.deployment else None,
        "historyTimeToLive": None, "startableInTasklist": True,
    }


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
    outcome = Runtime(db.session).start_version(version, employee, actor, from_typed(payload.get("variables")))
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
