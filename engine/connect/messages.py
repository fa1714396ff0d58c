"""Messages and signals from other systems, as Camunda 7 correlates them.

A message (by name) goes to the paths waiting for it (intermediate catch events,
receive tasks, message boundary events), narrowed by business key, path id and
correlation keys (process variables that must be equal); when no path waits, it
starts a path of each process whose start event waits for it. Without `all`,
exactly one must match (Camunda's MismatchingMessageCorrelationException
otherwise). A signal goes to every waiting signal event the caller may affect.

Who: members of `workers` (other systems' accounts) and HR reach every path;
anyone else only the paths they may see, and starts paths only as the pages
allow (their own, their reports', ...).
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine.rights import authorization
from engine.directory.org import user_by_username
from engine.errors import Conflict, DomainError, NotFound
from engine.diagrams.external_specs import REST_VARIABLES
from engine.store.integration_models import EventSubscription
from engine.store.models import ProcessInstance, ProcessVersion
from engine.diagrams.specs import SPECS
from engine.diagrams.workflow_tasks import find_task


class MismatchingCorrelation(DomainError):
    """No target, or more than one without `all` (Camunda answers 400 with this type)."""

    status = 400
    code = "MismatchingMessageCorrelationException"


@dataclass
class Correlation:
    """One thing a message reached: a waiting path ("Execution") or a path it started ("ProcessDefinition")."""

    result_type: str
    instance: ProcessInstance
    element_id: str | None = None
    variables: dict = field(default_factory=dict)


def _reaches_all(user):
    return authorization.is_worker(user) or authorization.is_hr(user)


def _definitions(definition):
    if isinstance(definition, MultipleEventDefinition):
        return definition.event_definitions
    return [definition]


def _matching_definition(task_spec, kind, name):
    for definition in _definitions(getattr(task_spec, "event_definition", None)):
        if kind == "message" and isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
        if kind == "signal" and isinstance(definition, SignalEventDefinition) and definition.name == name:
            return definition
    return None


def _waiting(session, user, kind, name, business_key=None, instance_id=None):
    """{instance id: [subscription rows]} of running paths waiting for this message or signal."""
    query = (sa.select(EventSubscription).join(ProcessInstance, ProcessInstance.id == EventSubscription.instance_id)
             .where(EventSubscription.kind == kind, EventSubscription.name == name,
                    ProcessInstance.status == "running").order_by(EventSubscription.id))
    if business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    if not _reaches_all(user):
        query = query.where(ProcessInstance.id.in_(
            authorization.visible_instances_query(user).with_only_columns(ProcessInstance.id)))
    waiting = {}
    for row in session.scalars(query):
        waiting.setdefault(row.instance_id, []).append(row)
    return waiting


def _start_versions(session, kind, name):
    """(version, start event spec) of the newest version of each process whose start event waits for this."""
    newest = sa.select(ProcessVersion.key, sa.func.max(ProcessVersion.version).label("version")).group_by(
        ProcessVersion.key).subquery()
    versions = session.scalars(sa.select(ProcessVersion).join(
        newest, sa.and_(ProcessVersion.key == newest.c.key, ProcessVersion.version == newest.c.version))
        .order_by(ProcessVersion.key)).all()
    found = []
    for version in versions:
        spec, _subprocesses = SPECS.get(version)
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, StartEvent) and _matching_definition(task_spec, kind, name) is not None:
                found.append((version, task_spec))
                break
    return found


def correlate(runtime, user, message_name, business_key=None, instance_id=None, correlation_keys=None,
              variables=None, correlate_all=False):
    """Deliver a message; returns [Correlation]. Raises MismatchingCorrelation as Camunda does."""
    session = runtime.session
    waiting = _waiting(session, user, "message", message_name, business_key, instance_id)
    executions = []  # (instance id, subscription row)
    for found_id, rows in waiting.items():
        if correlation_keys:
            instance = session.get(ProcessInstance, found_id)
            workflow = runtime.restore(instance)
            rows = [row for row in rows if _keys_match(workflow, row, correlation_keys)]
        executions += [(found_id, row) for row in rows]
    starts = []
    if instance_id is None and (correlate_all or not executions):
        starts = _start_versions(session, "message", message_name)
    if not correlate_all:
        if len(executions) > 1:
            raise MismatchingCorrelation(
                f"Cannot correlate a message with name '{message_name}' to a single execution. {len(executions)} "
                f"executions match the correlation keys: paths {', '.join(str(i) for i, _row in executions)}")
        if not executions and len(starts) > 1:
            raise MismatchingCorrelation(
                f"Cannot correlate a message with name '{message_name}' to a single process definition. "
                f"{len(starts)} process definitions match: {', '.join(v.key for v, _spec in starts)}")
        if not executions and not starts:
            raise MismatchingCorrelation(f"Cannot correlate message '{message_name}': No process definition or "
                                         f"execution matches the parameters")
        if executions:
            starts = []
    results = []
    delivered = set()
    for found_id, row in executions:
        if (found_id, row.task_guid) in delivered:
            continue
        delivered.add((found_id, row.task_guid))
        result = _deliver(runtime, user, found_id, row.task_guid, "message", message_name, variables)
        if result is not None:
            results.append(result)
    for version, _start_spec in starts:
        results.append(_start_by_event(runtime, user, version, "message", message_name, business_key, variables))
    if not results and not correlate_all:
        raise MismatchingCorrelation(f"Cannot correlate message '{message_name}': No process definition or "
                                     f"execution matches the parameters")
    return results


def _keys_match(workflow, row, correlation_keys):
    task = find_task(workflow, row.task_guid)
    data = task.data if task is not None else {}
    return all(name in data and data[name] == value for name, value in correlation_keys.items())


def _deliver(runtime, user, instance_id, task_guid, kind, name, variables):
    """Let one waiting event of a path catch the message or signal, and run the path on."""
    instance = runtime.lock_instance(instance_id)
    if instance.status != "running":
        return None
    workflow = runtime.restore(instance)
    task = find_task(workflow, task_guid)
    definition = _matching_definition(task.task_spec, kind, name) if task is not None else None
    if definition is None or task.state != TaskState.WAITING:
        return None
    payload = {REST_VARIABLES: dict(variables or {})} if kind == "message" else dict(variables or {})
    event = BpmnEvent(definition, payload=payload)

    def step():
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
        workflow.do_engine_steps()

    what = "Message" if kind == "message" else "Signal"
    runtime.record_event(instance, user, f"{kind}_received", element_id=task.task_spec.bpmn_id,
                         message=f"{what} \u201c{name}\u201d received from {user.name}", data=dict(variables or {}))
    runtime.advance(instance, workflow, step, user, element_id=task.task_spec.bpmn_id)
    return Correlation("Execution", instance, task.task_spec.bpmn_id, dict(variables or {}))


def _start_by_event(runtime, user, version, kind, name, business_key, variables):
    """Start a path of `version` whose start event waits for this message or signal, and let it catch it."""
    employee = user
    if business_key:
        employee = user_by_username(runtime.session, business_key)
        if employee is None:
            raise NotFound(f"The business key {business_key!r} is not a username: a path is started for an "
                           f"employee, named by their username.")
    outcome = runtime.start_version(version, employee, user, None, started_by_event=True)
    instance = outcome.instance
    workflow = runtime.restore(instance)
    start = next((task for task in workflow.get_tasks(state=TaskState.WAITING)
                  if isinstance(task.task_spec, StartEvent)
                  and _matching_definition(task.task_spec, kind, name) is not None), None)
    definition = _matching_definition(start.task_spec, kind, name)
    payload = {REST_VARIABLES: dict(variables or {})} if kind == "message" else dict(variables or {})
    event = BpmnEvent(definition, payload=payload)  # the message's variables arrive with it, as in Camunda

    def step():
        start.task_spec.catch(start, event)
        start.task_spec._update(start)
        workflow.do_engine_steps()

    what = "message" if kind == "message" else "signal"
    runtime.record_event(instance, user, f"{kind}_received", element_id=start.task_spec.bpmn_id,
                         message=f"Started by the {what} \u201c{name}\u201d from {user.name}")
    runtime.advance(instance, workflow, step, user, element_id=start.task_spec.bpmn_id)
    return Correlation("ProcessDefinition", instance, start.task_spec.bpmn_id, dict(variables or {}))


def signal(runtime, user, name, variables=None, business_key=None):
    """Deliver a signal to every waiting signal event the user may affect (narrowed by business key), and start
    paths of processes whose start event waits for it when a business key names the employee. Returns how many
    events caught it."""
    waiting = _waiting(runtime.session, user, "signal", name, business_key)
    caught = 0
    for instance_id, rows in waiting.items():
        for row in rows:
            if _deliver(runtime, user, instance_id, row.task_guid, "signal", name, variables) is not None:
                caught += 1
    if business_key:
        for version, _spec in _start_versions(runtime.session, "signal", name):
            _start_by_event(runtime, user, version, "signal", name, business_key, variables)
            caught += 1
    return caught


def waits_for_event_to_start(version):
    """The message or signal names a process's start events wait for, when it has no plain start event (it can
    only be started by them); else []."""
    spec, _subprocesses = SPECS.get(version)
    starts = [task_spec for task_spec in spec.task_specs.values() if isinstance(task_spec, StartEvent)]
    names = []
    for task_spec in starts:
        definitions = [d for d in _definitions(task_spec.event_definition)
                       if isinstance(d, (MessageEventDefinition, SignalEventDefinition))]
        if not definitions:
            return []
        names += [d.name for d in definitions]
    return names


def check_starts_plainly(version):
    """Raise Conflict when the process can only be started by a message or signal (it would wait forever)."""
    names = waits_for_event_to_start(version)
    if names:
        raise Conflict(f"{version.name} starts when {' or '.join(repr(n) for n in names)} arrives: send it as a "
                       f"message (POST /engine-rest/message with that messageName) or signal instead of starting "
                       f"the path directly. Nothing was started.")
