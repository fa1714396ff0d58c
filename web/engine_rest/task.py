"""The task resource: the open tasks a client's user may see, one task, claim/unclaim/assignee, complete,
form variables and task variables.

A client lists the open tasks it could see on the pages: those its user may work on or delegated, and those of
the paths of the user and their reports (HR: all). Reading a task's data or acting on it goes through the same
rules as the task page and the engine's services: 404 for a task whose path the user may not see, 403
AuthorizationException for one they see but may not open or do.
"""
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from flask import jsonify, request

from engine.rights import authorization
from engine.directory.org import user_by_username
from engine.errors import Forbidden, NotFound
from engine.store.models import Group, HumanTask, ProcessInstance, ProcessVersion, User
from engine.runtime.runner import Runtime
from engine.runtime.task_actions import TaskActions

from ..extensions import db
from .common import (InvalidRequest, TaskAlreadyClaimed, bp, camunda_time, count_answer, current_client, json_body, flag, paging,
                     parse_camunda_time, query_parameters, text_param)
from .filters import sorting
from .process_instance import parse_id
from .variables import from_typed, to_typed, typed_map

Assignee, Owner = aliased(User), aliased(User)
COLUMNS = (HumanTask, ProcessVersion.key.label("definition_key"), ProcessVersion.version.label("definition_version"),
           ProcessVersion.id.label("version_id"), Assignee.username.label("assignee_name"),
           Owner.username.label("owner_name"))
SORTS = {"instanceId": HumanTask.instance_id, "processInstanceId": HumanTask.instance_id,
         "dueDate": HumanTask.due_at, "followUpDate": HumanTask.follow_up_at, "created": HumanTask.created_at,
         "id": HumanTask.id, "name": HumanTask.name, "nameCaseInsensitive": sa.func.lower(HumanTask.name),
         "priority": HumanTask.priority, "assignee": Assignee.username, "executionId": HumanTask.id,
         "description": HumanTask.name}
DEFAULT_ORDER = (HumanTask.id,)


def task_json(task, definition_key, definition_version, version_id, assignee_name, owner_name):
    """An open or finished task as Camunda's TaskDto."""
    return {
        "id": str(task.id), "name": task.name, "assignee": assignee_name, "owner": owner_name,
        "created": camunda_time(task.created_at), "lastUpdated": camunda_time(task.claimed_at or task.created_at),
        "due": camunda_time(task.due_at), "followUp": camunda_time(task.follow_up_at),
        "delegationState": "PENDING" if task.owner_id is not None and task.status == "open" else None,
        "description": None, "executionId": task.task_guid, "parentTaskId": None,
        "priority": task.priority if task.priority is not None else 50,
        "processDefinitionId": f"{definition_key}:{definition_version}:{version_id}",
        "processInstanceId": str(task.instance_id), "taskDefinitionKey": task.element_id,
        "caseExecutionId": None, "caseInstanceId": None, "caseDefinitionId": None, "suspended": False,
        "formKey": None,
        "camundaFormRef": {"key": task.form_ref, "binding": "deployment", "version": None} if task.form_ref else None, "tenantId": None,
        "taskState": {"open": "Created", "completed": "Completed", "cancelled": "Deleted"}.get(task.status),
    }


def _row_json(row):
    return task_json(row[0], row.definition_key, row.definition_version, row.version_id, row.assignee_name,
                     row.owner_name)


def _with_paths(query):
    return (query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id))


def _base_query(user, count):
    """Open tasks `user` may see: the listed columns, or (count) a bare count that joins paths only when a
    filter needs them."""
    if count:
        query = sa.select(sa.func.count(HumanTask.id)).select_from(HumanTask)
    else:
        query = (_with_paths(sa.select(*COLUMNS)).outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
                 .outerjoin(Owner, Owner.id == HumanTask.owner_id))
    return query.where(HumanTask.status == "open", authorization.task_list_condition(user))


def _user_id(username):
    return sa.select(User.id).where(User.username == username).scalar_subquery()


