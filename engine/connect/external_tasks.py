"""External tasks: work done by a worker outside the app, as in Camunda 7.

An element with `camunda:type="external" camunda:topic="..."` waits (engine/connect/waits.py
writes its `external_task` row). A worker fetches and locks tasks of its topics,
does the work, and completes the task (the path goes on), reports a failure
(retries; none left makes an incident HR can retry), or reports a BPMN error
(caught by an error boundary event on the element). An expired lock returns the
task to the pool. Locking is one conditional UPDATE per task, after a
`FOR UPDATE SKIP LOCKED` select on PostgreSQL, so only one worker ever holds a
task.

Who: members of the `workers` group fetch and work on every external task; HR,
process owners and workers list them and set retries; anyone else sees the
tasks of the paths they may see.
"""
from datetime import timedelta

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine.rights import authorization
from engine.errors import Conflict, DomainError, Forbidden, NotFound
from engine.store.integration_models import ExternalTask
from engine.store.models import ProcessInstance, utcnow
from engine.diagrams.workflow_tasks import find_task


class BadUserRequest(DomainError):
    """What Camunda answers with 400 BadUserRequestException (a wrong worker, a lock that is not held)."""

    status = 400
    code = "BadUserRequestException"


def available(now):
    """SQL condition: the task may be fetched now (not locked, or its lock expired; retries left)."""
    return sa.and_(sa.or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now),
                   sa.or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0))


def may_work(user):
    """Workers fetch, complete and fail external tasks."""
    return authorization.is_worker(user)


def sees_all(user):
    """HR, process owners and workers see every external task; others those of the paths they may see."""
    return authorization.is_worker(user) or authorization.may_handle_incidents(user)


def check_may_work(user):
    """Raise unless the user is a worker account."""
    if not may_work(user):
        raise Forbidden(f"{user.name} may not work on external tasks: only members of the "
                        f"\u201c{authorization.WORKER_GROUP}\u201d group (accounts of connected systems) can.")


def visible_condition(user):
    """SQL condition on ExternalTask: the rows this user may see."""
    if sees_all(user):
        return sa.true()
    return ExternalTask.instance_id.in_(
        authorization.visible_instances_query(user).with_only_columns(ProcessInstance.id))


def get_task(session, user, task_id):
    """One external task the user may see; NotFound in Camunda's words otherwise."""
    row = session.get(ExternalTask, task_id) if isinstance(task_id, int) else None
    if row is None or not session.scalar(sa.select(sa.literal(True)).where(
            ExternalTask.id == row.id, visible_condition(user))):
        raise NotFound(f"External task with id {task_id} does not exist")
    return row


# -- fetching ----------------------------------------------------------------------------------------------------------

def lock_available(session, user, worker_id, topics, max_tasks, use_priority=False, clock=utcnow):
    """Lock up to `max_tasks` available tasks of the given topics for `worker_id`; returns [(row, topic
    request)]. `topics` are dicts: topicName, lockDuration (ms), processDefinitionKey(s), businessKey. Flushes."""
    check_may_work(user)
    return lock_for_worker(session, worker_id, topics, max_tasks, use_priority, clock)


def lock_for_worker(session, worker_id, topics, max_tasks, use_priority=False, clock=utcnow):
    """`lock_available` for a caller that checked the worker already (a long poll tries many times)."""
    now = clock()
    locked = []
    by_name = {}
    for topic in topics:
        by_name.setdefault(topic["topicName"], topic)
    for name, topic in by_name.items():
        if len(locked) >= max_tasks:
            break
        query = (sa.select(ExternalTask.id).join(ProcessInstance, ProcessInstance.id == ExternalTask.instance_id)
                 .where(ExternalTask.topic == name, available(now), ProcessInstance.status == "running"))
        keys = topic.get("processDefinitionKeyIn") or ([topic["processDefinitionKey"]]
                                                          if topic.get("processDefinitionKey") else None)
        if keys:
            query = query.where(ExternalTask.process_key.in_(keys))
        if topic.get("businessKey"):
            query = query.where(ExternalTask.business_key == topic["businessKey"])
        order = (ExternalTask.priority.desc(), ExternalTask.id) if use_priority else (ExternalTask.id,)
        # Read a few more than needed: a row another worker takes between our select and update is skipped.
        query = query.order_by(*order).limit((max_tasks - len(locked)) * 2)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=ExternalTask, skip_locked=True)
        for task_id in session.scalars(query).all():
            if len(locked) >= max_tasks:
                break
            expires = now + timedelta(milliseconds=topic["lockDuration"])
            claimed = session.execute(sa.update(ExternalTask).where(ExternalTask.id == task_id, available(now))
                                      .values(worker_id=worker_id, lock_expires_at=expires)
                                      .execution_options(synchronize_session=False))
            if claimed.rowcount == 1:
                locked.append((task_id, topic))
    rows = {row.id: row for row in session.scalars(sa.select(ExternalTask).where(
        ExternalTask.id.in_([task_id for task_id, _topic in locked])).execution_options(populate_existing=True))}
    return [(rows[task_id], topic) for task_id, topic in locked if task_id in rows]


