"""The history resource: every path (running or ended) and every task (open, completed or withdrawn) a
client's user may see, as Camunda's history/process-instance and history/task lists."""
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from flask import jsonify

from engine.rights import authorization
from engine.store.models import HumanTask, ProcessInstance, ProcessVersion, User

from ..extensions import db
from .common import bp, camunda_time, count_answer, current_client, flag, paging, parse_camunda_time, \
    query_parameters, text_param
from .filters import sorting
from .process_instance import parse_id

Starter, Assignee, Owner = aliased(User), aliased(User), aliased(User)
STATES = {"running": "ACTIVE", "incident": "ACTIVE", "completed": "COMPLETED", "cancelled": "EXTERNALLY_TERMINATED"}
INSTANCE_COLUMNS = (ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status,
                    ProcessInstance.started_at, ProcessInstance.ended_at, ProcessVersion.key,
                    ProcessVersion.version, ProcessVersion.name, ProcessVersion.id.label("version_id"),
                    Starter.username.label("starter"))
INSTANCE_SORTS = {"instanceId": ProcessInstance.id, "definitionKey": ProcessVersion.key,
                  "definitionId": ProcessVersion.id, "definitionName": ProcessVersion.name,
                  "definitionVersion": ProcessVersion.version, "businessKey": ProcessInstance.business_key,
                  "startTime": ProcessInstance.started_at, "endTime": ProcessInstance.ended_at,
                  "duration": ProcessInstance.ended_at, "tenantId": ProcessInstance.id}
TASK_SORTS = {"taskId": HumanTask.id, "activityInstanceId": HumanTask.id, "processInstanceId": HumanTask.instance_id,
              "executionId": HumanTask.id, "duration": HumanTask.completed_at, "endTime": HumanTask.completed_at,
              "startTime": HumanTask.created_at, "taskName": HumanTask.name, "assignee": Assignee.username,
              "owner": Owner.username, "dueDate": HumanTask.due_at, "followUpDate": HumanTask.follow_up_at,
              "priority": HumanTask.priority, "definitionKey": HumanTask.element_id,
              "processDefinitionKey": ProcessVersion.key, "taskDefinitionKey": HumanTask.element_id}


def _millis(start, end):
    return int((end - start).total_seconds() * 1000) if start and end else None


def historic_instance_json(row):
    """A path as Camunda's HistoricProcessInstanceDto."""
    return {
        "id": str(row.id), "rootProcessInstanceId": str(row.id), "superProcessInstanceId": None,
        "superCaseInstanceId": None, "caseInstanceId": None, "processDefinitionName": row.name,
        "processDefinitionKey": row.key, "processDefinitionVersion": row.version,
        "processDefinitionId": f"{row.key}:{row.version}:{row.version_id}", "businessKey": row.business_key,
        "startTime": camunda_time(row.started_at), "endTime": camunda_time(row.ended_at), "removalTime": None,
        "durationInMillis": _millis(row.started_at, row.ended_at), "startUserId": row.starter,
        "startActivityId": None, "deleteReason": "cancelled" if row.status == "cancelled" else None,
        "tenantId": None, "state": STATES.get(row.status, "ACTIVE"),
    }


def _time_filters(query, params, pairs):
    for name, column, before in pairs:
        if text_param(params, name):
            moment = parse_camunda_time(params[name], name)
            query = query.where(column < moment if before else column > moment)
    return query


def _instances_query(params):
    query = (authorization.visible_instances_query(current_client()).with_only_columns(*INSTANCE_COLUMNS)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .outerjoin(Starter, Starter.id == ProcessInstance.started_by_id))
    if text_param(params, "processInstanceId"):
        query = query.where(ProcessInstance.id == parse_id(params["processInstanceId"]))
    ids = params.get("processInstanceIds")
    if ids:
        listed = ids if isinstance(ids, list) else str(ids).split(",")
        query = query.where(ProcessInstance.id.in_([i for i in (parse_id(x) for x in listed) if i is not None]))
    if text_param(params, "processInstanceBusinessKey"):
        query = query.where(ProcessInstance.business_key == params["processInstanceBusinessKey"])
    if text_param(params, "processDefinitionKey"):
        query = query.where(ProcessVersion.key == params["processDefinitionKey"])
    if text_param(params, "processDefinitionId"):
        query = query.where(ProcessVersion.id == parse_id(params["processDefinitionId"].rpartition(":")[2]))
    if flag(params, "finished"):
        query = query.where(ProcessInstance.status.in_(("completed", "cancelled")))
    if flag(params, "unfinished"):
        query = query.where(ProcessInstance.status.in_(("running", "incident")))
    if flag(params, "withIncidents"):
        query = query.where(ProcessInstance.status == "incident")
    if text_param(params, "state"):
        wanted = [status for status, state in STATES.items() if state == params["state"]]
        query = query.where(ProcessInstance.status.in_(wanted))
    if text_param(params, "startedBy"):
        query = query.where(Starter.username == params["startedBy"])
    return _time_filters(query, params, (("startedBefore", ProcessInstance.started_at, True),
                                         ("startedAfter", ProcessInstance.started_at, False),
                                         ("finishedBefore", ProcessInstance.ended_at, True),
                                         ("finishedAfter", ProcessInstance.ended_at, False)))


