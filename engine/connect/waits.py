"""What a path waits for from outside, kept in tables as the path is stored: external tasks waiting for a worker
(`external_task`) and messages or signals it can catch (`event_subscription`). Messages a diagram throws that
nothing in it catches are recorded as history entries (kind `message_thrown`), which webhooks pass on.

Diagrams without any such element cost nothing here: the check is cached per parsed spec.
"""
import weakref

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.connect.arrivals import announce
from engine.scripts.expressions import ExpressionSyntaxError
from engine.diagrams.external_specs import external_topic
from engine.store.integration_models import EventSubscription, ExternalTask
from engine.scripts.restricted import ScriptError

_CONNECTED = weakref.WeakKeyDictionary()  # parsed spec -> True when it (or a subprocess spec) waits for the outside


def _connected(workflow):
    """True when the workflow's specs hold an external task or a message/signal event (cached per parsed spec)."""
    known = _CONNECTED.get(workflow.spec)
    if known is None:
        specs = [spec for spec in (workflow.spec, *workflow.subprocess_specs.values()) if spec is not None]
        known = any(external_topic(task_spec) is not None or _event_names(task_spec)
                    for spec in specs for task_spec in spec.task_specs.values())
        _CONNECTED[workflow.spec] = known
    return known


def _event_names(task_spec):
    """[(kind, name)] of the messages and signals a task spec catches or throws."""
    definition = getattr(task_spec, "event_definition", None)
    definitions = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    names = []
    for item in definitions:
        if isinstance(item, MessageEventDefinition):
            names.append(("message", item.name))
        elif isinstance(item, SignalEventDefinition):
            names.append(("signal", item.name))
    return names


def sync_waits(runtime, instance, workflow):
    """Bring the path's external task and subscription rows in step with its workflow (called as it is stored),
    and record the messages it threw to the outside."""
    for event in workflow.get_events():
        if isinstance(event.event_definition, MessageEventDefinition):
            runtime.record_event(instance, None, "message_thrown", message=f"Message \u201c{event.event_definition.name}"
                                 f"\u201d sent", data={"message": event.event_definition.name})
    if not _connected(workflow):
        return
    started, waiting = _waits(instance, workflow)
    now = _signature(started, waiting)
    if getattr(workflow, STORED_WAITS, None) == now:
        return  # the tables already hold these waits (they were stored with the state this action began from)
    session = runtime.session
    _sync_external_tasks(runtime, session, instance, started)
    _sync_subscriptions(session, instance, waiting)
    setattr(workflow, STORED_WAITS, now)


STORED_WAITS = "stored_waits"  # attribute of a restored workflow: the waits its stored state had


def note_stored_waits(instance, workflow):
    """Remember on a workflow just restored from its stored state what it waits for from outside, as the tables
    hold it; storing it again with the same waits then costs no query."""
    if _connected(workflow):
        setattr(workflow, STORED_WAITS, _signature(*_waits(instance, workflow)))


def _waits(instance, workflow):
    """(started external tasks, tasks waiting for a message or signal) of a workflow; none once it is over."""
    if workflow.completed or instance.status in ("completed", "cancelled"):
        return [], []
    started = [task for task in workflow.get_tasks(state=TaskState.STARTED) if external_topic(task.task_spec) is not None]
    return started, list(workflow.event_manager.tasks.values())


def _signature(started, waiting):
    return (frozenset(str(task.id) for task in started),
            frozenset((str(task.id), kind, name) for task in waiting for kind, name in _event_names(task.task_spec)))


def _sync_external_tasks(runtime, session, instance, started):
    rows = {row.task_guid: row for row in session.scalars(
        sa.select(ExternalTask).where(ExternalTask.instance_id == instance.id))}
    current = {str(task.id): task for task in started}
    for guid, row in rows.items():
        if guid not in current:
            session.delete(row)
    created = False
    for guid, task in current.items():
        if guid in rows:
            continue
        spec = task.task_spec
        session.add(ExternalTask(
            instance_id=instance.id, task_guid=guid, element_id=spec.bpmn_id, element_name=spec.bpmn_name,
            topic=external_topic(spec), priority=_priority(task), business_key=instance.business_key,
            process_key=task.workflow.spec.name, process_version_id=instance.process_version_id,
            created_at=runtime.clock()))
        created = True
        runtime.record_event(instance, None, "external_task_created", element_id=spec.bpmn_id,
                             message=f"\u201c{spec.bpmn_name or spec.bpmn_id}\u201d waits for a worker on topic "
                                     f"\u201c{external_topic(spec)}\u201d")
    if created:
        announce(session)  # wakes long-polling workers once this commits


def _priority(task):
    """camunda:taskPriority as a number: a literal, or an expression evaluated against the task's data."""
    text = ((task.task_spec.extensions.get("external") or {}).get("priority") or "").strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = task.workflow.script_engine.evaluate(task, text)
        return int(value)
    except (SpiffWorkflowException, ScriptError, ExpressionSyntaxError, TypeError, ValueError):
        return 0


def _sync_subscriptions(session, instance, waiting):
    wanted = {}
    for task in waiting:
        for kind, name in _event_names(task.task_spec):
            if name:
                wanted[(str(task.id), kind, name)] = task.task_spec.bpmn_id
    rows = session.scalars(sa.select(EventSubscription).where(EventSubscription.instance_id == instance.id)).all()
    have = set()
    for row in rows:
        key = (row.task_guid, row.kind, row.name)
        if key in wanted:
            have.add(key)
        else:
            session.delete(row)
    for (guid, kind, name), element_id in wanted.items():
        if (guid, kind, name) not in have:
            session.add(EventSubscription(instance_id=instance.id, kind=kind, name=name, element_id=element_id,
                                          task_guid=guid))