def tasks_query(params, user, count=False):
    """The query object of /task (GET parameters or POST body), limited to what `user` may see: the rows, or
    (count) their number."""
    query = _base_query(user, count)
    joined = not count

    def where_on_paths(condition):  # a filter on the path or its definition
        nonlocal query, joined
        if not joined:
            query, joined = _with_paths(query), True
        query = query.where(condition)

    if text_param(params, "assignee"):
        query = query.where(HumanTask.assignee_id == _user_id(params["assignee"]))
    if text_param(params, "owner"):
        query = query.where(HumanTask.owner_id == _user_id(params["owner"]))
    if text_param(params, "candidateUser"):
        candidate = user_by_username(db.session, params["candidateUser"])
        query = query.where(authorization.candidate_condition(candidate) if candidate else sa.false())
    if text_param(params, "candidateGroup"):
        name = params["candidateGroup"]
        known = db.session.scalar(sa.select(Group.id).where(Group.name == name))
        query = query.where(HumanTask.assignee_id.is_(None),
                            sa.cast(HumanTask.candidate_groups, sa.String).like(f'%"{name}"%') if known else sa.false())
    if flag(params, "assigned"):
        query = query.where(HumanTask.assignee_id.is_not(None))
    if flag(params, "unassigned"):
        query = query.where(HumanTask.assignee_id.is_(None))
    if text_param(params, "processInstanceId"):
        query = query.where(HumanTask.instance_id == parse_id(params["processInstanceId"]))
    if text_param(params, "processInstanceBusinessKey"):
        where_on_paths(ProcessInstance.business_key == params["processInstanceBusinessKey"])
    if text_param(params, "processDefinitionKey"):
        where_on_paths(ProcessVersion.key == params["processDefinitionKey"])
    if text_param(params, "processDefinitionId"):
        where_on_paths(ProcessVersion.id == parse_id(params["processDefinitionId"].rpartition(":")[2]))
    if text_param(params, "taskDefinitionKey"):
        query = query.where(HumanTask.element_id == params["taskDefinitionKey"])
    if text_param(params, "name"):
        query = query.where(HumanTask.name == params["name"])
    if text_param(params, "nameLike"):
        query = query.where(HumanTask.name.like(params["nameLike"]))
    for name, column, compare in (("dueBefore", HumanTask.due_at, "lt"), ("dueAfter", HumanTask.due_at, "gt"),
                                  ("dueDate", HumanTask.due_at, "eq"),
                                  ("followUpBefore", HumanTask.follow_up_at, "lt"),
                                  ("followUpAfter", HumanTask.follow_up_at, "gt"),
                                  ("createdBefore", HumanTask.created_at, "lt"),
                                  ("createdAfter", HumanTask.created_at, "gt")):
        if text_param(params, name):
            moment = parse_camunda_time(params[name], name)
            query = query.where({"lt": column < moment, "gt": column > moment, "eq": column == moment}[compare])
    return query


@bp.route("/task", methods=["GET", "POST"])
def tasks():
    """Open tasks the client's user may see, filtered (assignee, candidateUser, candidateGroup, processInstanceId,
    processDefinitionKey, processInstanceBusinessKey, dueBefore/dueAfter, ...), sorted (sortBy/sortOrder, or
    `sorting` in a POST body) and paged (firstResult/maxResults)."""
    params = query_parameters()
    query = tasks_query(params, current_client())
    first, limit = paging()
    order = sorting(params, SORTS) or [HumanTask.id]
    rows = db.session.execute(query.order_by(*order, HumanTask.id).offset(first).limit(limit)).all() if limit else []
    return jsonify([_row_json(row) for row in rows])


@bp.route("/task/count", methods=["GET", "POST"])
def count_tasks():
    """How many open tasks the same query matches: `{"count": n}`."""
    return count_answer(db.session.scalar(tasks_query(query_parameters(), current_client(), count=True)))


def _task_row(task_id):
    """The task with its definition and people, or None."""
    row_id = parse_id(task_id)
    if row_id is None:
        return None
    query = (sa.select(*COLUMNS).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
             .outerjoin(Owner, Owner.id == HumanTask.owner_id).where(HumanTask.id == row_id))
    return db.session.execute(query).first()


def _missing(task_id):
    return NotFound(f"No matching task with id {task_id}")


