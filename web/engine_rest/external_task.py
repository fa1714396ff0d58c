"""/engine-rest/external-task: workers fetch and lock, complete, fail, report BPMN errors, extend and release
locks; lists, counts and retries for HR, process owners and workers (engine/connect/external_tasks.py says who).

fetchAndLock long-polls (`asyncResponseTimeout`) without holding a database connection: each try is one short
transaction; between tries the request waits for fetchable tasks to be announced (engine/connect/arrivals.py: in this
process, or by PostgreSQL NOTIFY from any) or at most EXTERNAL_TASK_POLL_SECONDS (5) for expired locks.
"""
import time

import sqlalchemy as sa
from flask import Response, current_app, jsonify
from engine.connect import arrivals, external_tasks
from engine.store.integration_models import ExternalTask
from engine.store.models import ProcessVersion
from engine.runtime.runner import Runtime
from engine.diagrams.workflow_tasks import find_task

from ..extensions import db
from .common import (InvalidRequest, bp, camunda_time, count_answer, current_client, flag, json_body, paging,
                     query_parameters, text_param)
from .variables import from_typed, typed_map

MAX_WAIT_MS = 1_800_000  # Camunda's upper bound for asyncResponseTimeout
RESERVED_EXTENSIONS = {"external", "java", "connector", "line", "mappings", "camunda"}


# -- answers ----------------------------------------------------------------------------------------------------------

def _version(row):
    return db.session.get(ProcessVersion, row.process_version_id)


def task_json(row):
    """An external task as Camunda's ExternalTaskDto."""
    version = _version(row)
    return {
        "id": str(row.id), "activityId": row.element_id, "activityInstanceId": f"{row.element_id}:{row.task_guid}",
        "errorMessage": row.error_message, "executionId": row.task_guid,
        "lockExpirationTime": camunda_time(row.lock_expires_at), "createTime": camunda_time(row.created_at),
        "processDefinitionId": version.definition_id if version else None,
        "processDefinitionKey": row.process_key, "processDefinitionVersionTag": None,
        "processInstanceId": str(row.instance_id), "tenantId": None, "retries": row.retries, "suspended": False,
        "workerId": row.worker_id, "topicName": row.topic, "priority": row.priority, "businessKey": row.business_key,
    }


def _extension_properties(runtime, row):
    task = find_task(runtime.restore(row.instance), row.task_guid)
    extensions = getattr(task.task_spec, "extensions", {}) if task is not None else {}
    return {key: value for key, value in extensions.items() if key not in RESERVED_EXTENSIONS
            and isinstance(value, str)}


# -- fetch and lock ---------------------------------------------------------------------------------------------------

def _number(payload, name, default=None, minimum=0):
    value = payload.get(name, default)
    if value is None:
        raise InvalidRequest(f"{name} is required.", {name: "missing"})
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidRequest(f"{name} must be a whole number of at least {minimum}, not {value!r}.",
                             {name: "not a whole number"})
    return value


def _topics(payload):
    raw = payload.get("topics")
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("topics must be a list of {topicName, lockDuration}.", {"topics": "missing"})
    topics = []
    for index, topic in enumerate(raw):
        where = f"topics.{index}"
        if not isinstance(topic, dict) or not isinstance(topic.get("topicName"), str) or not topic["topicName"]:
            raise InvalidRequest(f"{where}: topicName is required.", {f"{where}.topicName": "missing"})
        lock = topic.get("lockDuration")
        if isinstance(lock, bool) or not isinstance(lock, int) or lock <= 0:
            raise InvalidRequest(f"{where}: lockDuration must be a positive number of milliseconds.",
                                 {f"{where}.lockDuration": "not a positive whole number"})
        names = topic.get("variables")
        if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise InvalidRequest(f"{where}: variables must be a list of names.", {f"{where}.variables": "not a list"})
        keys = topic.get("processDefinitionKeyIn")
        if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            raise InvalidRequest(f"{where}: processDefinitionKeyIn must be a list of keys.",
                                 {f"{where}.processDefinitionKeyIn": "not a list"})
        for name in ("processDefinitionKey", "businessKey"):
            if topic.get(name) is not None and not isinstance(topic[name], str):
                raise InvalidRequest(f"{where}: {name} must be text.", {f"{where}.{name}": "not text"})
        wanted = topic.get("processVariables") or {}
        if not isinstance(wanted, dict):
            raise InvalidRequest(f"{where}: processVariables must be an object.",
                                 {f"{where}.processVariables": "not an object"})
        topics.append(dict(topic, processVariables={
            name: value.get("value") if isinstance(value, dict) else value for name, value in wanted.items()}))
    return topics


