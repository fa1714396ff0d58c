"""The process-instance resource: the paths a client's user may see, one path, cancelling it, its variables.

Lists carry only running paths (as Camunda's runtime does; finished ones are under history/process-instance).
A path the user may not see is "not found" (404), as on the pages; cancelling it or changing its variables is
for HR and process owners (403 AuthorizationException for others who can see it).
"""
import sqlalchemy as sa
from flask import jsonify, request

from engine.rights import authorization
from engine.errors import NotFound
from engine.runtime.instance_admin import cancel_instance, check_may_change, modify_variables
from engine.store.models import ProcessInstance, ProcessVersion
from engine.runtime.runner import Runtime

from ..extensions import db
from .common import InvalidRequest, bp, count_answer, current_client, flag, json_body, paging, query_parameters, \
    text_param
from .filters import matches, sorting, variable_filters
from .variables import check_name, from_typed, from_typed_value, to_typed, typed_map

RUNNING = ("running", "incident")
COLUMNS = (ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status, ProcessVersion.key,
           ProcessVersion.version, ProcessVersion.id.label("version_id"))
SORTS = {"instanceId": ProcessInstance.id, "definitionKey": ProcessVersion.key,
         "definitionId": ProcessVersion.id, "businessKey": ProcessInstance.business_key,
         "tenantId": ProcessInstance.id}


def instance_json(row):
    """A path as Camunda's ProcessInstanceDto (from an instance or a row of COLUMNS)."""
    if isinstance(row, ProcessInstance):
        version = row.process_version
        key, number, version_id = version.key, version.version, version.id
    else:
        key, number, version_id = row.key, row.version, row.version_id
    return {"id": str(row.id), "definitionId": f"{key}:{number}:{version_id}", "businessKey": row.business_key,
            "caseInstanceId": None, "ended": row.status not in RUNNING, "suspended": False, "tenantId": None,
            "links": []}


def parse_id(value):
    """A numeric id from its text; None for text that cannot be one (so lookups find nothing)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 19 else None


CHANGE = "change the variables of"


def changeable_instance(instance_id, action=CHANGE):
    """A path the client's user may see (404 otherwise) and change (403 otherwise), checked before the body is
    read."""
    found = visible_instance(instance_id)
    check_may_change(db.session, found, current_client(), action)
    return found


def visible_instance(instance_id):
    """The path if the client's user may see it; 404 InvalidRequestException otherwise."""
    row_id = parse_id(instance_id)
    instance = db.session.get(ProcessInstance, row_id) if row_id is not None else None
    if instance is None or not authorization.may_view_instance(db.session, instance, current_client()):
        raise NotFound(f"Process instance with id {instance_id} does not exist")
    return instance


def instances_query(params, user, runtime_only=True):
    """The query object of /process-instance (GET parameters or POST body), limited to what `user` may see
    (every path for None: a process owner's migration). Returns (select of COLUMNS, variable filters applied
    afterwards)."""
    base = authorization.visible_instances_query(user) if user is not None else sa.select(ProcessInstance)
    query = (base.with_only_columns(*COLUMNS)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id))
    if runtime_only:
        query = query.where(ProcessInstance.status.in_(RUNNING))
    ids = params.get("processInstanceIds")
    if ids:
        listed = ids if isinstance(ids, list) else str(ids).split(",")
        query = query.where(ProcessInstance.id.in_([i for i in (parse_id(x) for x in listed) if i is not None]))
    if text_param(params, "businessKey"):
        query = query.where(ProcessInstance.business_key == params["businessKey"])
    if text_param(params, "businessKeyLike"):
        query = query.where(ProcessInstance.business_key.like(params["businessKeyLike"]))
    if text_param(params, "processDefinitionKey"):
        query = query.where(ProcessVersion.key == params["processDefinitionKey"])
    keys = params.get("processDefinitionKeyIn")
    if keys:
        query = query.where(ProcessVersion.key.in_(keys if isinstance(keys, list) else str(keys).split(",")))
    if text_param(params, "processDefinitionId"):
        query = query.where(ProcessVersion.id == parse_id(params["processDefinitionId"].rpartition(":")[2]))
    if text_param(params, "deploymentId"):
        query = query.where(ProcessVersion.deployment_id == parse_id(params["deploymentId"]))
    if flag(params, "suspended"):
        query = query.where(sa.false())  # paths are never suspended here
    if flag(params, "active") is False:
        query = query.where(sa.false())
    if flag(params, "withIncident"):
        query = query.where(ProcessInstance.status == "incident")
    return query, variable_filters(params.get("variables"))