def listed_task(task_id):
    """An open task the client's user may see in lists (as on the path page); 404 otherwise."""
    row = _task_row(task_id)
    user = current_client()
    if row is None or row[0].status != "open":
        raise _missing(task_id)
    task = row[0]
    if not (authorization.may_see_task(task, user)
            or authorization.may_view_instance(db.session, task.instance, user)):
        raise _missing(task_id)
    return row


def openable_task(task_id):
    """An open task the client's user may open (its data, its actions): 404 when its path is not theirs to
    see, 403 when they see the path but the task is someone else's."""
    row = listed_task(task_id)[0]
    authorization.check_may_see_task(db.session, row, current_client())
    return row


@bp.route("/task/<task_id>")
def task(task_id):
    """One open task."""
    return jsonify(_row_json(listed_task(task_id)))


def _user_in_body(payload, required=True):
    user_id = payload.get("userId")
    if user_id is None and not required:
        return None
    if not isinstance(user_id, str) or not user_id:
        raise InvalidRequest("userId must be a username.", {"userId": "missing or not text"})
    return user_id


@bp.route("/task/<task_id>/claim", methods=["POST"])
def claim(task_id):
    """Claim a group task for `userId` (the caller: nobody claims for someone else): 204."""
    row = openable_task(task_id)
    user = current_client()
    if _user_in_body(json_body(required=True)) != user.username:
        raise Forbidden(f"{user.name} may claim tasks only for themselves, not for another user.")
    if row.assignee_id is not None and row.assignee_id != user.id:
        raise TaskAlreadyClaimed(f"Task '{task_id}' is already claimed by someone else.")
    TaskActions(db.session).claim(row.id, user)
    db.session.commit()
    return "", 204


@bp.route("/task/<task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    """Give a claimed group task back to its group: 204."""
    row = openable_task(task_id)
    TaskActions(db.session).release(row.id, current_client())
    db.session.commit()
    return "", 204


@bp.route("/task/<task_id>/assignee", methods=["POST"])
def set_assignee(task_id):
    """Set the assignee: yourself (claims a group task), someone else (delegates the task you hold), or null
    (gives a claimed group task back): 204."""
    row = openable_task(task_id)
    user = current_client()
    username = _user_in_body(json_body(required=True), required=False)
    actions = TaskActions(db.session)
    if username is None:
        actions.release(row.id, user)
    elif username == user.username:
        if row.assignee_id != user.id:
            actions.claim(row.id, user)
    else:
        target = user_by_username(db.session, username)
        if target is None:
            raise InvalidRequest(f"There is no user {username!r}.", {"userId": "unknown user"})
        actions.delegate(row.id, user, target)
    db.session.commit()
    return "", 204


@bp.route("/task/<task_id>/complete", methods=["POST"])
def complete(task_id):
    """Complete the task with `variables` (checked by its form when it has one); 204, or 200 with the path's
    variables when `withVariablesInReturn`."""
    row = openable_task(task_id)
    payload = json_body()
    variables = from_typed(payload.get("variables"))
    runtime = Runtime(db.session)
    outcome = runtime.complete(row.id, variables, current_client(), free_variables=True)
    answer = None
    if payload.get("withVariablesInReturn") is True:
        answer = typed_map(runtime.current_data(outcome.instance))
    db.session.commit()
    return (jsonify(answer), 200) if answer is not None else ("", 204)


def _task_data(row):
    return Runtime(db.session).task_data(row)


def _names():
    names = request.args.get("variableNames")
    return set(names.split(",")) if names else None


@bp.route("/task/<task_id>/form-variables")
def form_variables(task_id):
    """The values the task's form starts from, typed (`variableNames` limits them)."""
    return jsonify(typed_map(_task_data(openable_task(task_id)), _names()))


@bp.route("/task/<task_id>/variables")
def task_variables(task_id):
    """The variables the task sees, typed."""
    return jsonify(typed_map(_task_data(openable_task(task_id)), _names()))


@bp.route("/task/<task_id>/variables/<name>")
def task_variable(task_id, name):
    """One variable the task sees; 404 when there is none of that name."""
    data = _task_data(openable_task(task_id))
    if name not in data or name.startswith("_"):
        raise NotFound(f"task variable with name {name} does not exist")
    return jsonify(to_typed(data[name]))