def _try_fetch(user, worker_id, topics, max_tasks, use_priority):
    """One short transaction: lock what is available and build the answer (committed), or [] (rolled back)."""
    locked = external_tasks.lock_for_worker(db.session, worker_id, topics, max_tasks, use_priority)
    if not locked:
        db.session.rollback()
        return []
    runtime = Runtime(db.session)
    answer = []
    for row, topic in locked:
        variables = external_tasks.task_variables(runtime, row, topic.get("variables"),
                                                  local_only=bool(topic.get("localVariables")))
        wanted = topic.get("processVariables") or {}
        if wanted and not all(variables.get(k, external_tasks.task_variables(runtime, row).get(k)) == v
                              for k, v in wanted.items()):
            row.worker_id, row.lock_expires_at = None, None
            continue
        item = dict(task_json(row), variables=typed_map(variables), errorDetails=row.error_details,
                    extensionProperties=_extension_properties(runtime, row)
                    if topic.get("includeExtensionProperties") else {})
        answer.append(item)
    db.session.commit()
    return answer


@bp.route("/external-task/fetchAndLock", methods=["POST"])
def external_task_fetch_and_lock():
    """Lock up to maxTasks tasks of the topics for workerId; waits up to asyncResponseTimeout ms for some."""
    user = current_client()
    external_tasks.check_may_work(user)
    payload = json_body(required=True)
    worker_id = payload.get("workerId")
    if not isinstance(worker_id, str) or not worker_id.strip():
        raise InvalidRequest("workerId is required (text naming the worker).", {"workerId": "missing"})
    max_tasks = min(_number(payload, "maxTasks"), 100)
    wait_ms = min(_number(payload, "asyncResponseTimeout", default=0), MAX_WAIT_MS)
    topics = _topics(payload)
    use_priority = bool(payload.get("usePriority"))
    if max_tasks == 0:
        return jsonify([])
    deadline = time.monotonic() + wait_ms / 1000
    poll = current_app.config.get("EXTERNAL_TASK_POLL_SECONDS", 5.0)
    while True:
        answer = _try_fetch(user, worker_id, topics, max_tasks, use_priority)
        remaining = deadline - time.monotonic()
        if answer or remaining <= 0:
            return jsonify(answer)
        arrivals.wait(db.engine, min(remaining, poll))  # no transaction and no connection are held meanwhile


# -- a worker's answers -----------------------------------------------------------------------------------------------

