"""The process-definition resource: list, count and get definitions, read their BPMN XML, start instances.

Every signed-in client may read definitions (as /api/v1 lists them); who may start which process for whom,
with which variables, is the engine's rule (`engine.rights.start_rights`, `engine.rights.variable_rights`: the diagram
says).
"""
import sqlalchemy as sa
from flask import current_app, jsonify

from engine.rights import authorization, start_rights
from engine.pilot.cohorts import check_may_start_own
from engine.directory.org import user_by_username
from engine.errors import NotFound
from engine.store.models import ProcessVersion, utcnow
from engine.runtime.runner import Runtime

from ..extensions import db
from .common import InvalidRequest, bp, count_answer, current_client, flag, json_body, paging, query_parameters, \
    text_param
from .variables import from_typed, typed_map


def definition_json(version):
    """A process definition as Camunda's REST API describes it."""
    return {
        "id": version.definition_id, "key": version.key, "name": version.name, "version": version.version,
        "category": "http://bpmn.io/schema/bpmn", "description": None, "versionTag": None,
        "resource": version.main_file, "deploymentId": str(version.deployment_id or ""),
        "diagram": None, "suspended": False, "tenantId": version.deployment.tenant_id if version.deployment else None,
        "historyTimeToLive": None, "startableInTasklist": start_rights.startable_in_tasklist(db.session, version),
    }


def version_by_id(definition_id):
    """The version a Camunda definition id (`key:version:row`) names; 404 InvalidRequestException otherwise."""
    _key, _, row_id = str(definition_id).rpartition(":")
    version = db.session.get(ProcessVersion, int(row_id)) if row_id.isdigit() else None
    if version is None or version.definition_id != definition_id:
        raise NotFound(f"No matching definition with id {definition_id}.")
    return version


def version_by_key(key):
    """The newest version of a process key; 404 InvalidRequestException otherwise."""
    version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)
                                 .order_by(ProcessVersion.version.desc())).first()
    if version is None:
        raise NotFound(f"No matching process definition with key: {key} and no tenant-id.")
    return version


def _definitions_query():
    params = query_parameters()
    query = sa.select(ProcessVersion)
    if text_param(params, "key"):
        query = query.where(ProcessVersion.key == params["key"])
    if params.get("keysIn"):
        query = query.where(ProcessVersion.key.in_(str(params["keysIn"]).split(",")))
    if text_param(params, "processDefinitionId"):
        version = db.session.get(ProcessVersion, int(params["processDefinitionId"].rpartition(":")[2])) \
            if params["processDefinitionId"].rpartition(":")[2].isdigit() else None
        query = query.where(ProcessVersion.id == (version.id if version else -1))
    if text_param(params, "deploymentId"):
        deployment = params["deploymentId"]
        query = query.where(ProcessVersion.deployment_id == (int(deployment) if deployment.isdigit() else -1))
    if text_param(params, "name"):
        query = query.where(ProcessVersion.name == params["name"])
    if text_param(params, "version"):
        if not params["version"].isdigit():
            raise InvalidRequest("version must be a whole number.", {"version": "not a number"})
        query = query.where(ProcessVersion.version == int(params["version"]))
    if flag(params, "latestVersion"):
        newest = (sa.select(ProcessVersion.key, sa.func.max(ProcessVersion.version).label("newest"))
                  .group_by(ProcessVersion.key).subquery())
        query = query.join(newest, sa.and_(newest.c.key == ProcessVersion.key,
                                           newest.c.newest == ProcessVersion.version))
    return query


@bp.route("/process-definition")
def definitions():
    """Process definitions (key, keysIn, name, version, deploymentId, latestVersion), by key then newest first."""
    first, limit = paging()
    rows = db.session.scalars(_definitions_query().order_by(ProcessVersion.key, ProcessVersion.version.desc())
                              .offset(first).limit(limit)).all()
    return jsonify([definition_json(v) for v in rows])


@bp.route("/process-definition/count")
def count_definitions():
    """How many definitions the same filters match."""
    return count_answer(db.session.scalar(sa.select(sa.func.count()).select_from(_definitions_query().subquery())))


@bp.route("/process-definition/<definition_id>")
def definition(definition_id):
    """One definition by id."""
    return jsonify(definition_json(version_by_id(definition_id)))


@bp.route("/process-definition/key/<key>")
def definition_by_key(key):
    """The newest definition of a key."""
    return jsonify(definition_json(version_by_key(key)))


def _xml(version):
    files = version.sources.get("bpmn", {})
    return jsonify({"id": version.definition_id, "bpmn20Xml": files.get(version.main_file, "")})


@bp.route("/process-definition/<definition_id>/xml")
def definition_xml(definition_id):
    """The BPMN XML of a definition: `{"id", "bpmn20Xml"}`."""
    return _xml(version_by_id(definition_id))


@bp.route("/process-definition/key/<key>/xml")
def definition_xml_by_key(key):
    """The BPMN XML of the newest definition of a key."""
    return _xml(version_by_key(key))


def _start(version):
    """Start a path of `version` from Camunda's start body: businessKey (the employee's username), variables,
    withVariablesInReturn."""
    payload = json_body()
    actor = current_client()
    business_key = payload.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise InvalidRequest("`businessKey` must be text (the employee's username).", {"businessKey": "not text"})
    variables = from_typed(payload.get("variables"))
    with_variables = payload.get("withVariablesInReturn") is True
    employee = actor
    if business_key:
        employee = user_by_username(db.session, business_key)
        if employee is None:
            raise InvalidRequest(f"The business key {business_key!r} is not a username; use the employee's "
                                 f"username, or leave it empty to start a path for yourself.",
                                 {"businessKey": "unknown user"})
    if employee.id == actor.id and not authorization.is_process_owner(actor):  # owners try diagrams out
        check_may_start_own(db.session, employee, utcnow().date(), current_app.config["PATHING_REQUIRE_COHORT"])
    runtime = Runtime(db.session)
    outcome = runtime.start_version(version, employee, actor, variables)
    instance = outcome.instance
    answer = {"id": str(instance.id), "definitionId": version.definition_id,
              "businessKey": instance.business_key, "caseInstanceId": None, "tenantId": None,
              "ended": instance.status == "completed", "suspended": False, "links": []}
    if with_variables:
        answer["variables"] = typed_map(runtime.current_data(instance))
    db.session.commit()
    return jsonify(answer)


@bp.route("/process-definition/<definition_id>/start", methods=["POST"])
def start_by_id(definition_id):
    """Start a path of one deployed version (the id the deploy answer gave)."""
    return _start(version_by_id(definition_id))


@bp.route("/process-definition/key/<key>/start", methods=["POST"])
def start_by_key(key):
    """Start a path of the newest version of a process key."""
    return _start(version_by_key(key))