def listed(query, filters, first, limit, order):
    """Rows of the query in `order`, paged; with variable filters each candidate's variables are read."""
    query = query.order_by(*order, ProcessInstance.id)
    if not filters:
        return db.session.execute(query.offset(first).limit(limit)).all() if limit else []
    runtime, found = Runtime(db.session), []
    for row in db.session.execute(query).all():
        instance = db.session.get(ProcessInstance, row.id)
        if matches(runtime.current_data(instance), filters):
            found.append(row)
            if len(found) >= first + limit:
                break
    return found[first:first + limit]


def counted(query, filters):
    """How many rows the query (and variable filters) match."""
    if not filters:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    runtime = Runtime(db.session)
    return sum(1 for row in db.session.execute(query).all()
               if matches(runtime.current_data(db.session.get(ProcessInstance, row.id)), filters))


@bp.route("/process-instance", methods=["GET", "POST"])
def instances():
    """Running paths the client's user may see (processInstanceIds, businessKey, processDefinitionKey, active,
    withIncident, variables, sortBy/sortOrder or sorting, firstResult/maxResults)."""
    params = query_parameters()
    query, filters = instances_query(params, current_client())
    first, limit = paging()
    rows = listed(query, filters, first, limit, sorting(params, SORTS))
    return jsonify([instance_json(row) for row in rows])


@bp.route("/process-instance/count", methods=["GET", "POST"])
def count_instances():
    """How many running paths the same query matches."""
    query, filters = instances_query(query_parameters(), current_client())
    return count_answer(counted(query, filters))


@bp.route("/process-instance/<instance_id>")
def instance(instance_id):
    """One path the client's user may see."""
    return jsonify(instance_json(visible_instance(instance_id)))


@bp.route("/process-instance/<instance_id>", methods=["DELETE"])
def delete_instance(instance_id):
    """Cancel a running path (HR and process owners): 204; it stays in history/process-instance."""
    found = changeable_instance(instance_id, "cancel")
    cancel_instance(Runtime(db.session), found.id, current_client(), request.args.get("deleteReason"))
    db.session.commit()
    return "", 204


@bp.route("/process-instance/<instance_id>/variables")
def instance_variables(instance_id):
    """The path's variables, typed (`variableNames` limits them)."""
    found = visible_instance(instance_id)
    names = request.args.get("variableNames")
    return jsonify(typed_map(Runtime(db.session).current_data(found), set(names.split(",")) if names else None))


@bp.route("/process-instance/<instance_id>/variables/<name>")
def instance_variable(instance_id, name):
    """One variable of the path, typed; 404 when it has none of that name."""
    data = Runtime(db.session).current_data(visible_instance(instance_id))
    if name not in data or name.startswith("_"):
        raise NotFound(f"process instance variable with name {name} does not exist")
    return jsonify(to_typed(data[name]))


@bp.route("/process-instance/<instance_id>/variables/<name>", methods=["PUT"])
def put_instance_variable(instance_id, name):
    """Set one variable of a running path (HR and process owners): 204."""
    found = changeable_instance(instance_id)
    value = from_typed_value(check_name(name), json_body(required=True))
    modify_variables(Runtime(db.session), found.id, current_client(), {name: value}, [])
    db.session.commit()
    return "", 204


@bp.route("/process-instance/<instance_id>/variables/<name>", methods=["DELETE"])
def delete_instance_variable(instance_id, name):
    """Remove one variable of a running path (HR and process owners): 204."""
    found = changeable_instance(instance_id)
    modify_variables(Runtime(db.session), found.id, current_client(), {}, [check_name(name)])
    db.session.commit()
    return "", 204


@bp.route("/process-instance/<instance_id>/variables", methods=["POST"])
def modify_instance_variables(instance_id):
    """Set (`modifications`) and remove (`deletions`) variables of a running path in one step: 204."""
    found = changeable_instance(instance_id)
    payload = json_body(required=True)
    modifications = from_typed(payload.get("modifications"), "modifications")
    deletions = payload.get("deletions") or []
    if not isinstance(deletions, list) or not all(isinstance(n, str) for n in deletions):
        raise InvalidRequest("deletions must be a list of variable names.", {"deletions": "not a list of names"})
    modify_variables(Runtime(db.session), found.id, current_client(), modifications,
                     [check_name(n, "deletions") for n in deletions])
    db.session.commit()
    return "", 204