def _task_id(value):
    """An id as a number when it can be one (a row id), else the text (which then matches nothing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return number if 0 < number < 2 ** 31 else value


def _worker(payload):
    worker_id = payload.get("workerId")
    if not isinstance(worker_id, str) or not worker_id:
        raise InvalidRequest("workerId is required.", {"workerId": "missing"})
    return worker_id


@bp.route("/external-task/<task_id>/complete", methods=["POST"])
def external_task_complete(task_id):
    """The worker finished: its variables (and local variables) are set and the path goes on (204)."""
    payload = json_body(required=True)
    external_tasks.complete(db.session, Runtime(db.session), current_client(), _task_id(task_id), _worker(payload),
                            from_typed(payload.get("variables")),
                            from_typed(payload.get("localVariables"), field="localVariables"))
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/<task_id>/failure", methods=["POST"])
def external_task_failure(task_id):
    """The worker failed: retries left make the task fetchable again after retryTimeout ms; none make an
    incident (204)."""
    payload = json_body(required=True)
    message = payload.get("errorMessage")
    details = payload.get("errorDetails")
    if message is not None and not isinstance(message, str) or details is not None and not isinstance(details, str):
        raise InvalidRequest("errorMessage and errorDetails must be text.", {"errorMessage": "not text"})
    external_tasks.handle_failure(db.session, Runtime(db.session), current_client(), _task_id(task_id),
                                  _worker(payload), message, details, _number(payload, "retries"),
                                  _number(payload, "retryTimeout", default=0))
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/<task_id>/bpmnError", methods=["POST"])
def external_task_bpmn_error(task_id):
    """The worker reports a business error, caught by an error boundary event on the task (204)."""
    payload = json_body(required=True)
    code = payload.get("errorCode")
    if not isinstance(code, str) or not code:
        raise InvalidRequest("errorCode is required.", {"errorCode": "missing"})
    message = payload.get("errorMessage")
    external_tasks.handle_bpmn_error(db.session, Runtime(db.session), current_client(), _task_id(task_id),
                                     _worker(payload), code, message if isinstance(message, str) else None,
                                     from_typed(payload.get("variables")))
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/<task_id>/extendLock", methods=["POST"])
def external_task_extend_lock(task_id):
    """More time for the worker holding the lock (newDuration ms from now) (204)."""
    payload = json_body(required=True)
    external_tasks.extend_lock(db.session, current_client(), _task_id(task_id), _worker(payload),
                               _number(payload, "newDuration", minimum=1))
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/<task_id>/unlock", methods=["POST"])
def external_task_unlock(task_id):
    """Release the lock: the task goes back to the pool (204)."""
    external_tasks.unlock(db.session, current_client(), _task_id(task_id))
    arrivals.announce(db.session)
    db.session.commit()
    return Response(status=204)


# -- reading and retries ----------------------------------------------------------------------------------------------

SORTS = {"id": ExternalTask.id, "lockExpirationTime": ExternalTask.lock_expires_at,
         "processInstanceId": ExternalTask.instance_id, "processDefinitionKey": ExternalTask.process_key,
         "taskPriority": ExternalTask.priority, "createTime": ExternalTask.created_at}


def _filtered(params, user):
    query = sa.select(ExternalTask).where(external_tasks.visible_condition(user))
    for name, column in (("topicName", ExternalTask.topic), ("workerId", ExternalTask.worker_id),
                         ("activityId", ExternalTask.element_id), ("processDefinitionKey", ExternalTask.process_key),
                         ("businessKey", ExternalTask.business_key)):
        value = text_param(params, name)
        if value is not None:
            query = query.where(column == value)
    for name, column in (("externalTaskId", ExternalTask.id), ("processInstanceId", ExternalTask.instance_id)):
        value = text_param(params, name)
        if value is not None:
            number = _task_id(value)
            query = query.where(column == number) if isinstance(number, int) else query.where(sa.false())
    now = external_tasks.utcnow()
    locked = sa.and_(ExternalTask.lock_expires_at.is_not(None), ExternalTask.lock_expires_at > now)
    if flag(params, "locked"):
        query = query.where(locked)
    if flag(params, "notLocked"):
        query = query.where(sa.not_(locked))
    if flag(params, "withRetriesLeft"):
        query = query.where(sa.or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0))
    if flag(params, "noRetriesLeft"):
        query = query.where(ExternalTask.retries == 0)
    for name, op in (("priorityHigherThanOrEquals", "__ge__"), ("priorityLowerThanOrEquals", "__le__")):
        value = params.get(name)
        if value not in (None, ""):
            try:
                query = query.where(getattr(ExternalTask.priority, op)(int(value)))
            except (TypeError, ValueError):
                raise InvalidRequest(f"{name} must be a whole number.", {name: "not a number"}) from None
    return query


def _ordered(query, params):
    sorting = params.get("sorting") if isinstance(params.get("sorting"), list) else [
        {"sortBy": params.get("sortBy"), "sortOrder": params.get("sortOrder")}] if params.get("sortBy") else []
    order = []
    for item in sorting:
        if not isinstance(item, dict):
            raise InvalidRequest("sorting must be a list of {sortBy, sortOrder}.", {"sorting": "not a list of objects"})
        column = SORTS.get(item.get("sortBy"))
        if column is None:
            raise InvalidRequest(f"sortBy must be one of {', '.join(SORTS)}.", {"sortBy": "unknown"})
        order.append(column.desc() if (item.get("sortOrder") or "asc") == "desc" else column.asc())
    return query.order_by(*order, ExternalTask.id)


@bp.route("/external-task", methods=["GET", "POST"])
def external_task_list():
    """External tasks the caller may see (filters as in Camunda: topicName, workerId, locked, notLocked,
    withRetriesLeft, noRetriesLeft, processInstanceId, processDefinitionKey, activityId, priority bounds)."""
    params = query_parameters()
    first, limit = paging()
    rows = db.session.scalars(_ordered(_filtered(params, current_client()), params).offset(first).limit(limit)).all()
    return jsonify([task_json(row) for row in rows])


@bp.route("/external-task/count", methods=["GET", "POST"])
def external_task_count():
    """How many external tasks match the same filters."""
    query = _filtered(query_parameters(), current_client())
    return count_answer(db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())))


@bp.route("/external-task/topic-names")
def external_task_topic_names():
    """The topics of the external tasks the caller may see."""
    query = sa.select(ExternalTask.topic).where(external_tasks.visible_condition(current_client())).distinct()
    return jsonify(sorted(db.session.scalars(query).all()))


@bp.route("/external-task/<task_id>")
def external_task_get(task_id):
    """One external task."""
    return jsonify(task_json(external_tasks.get_task(db.session, current_client(), _task_id(task_id))))


@bp.route("/external-task/<task_id>/errorDetails")
def external_task_error_details(task_id):
    """The details a worker sent with its last failure, as text."""
    row = external_tasks.get_task(db.session, current_client(), _task_id(task_id))
    return Response(row.error_details or "", mimetype="text/plain")


def _retries(payload):
    return _number(payload, "retries")


@bp.route("/external-task/<task_id>/retries", methods=["PUT"])
def external_task_set_retries(task_id):
    """Set a task's retries; more than 0 resolves the incident its failure caused (204)."""
    payload = json_body(required=True)
    row = external_tasks.get_task(db.session, current_client(), _task_id(task_id))
    external_tasks.set_retries(db.session, Runtime(db.session), current_client(), [row], _retries(payload))
    arrivals.announce(db.session)
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/retries", methods=["PUT"])
def external_task_set_many_retries():
    """Set the retries of tasks named by externalTaskIds and/or processInstanceIds (204)."""
    payload = json_body(required=True)
    retries = _retries(payload)
    ids, instance_ids = payload.get("externalTaskIds") or [], payload.get("processInstanceIds") or []
    if not isinstance(ids, list) or not isinstance(instance_ids, list) or not (ids or instance_ids):
        raise InvalidRequest("Name the tasks: externalTaskIds and/or processInstanceIds (lists of ids).",
                             {"externalTaskIds": "missing"})
    numbers = [_task_id(v) for v in ids + instance_ids]
    if not all(isinstance(n, int) for n in numbers):
        raise InvalidRequest("Ids must be numbers as text.", {"externalTaskIds": "not ids"})
    user = current_client()
    condition = sa.or_(ExternalTask.id.in_([_task_id(v) for v in ids]),
                       ExternalTask.instance_id.in_([_task_id(v) for v in instance_ids]))
    rows = db.session.scalars(sa.select(ExternalTask).where(condition, external_tasks.visible_condition(user))).all()
    external_tasks.set_retries(db.session, Runtime(db.session), user, rows, retries)
    arrivals.announce(db.session)
    db.session.commit()
    return Response(status=204)


@bp.route("/external-task/<task_id>/priority", methods=["PUT"])
def external_task_set_priority(task_id):
    """Set a task's priority (workers fetching with usePriority take higher ones first) (204)."""
    payload = json_body(required=True)
    priority = payload.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidRequest("priority must be a whole number.", {"priority": "not a number"})
    user = current_client()
    row = external_tasks.get_task(db.session, user, _task_id(task_id))
    if not external_tasks.sees_all(user):
        raise external_tasks.Forbidden(f"{user.name} may not change priorities.")
    row.priority = priority
    db.session.commit()
    return Response(status=204)