@bp.route("/history/process-instance", methods=["GET", "POST"])
def historic_instances():
    """Paths, running or ended, the client's user may see (processInstanceId, processInstanceBusinessKey,
    processDefinitionKey, finished/unfinished, state, started/finished before/after, sorting, paging)."""
    params = query_parameters()
    first, limit = paging()
    query = _instances_query(params).order_by(*sorting(params, INSTANCE_SORTS), ProcessInstance.id)
    rows = db.session.execute(query.offset(first).limit(limit)).all() if limit else []
    return jsonify([historic_instance_json(row) for row in rows])


@bp.route("/history/process-instance/count", methods=["GET", "POST"])
def count_historic_instances():
    """How many paths the same query matches."""
    query = _instances_query(query_parameters()).order_by(None)
    return count_answer(db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())))


TASK_COLUMNS = (HumanTask, ProcessVersion.key.label("definition_key"), ProcessVersion.version.label("definition_version"),
                ProcessVersion.id.label("version_id"), Assignee.username.label("assignee_name"),
                Owner.username.label("owner_name"))


def historic_task_json(row):
    """A task as Camunda's HistoricTaskInstanceDto."""
    task = row[0]
    return {
        "id": str(task.id), "processDefinitionKey": row.definition_key,
        "processDefinitionId": f"{row.definition_key}:{row.definition_version}:{row.version_id}",
        "processInstanceId": str(task.instance_id), "rootProcessInstanceId": str(task.instance_id),
        "executionId": task.task_guid, "activityInstanceId": f"{task.element_id}:{task.task_guid}",
        "caseDefinitionKey": None, "caseDefinitionId": None, "caseInstanceId": None, "caseExecutionId": None,
        "name": task.name, "description": None,
        "deleteReason": {"completed": "completed", "cancelled": "deleted"}.get(task.status),
        "owner": row.owner_name, "assignee": row.assignee_name, "startTime": camunda_time(task.created_at),
        "endTime": camunda_time(task.completed_at), "duration": _millis(task.created_at, task.completed_at),
        "taskDefinitionKey": task.element_id, "priority": task.priority if task.priority is not None else 50,
        "due": camunda_time(task.due_at), "followUp": camunda_time(task.follow_up_at), "parentTaskId": None,
        "tenantId": None, "removalTime": None,
        "taskState": {"open": "Created", "completed": "Completed", "cancelled": "Deleted"}.get(task.status),
    }


def _tasks_query(params):
    user = current_client()
    query = (sa.select(*TASK_COLUMNS).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
             .outerjoin(Owner, Owner.id == HumanTask.owner_id)
             .where(authorization.task_list_condition(user, history=True)))
    if text_param(params, "taskId"):
        query = query.where(HumanTask.id == parse_id(params["taskId"]))
    if text_param(params, "processInstanceId"):
        query = query.where(HumanTask.instance_id == parse_id(params["processInstanceId"]))
    if text_param(params, "processInstanceBusinessKey"):
        query = query.where(ProcessInstance.business_key == params["processInstanceBusinessKey"])
    if text_param(params, "processDefinitionKey"):
        query = query.where(ProcessVersion.key == params["processDefinitionKey"])
    if text_param(params, "taskDefinitionKey"):
        query = query.where(HumanTask.element_id == params["taskDefinitionKey"])
    if text_param(params, "taskAssignee"):
        query = query.where(Assignee.username == params["taskAssignee"])
    if text_param(params, "taskName"):
        query = query.where(HumanTask.name == params["taskName"])
    if flag(params, "finished"):
        query = query.where(HumanTask.status != "open")
    if flag(params, "unfinished"):
        query = query.where(HumanTask.status == "open")
    if flag(params, "processFinished"):
        query = query.where(ProcessInstance.status.in_(("completed", "cancelled")))
    return _time_filters(query, params, (("taskDueBefore", HumanTask.due_at, True),
                                         ("taskDueAfter", HumanTask.due_at, False),
                                         ("startedBefore", HumanTask.created_at, True),
                                         ("startedAfter", HumanTask.created_at, False),
                                         ("finishedBefore", HumanTask.completed_at, True),
                                         ("finishedAfter", HumanTask.completed_at, False)))


@bp.route("/history/task", methods=["GET", "POST"])
def historic_tasks():
    """Tasks, open or ended, the client's user may see (taskId, processInstanceId, processInstanceBusinessKey,
    processDefinitionKey, taskDefinitionKey, taskAssignee, finished/unfinished, due/started/finished before and
    after, sorting, paging)."""
    params = query_parameters()
    first, limit = paging()
    query = _tasks_query(params).order_by(*sorting(params, TASK_SORTS), HumanTask.id)
    rows = db.session.execute(query.offset(first).limit(limit)).all() if limit else []
    return jsonify([historic_task_json(row) for row in rows])


@bp.route("/history/task/count", methods=["GET", "POST"])
def count_historic_tasks():
    """How many tasks the same query matches."""
    query = _tasks_query(query_parameters()).with_only_columns(HumanTask.id).order_by(None)
    return count_answer(db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())))
