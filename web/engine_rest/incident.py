"""The incident resource: paths stopped by a failing step (a script, an expression, an assignment).

HR and process owners see every incident (they are shown them with a retry button); others the incidents of
the paths they may see. An incident's id is stable while it stands: `<path id>:<element id>`.
"""
import sqlalchemy as sa
from flask import jsonify

from engine.rights import authorization
from engine.store.models import ProcessInstance, ProcessVersion

from ..extensions import db
from .common import bp, camunda_time, count_answer, current_client, paging, parse_camunda_time, query_parameters, \
    text_param
from .filters import sorting
from .process_instance import parse_id

SORTS = {"incidentId": ProcessInstance.id, "incidentTimestamp": ProcessInstance.id,
         "processInstanceId": ProcessInstance.id, "processDefinitionId": ProcessVersion.id}


def incident_json(instance, version):
    """A path's incident as Camunda's IncidentDto."""
    incident = instance.incident or {}
    element_id = incident.get("element_id")
    at = incident.get("at")
    incident_id = f"{instance.id}:{element_id or 'process'}"
    return {
        "id": incident_id, "processDefinitionId": version.definition_id, "processInstanceId": str(instance.id),
        "executionId": str(instance.id),
        "incidentTimestamp": camunda_time(parse_camunda_time(at, "at")) if at else None,
        "incidentType": "failedJob", "activityId": element_id, "failedActivityId": element_id,
        "causeIncidentId": incident_id, "rootCauseIncidentId": incident_id, "configuration": None,
        "tenantId": None, "incidentMessage": incident.get("message"), "jobDefinitionId": None, "annotation": None,
    }


def _incidents_query(params):
    user = current_client()
    if authorization.is_hr(user) or authorization.is_process_owner(user):
        query = sa.select(ProcessInstance)
    else:
        query = authorization.visible_instances_query(user)
    query = (query.add_columns(ProcessVersion).join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .where(ProcessInstance.status == "incident"))
    if text_param(params, "processInstanceId"):
        query = query.where(ProcessInstance.id == parse_id(params["processInstanceId"]))
    if text_param(params, "incidentId"):
        query = query.where(ProcessInstance.id == parse_id(params["incidentId"].partition(":")[0]))
    if text_param(params, "processDefinitionId"):
        query = query.where(ProcessVersion.id == parse_id(params["processDefinitionId"].rpartition(":")[2]))
    if text_param(params, "processDefinitionKeyIn"):
        query = query.where(ProcessVersion.key.in_(params["processDefinitionKeyIn"].split(",")))
    if text_param(params, "incidentType") and params["incidentType"] != "failedJob":
        query = query.where(sa.false())
    return query


@bp.route("/incident")
def incidents():
    """Open incidents (processInstanceId, incidentId, processDefinitionId, processDefinitionKeyIn, incidentType,
    activityId), oldest path first."""
    params = query_parameters()
    first, limit = paging()
    rows = db.session.execute(_incidents_query(params).order_by(*sorting(params, SORTS), ProcessInstance.id)).all()
    found = [incident_json(instance, version) for instance, version in rows]
    if text_param(params, "activityId"):
        found = [entry for entry in found if entry["activityId"] == params["activityId"]]
    return jsonify(found[first:first + limit])


@bp.route("/incident/count")
def count_incidents():
    """How many open incidents the same filters match."""
    params = query_parameters()
    rows = db.session.execute(_incidents_query(params)).all()
    if text_param(params, "activityId"):
        rows = [r for r in rows if (r[0].incident or {}).get("element_id") == params["activityId"]]
    return count_answer(len(rows))