def task_variables(runtime, row, names=None, local_only=False):
    """The variables an external task sees (all, or `names`; with `local_only` only its input parameters)."""
    workflow = runtime.restore(row.instance)
    task = find_task(workflow, row.task_guid)
    data = dict(task.data) if task is not None else {}
    if local_only:
        local = set(task.internal_data.get("mapped_input_names", [])) if task is not None else set()
        data = {key: value for key, value in data.items() if key in local}
    if names is not None:
        data = {key: value for key, value in data.items() if key in names}
    return data


# -- working on a locked task ------------------------------------------------------------------------------------------

def _locked_by(session, runtime, user, task_id, worker_id, action):
    """(instance locked for change, task row, workflow, spiff task) for a worker acting on its locked task."""
    check_may_work(user)
    row = session.get(ExternalTask, task_id) if isinstance(task_id, int) else None
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    instance = runtime.lock_instance(row.instance_id)
    row = session.scalars(sa.select(ExternalTask).where(ExternalTask.id == task_id)
                          .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    if row.worker_id != worker_id:
        holder = f"It is locked by worker '{row.worker_id}'." if row.worker_id else "It is not locked."
        raise BadUserRequest(f"External Task {task_id} cannot be {action} by worker '{worker_id}'. {holder}")
    workflow = runtime.restore(instance)
    task = find_task(workflow, row.task_guid)
    if task is None or task.state != TaskState.STARTED:
        raise Conflict(f"External task {task_id} no longer waits (its path moved on); nothing was changed.")
    return instance, row, workflow, task


def complete(session, runtime, user, task_id, worker_id, variables=None, local_variables=None):
    """The worker finished: set the variables (local ones only for the element's output mappings) and go on."""
    instance, row, workflow, task = _locked_by(session, runtime, user, task_id, worker_id, "completed")

    def step():
        task.data.update(variables or {})
        if local_variables:
            task.data.update(local_variables)
            names = task.internal_data.setdefault("mapped_input_names", [])
            names.extend(name for name in local_variables if name not in names)
        task.complete()
        workflow.do_engine_steps()

    runtime.record_event(instance, user, "external_task_completed", element_id=row.element_id,
                         message=f"The worker \u201c{worker_id}\u201d completed \u201c{row.element_name or row.element_id}"
                                 f"\u201d", data=dict(variables or {}))
    return runtime.advance(instance, workflow, step, user, element_id=row.element_id)


def handle_failure(session, runtime, user, task_id, worker_id, error_message, error_details, retries,
                   retry_timeout_ms):
    """The worker could not do it: keep the error; with retries left the task is fetchable again after
    `retry_timeout_ms`, with none left the path stops with an incident (HR retries it)."""
    instance, row, _workflow, _task = _locked_by(session, runtime, user, task_id, worker_id, "failed")
    now = runtime.clock()
    row.error_message = (error_message or "")[:1000] or None
    row.error_details = error_details
    row.retries = max(int(retries), 0)
    if row.retries > 0:
        row.lock_expires_at = now + timedelta(milliseconds=max(int(retry_timeout_ms or 0), 0))
        session.flush()
        return
    row.lock_expires_at = None
    session.flush()
    what = row.element_name or row.element_id
    runtime.record_incident(instance.id, row.element_id,
                            f"The worker \u201c{worker_id}\u201d could not do \u201c{what}\u201d (topic "
                            f"\u201c{row.topic}\u201d) and has no retries left: {row.error_message or 'no reason given'}."
                            f" Fix the cause, then retry.")


def handle_bpmn_error(session, runtime, user, task_id, worker_id, error_code, error_message=None, variables=None):
    """The worker reports a business error: an error boundary event on the element with this code (or none)
    catches it and the path takes that flow. Uncaught, the path stops with an incident naming the code (Camunda
    with `enableExceptionsAfterUnhandledBpmnError`; silently ending the branch would hide it from HR)."""
    instance, row, workflow, task = _locked_by(session, runtime, user, task_id, worker_id, "reported")
    event = BpmnEvent(ErrorEventDefinition(error_code, code=error_code), payload=dict(variables or {}),
                      target=task.workflow)
    caught = [waiting for waiting in workflow.event_manager.tasks.values()
              if waiting.task_spec.catches(waiting, event) and waiting.parent is not None
              and task in waiting.parent.children]
    what = row.element_name or row.element_id
    if not caught:
        row.retries, row.lock_expires_at = 0, None
        row.error_message = f"BPMN error {error_code}: {error_message or ''}".strip()[:1000]
        session.flush()
        runtime.record_incident(instance.id, row.element_id,
                                f"The worker \u201c{worker_id}\u201d reported the error \u201c{error_code}\u201d "
                                f"({error_message or 'no message'}) on \u201c{what}\u201d, and no error boundary "
                                f"event there catches it. Add one to the diagram (and migrate the path), then retry.")
        return None

    def step():
        task.data.update(variables or {})
        workflow.catch(event)
        workflow.get_events()  # nothing else should see this error
        workflow.do_engine_steps()

    runtime.record_event(instance, user, "external_task_error", element_id=row.element_id,
                         message=f"The worker \u201c{worker_id}\u201d reported the error \u201c{error_code}\u201d on "
                                 f"\u201c{what}\u201d: {error_message or 'no message'}", data=dict(variables or {}))
    return runtime.advance(instance, workflow, step, user, element_id=row.element_id)


def extend_lock(session, user, task_id, worker_id, new_duration_ms, clock=utcnow):
    """Give the worker holding an unexpired lock more time."""
    check_may_work(user)
    row = session.get(ExternalTask, task_id) if isinstance(task_id, int) else None
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    now = clock()
    if row.worker_id != worker_id or row.lock_expires_at is None or row.lock_expires_at <= now:
        raise BadUserRequest(f"The lock of the External Task {task_id} cannot be extended by worker '{worker_id}'")
    row.lock_expires_at = now + timedelta(milliseconds=new_duration_ms)
    session.flush()


def unlock(session, user, task_id):
    """Release the lock: the task goes back to the pool."""
    row = get_task(session, user, task_id)
    if not (may_work(user) or authorization.may_handle_incidents(user)):
        raise Forbidden(f"{user.name} may not unlock external tasks.")
    row.worker_id, row.lock_expires_at = None, None
    session.flush()


def set_retries(session, runtime, user, rows, retries):
    """Set the retries of tasks; more than 0 resolves the incident their failure caused, 0 makes one."""
    if not sees_all(user):
        raise Forbidden(f"{user.name} may not set retries: HR, process owners and workers can.")
    for row in rows:
        before = row.retries
        row.retries = retries
        instance = session.get(ProcessInstance, row.instance_id)
        if retries > 0 and before == 0 and instance.status == "incident" and \
                (instance.incident or {}).get("element_id") == row.element_id:
            instance.status, instance.incident = "running", None
            runtime.record_event(instance, user, "incident_resolved", element_id=row.element_id,
                                 message=f"{user.name} gave \u201c{row.element_name or row.element_id}\u201d "
                                         f"{retries} more tr{'y' if retries == 1 else 'ies'}; workers can fetch it again")
            runtime.save(instance)
        elif retries == 0 and before != 0:
            session.flush()
            runtime.record_incident(row.instance_id, row.element_id,
                                    f"{user.name} set the retries of \u201c{row.element_name or row.element_id}\u201d "
                                    f"to 0: {row.error_message or 'no error was reported'}.")
    session.flush()


def release_failed_tasks(session, instance):
    """After HR retries a path stopped by an external task's failure, its worker may fetch the task again."""
    session.execute(sa.update(ExternalTask).where(ExternalTask.instance_id == instance.id, ExternalTask.retries == 0)
                    .values(retries=1, lock_expires_at=None).execution_options(synchronize_session="fetch"))
