"""The runtime: start paths, complete tasks, keep the inbox rows and history in step.

`Runtime` is the one place that restores, runs and stores workflows. Each public
method is one user action: it flushes and leaves the commit (or rollback) to the
caller, so a failure anywhere leaves nothing half-written.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.rights import authorization, start_rights, variable_rights
from engine.context import running
from engine.connect.notifications import notify, people_of_task, settle_task_messages
from engine.directory.assignment import AssignmentError
from engine.diagrams.bindings import form_for
from engine.diagrams.versions import latest_version
from engine.directory.org import DIRECTORY_VARIABLES, path_variables
from engine.errors import ConcurrentChange, Conflict, IncidentRaised, NotFound, TaskAlreadyCompleted, ValidationFailed
from engine.connect.external_tasks import release_failed_tasks
from engine.forms.formjs import validate_submission
from engine.connect.messages import check_starts_plainly
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, utcnow
from engine.diagrams.pruning import pruned_elements
from engine.runtime.script_functions import build_functions
from engine.scripts.scripting import CareerScriptEngine
from engine.scripts.restricted import ScriptError
from engine.diagrams.specs import FORMS, dump_state, load_state, new_workflow, task_attributes
from engine.runtime.start_failures import start_failed
from engine.runtime.timers import fire_due, next_timer_at, waiting_timers
from engine.diagrams.node_parsers import initiator_variables
from engine.runtime.inbox_rows import InboxRows, describe_failure
from engine.connect.waits import note_stored_waits, sync_waits
from engine.connect.webhooks import announce_to_webhooks
from engine.diagrams.workflow_tasks import find_task, form_context, multi_instance_item

ENGINE_ERRORS = (SpiffWorkflowException, ScriptError, AssignmentError)


@dataclass
class Outcome:
    """What a user action did: the instance and the tasks that are now open for people."""

    instance: ProcessInstance
    completed: HumanTask | None = None
    opened: list = field(default_factory=list)


class Runtime(InboxRows):
    """Runs process instances against one database session, with an injectable clock."""

    def __init__(self, session, clock=utcnow):
        self.session = session
        self.clock = clock
        self._history = []  # (task row or None, instance_event entry), written by _flush
        self._unannounced = []  # new task rows whose people are told once the rows have ids
        self._finished = []  # task rows completed or withdrawn: their messages need nobody any more

    # -- starting -------------------------------------------------------------------------

    def start(self, process_key, employee, started_by, variables=None):
        """Start the latest version of `process_key` for `employee`; returns an Outcome."""
        version = latest_version(self.session, process_key)
        if version is None:
            raise NotFound(f'No process "{process_key}" is deployed.')
        return self.start_version(version, employee, started_by, variables)

    def start_version(self, version, employee, started_by, variables=None, started_by_event=False):
        """Start a given process version for `employee` (the business key). A process whose start events all
        wait for a message or signal is started by that (engine/connect/messages.py, `started_by_event`), not here."""
        authorization.check_may_start(employee, started_by)
        start_rights.check_may_start_process(self.session, version, started_by, employee)
        variable_rights.check_start_variables(version, variables, started_by)
        if not started_by_event:
            check_starts_plainly(version)
        workflow = new_workflow(version, self._script_engine())
        data = dict(variables or {})
        data.update(dict.fromkeys(initiator_variables(workflow.spec), started_by.username))  # camunda:initiator
        data.update(path_variables(employee))  # the directory's facts win over anything a caller sent
        workflow.task_tree.data.update(data)
        instance = ProcessInstance(process_version=version, business_key=employee.username, employee=employee,
                                   started_by=started_by, status="running", state={})
        self.session.add(instance)
        self.session.flush()
        self._event(instance, started_by, "started", message=f"{version.name} started for {employee.name}")
        try:
            self._run(instance, workflow, lambda: workflow.do_engine_steps(), element_id=None)
            opened = self._sync(instance, workflow, started_by)
            self._store(instance, workflow)
        except IncidentRaised as exc:  # the caller rolls the start back; engine/runtime/start_failures.py tells HR
            self._history.clear()  # entries of the rolled-back path must not be written with a later action
            self._unannounced.clear()
            raise start_failed(version, employee, started_by, exc.errors.get("element_id"), _reason(exc)) from exc
        return Outcome(instance, opened=opened)

    # -- completing -----------------------------------------------------------------------

    def complete(self, human_task_id, data, actor, free_variables=False):
        """Complete a user task with form data as `actor`: 404 unless they may see it, 409 if already done,
        403/422 otherwise. With `free_variables` (Camunda's complete with variables) a task without a form sets `data`
        as process variables, and a task with one refuses names that are not its fields."""
        instance, row, open_rows = self._lock_task(human_task_id)
        authorization.check_may_see_task(self.session, row, actor)
        if row.status != "open":
            raise TaskAlreadyCompleted(self._already_done_message(row))
        authorization.check_may_complete(row, actor)
        with self.session.no_autoflush:  # everything below is written at the end, by _store
            workflow = self.restore(instance)
            task = self._ready_task(workflow, row)
            schema = self.form_schema(row)
            clean, errors = validate_submission(schema, data, context=form_context(task)) if schema else (
                dict(data) if free_variables else {}, {})
            if free_variables:  # a form is the task's contract; the org directory owns the people variables
                errors.update({name: "is not a field of this task's form" for name in data
                               if schema and name not in clean})
                errors.update({name: "comes from the org directory and cannot be set by a task" for name in data
                               if name in DIRECTORY_VARIABLES})
            if errors:
                raise ValidationFailed("Some answers need attention; nothing was saved.", errors)
            if not multi_instance_item(task):
                variable_rights.check_changed_variables(instance.process_version, task.data, clean, actor)
            self._apply(task, clean)
            row.status = "completed"
            self._finished.append(row)
            row.completed_at = self.clock()
            row.completed_by = actor
            row.outcome = clean
            if row.claimed_by_id is None and row.assignee_id is None:
                row.claimed_by, row.claimed_at = actor, row.completed_at
            self._event(instance, actor, "task_completed", element_id=row.element_id, human_task=row,
                        message=f"{actor.name} completed \u201c{row.title}\u201d", data=clean)
            self._run(instance, workflow, lambda: (task.run(), workflow.do_engine_steps()),
                      element_id=row.element_id)
            opened = self._sync(instance, workflow, actor, [r for r in open_rows if r is not row])
        self._store(instance, workflow)
        return Outcome(instance, completed=row, opened=opened)

    def _lock_task(self, human_task_id):
        """(instance, task row, open rows of the instance) for completing a task: the instance is locked first
        (see `for_change`), then its rows are read, so they are current even when another completion held the
        lock."""
        owner = sa.select(HumanTask.instance_id).where(HumanTask.id == human_task_id).scalar_subquery()
        query = sa.select(ProcessInstance).where(ProcessInstance.id == owner)
        instance = self.session.scalars(for_change(query)).first()
        if instance is None:
            raise NotFound(f"There is no task {human_task_id}.")
        rows = self.session.scalars(
            sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                       sa.or_(HumanTask.id == human_task_id, HumanTask.status == "open"))
            .execution_options(populate_existing=True)).all()
        row = next((r for r in rows if r.id == human_task_id), None)
        if row is None:
            raise NotFound(f"There is no task {human_task_id}.")
        return instance, row, [r for r in rows if r.status == "open"]

    def lock_instance(self, instance_id):
        """Load an instance for change (see `for_change`)."""
        query = sa.select(ProcessInstance).where(ProcessInstance.id == instance_id)
        instance = self.session.scalars(for_change(query)).first()
        if instance is None:
            raise NotFound(f"There is no path {instance_id}.")
        return instance

    def restore(self, instance):
        """The live workflow of an instance, from its state and its version's cached spec."""
        workflow = load_state(instance.process_version, instance.state, self._script_engine())
        note_stored_waits(instance, workflow)
        return workflow

    def task_data(self, row):
        """The data a user task sees (for prefilling its form and showing context)."""
        workflow = self.restore(row.instance)
        task = find_task(workflow, row.task_guid)
        return form_context(task) if task is not None else {}

    def _viewed(self, instance):
        """The workflow of an instance for reading only, restored once per Runtime (pages read it twice)."""
        viewed = self.__dict__.setdefault("_viewed_workflows", {})
        key = (instance.id, instance.lock_version)
        if key not in viewed:
            viewed[key] = self.restore(instance)
        return viewed[key]

    def current_data(self, instance):
        """The path's process variables as they stand after its latest completed step."""
        if not instance.state:
            return {}
        workflow = self._viewed(instance)
        task = workflow.last_task or workflow.task_tree
        return dict(task.data)

    def element_states(self, instance):
        """{element id: "completed" | "active" | "incident"} for the path's own diagram, from its state."""
        states = {}
        if instance.state:
            workflow = self._viewed(instance)
            states.update(dict.fromkeys(pruned_elements(workflow), "completed"))
            for task in workflow.get_tasks(skip_subprocesses=True):
                element_id = task.task_spec.bpmn_id
                if element_id is None:
                    continue
                if task.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED):
                    states[element_id] = "active"
                elif task.state == TaskState.COMPLETED:
                    states.setdefault(element_id, "completed")
        if instance.incident and instance.incident.get("element_id"):
            states[instance.incident["element_id"]] = "incident"
        return states

    def form_schema(self, row):
        """The form-js schema of a task, from the sources of its instance's version."""
        if not row.form_ref:
            return None
        version = row.instance.process_version
        return form_for(self.session, FORMS.get(version), row.form_ref, task_attributes(version, row))

    def record_incident(self, instance_id, element_id, message):
        """Mark an instance as stopped by an incident (after the failed step was rolled back)."""
        instance = self.session.get(ProcessInstance, instance_id)
        if instance is None:
            return
        instance.incident = {"element_id": element_id, "message": message, "at": self.clock().isoformat()}
        instance.status = "incident"
        self._event(instance, None, "incident", element_id=element_id, message=message)
        self._flush()

    def fire_timers(self, instance):
        """Fire the due timers of a running path the caller has locked (the worker claims it); returns the
        Outcome, or None when the path no longer runs."""
        if instance.status != "running":
            instance.next_timer_at = None
            return None
        workflow = self.restore(instance)
        before = waiting_timers(workflow)
        self._run(instance, workflow, lambda: fire_due(workflow), element_id=None)
        after = waiting_timers(workflow)
        for task_id, (spec, value) in before.items():
            task = find_task(workflow, task_id)
            cancelled = task is not None and task.state == TaskState.CANCELLED
            if not cancelled and after.get(task_id, (None, None))[1] != value:
                self._event(instance, None, "timer_fired", element_id=spec.bpmn_id,
                            message=f"Timer \u201c{spec.bpmn_name or spec.bpmn_id}\u201d fired (due {value})")
        opened = self._sync(instance, workflow, None)
        self._store(instance, workflow)
        return Outcome(instance, opened=opened)

    def retry(self, instance_id, actor):
        """Try a path stopped by an incident again (after a fix such as a migration): fire what is due and run
        the engine; on success the incident is cleared and the people it waits for are told. A new failure
        raises IncidentRaised (and so records the new incident)."""
        instance = self.lock_instance(instance_id)
        if instance.status != "incident":
            raise Conflict(f"Path {instance.id} has no incident to retry; it is {instance.status}.")
        workflow = self.restore(instance)
        self._run(instance, workflow, lambda: fire_due(workflow),
                  element_id=(instance.incident or {}).get("element_id"))
        instance.status, instance.incident = "running", None
        release_failed_tasks(self.session, instance)
        self._event(instance, actor, "incident_resolved",
                    message=f"{actor.name if actor else 'The system'} retried the path; it runs again")
        opened = self._sync(instance, workflow, actor)
        self._store(instance, workflow)
        waiting = self.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                                  HumanTask.status == "open")).all()
        for row in waiting:
            if row not in opened:
                notify(self.session, people_of_task(self.session, row), f"You can continue: {row.title}",
                       f"The problem that stopped this path is fixed. If you submitted \u201c{row.title}\u201d and "
                       f"saw an error, please submit it again.", kind="task", instance_id=instance.id,
                       human_task=row, now=self.clock())
        return Outcome(instance, opened=opened)

    def record_event(self, instance, actor, kind, element_id=None, message="", data=None):
        """Append a history entry to a path (the history is never edited); it is written with the rest of the
        action when the path is stored."""
        self._event(instance, actor, kind, element_id=element_id, message=message, data=data)

    def advance(self, instance, workflow, step, actor, element_id=None):
        """Run `step`, a change from outside (an external task done, a message or signal caught), and the engine
        after it; bring the inbox rows in step and store. Returns the Outcome."""
        self._run(instance, workflow, step, element_id=element_id)
        opened = self._sync(instance, workflow, actor)
        self._store(instance, workflow)
        return Outcome(instance, opened=opened)

    def save(self, instance, workflow=None):
        """Write a path changed from outside its diagram (variables set, path cancelled) without running it:
        its state when `workflow` is given, and its history."""
        if workflow is not None:
            self._store(instance, workflow)
        else:
            self._flush()

    def continue_after_change(self, instance, workflow, actor):
        """After the workflow was changed from outside (migration): run engine steps, clear a past incident,
        bring the inbox rows in step and store the state. Returns the newly opened tasks."""
        self._run(instance, workflow, lambda: workflow.do_engine_steps(), element_id=None)
        if instance.status == "incident":
            instance.status, instance.incident = "running", None
            self._event(instance, actor, "incident_resolved",
                        message="The incident is cleared; the failed step can be tried again")
        opened = self._sync(instance, workflow, actor)
        self._store(instance, workflow)
        return opened

    # -- internals ------------------------------------------------------------------------

    def _script_engine(self):
        return CareerScriptEngine(build_functions(self.session, self.clock))

    def _run(self, instance, workflow, step, element_id):
        try:
            with running(self.clock, instance):
                step()
        except ENGINE_ERRORS as exc:
            failed = getattr(getattr(exc, "task", None), "task_spec", None)
            where = getattr(failed, "bpmn_id", None) or getattr(failed, "source_id", None) or element_id
            raise IncidentRaised(f"The step {where or ''} failed: {describe_failure(exc)}. Nothing was changed; "
                                 f"HR and process owners have been shown the problem.",
                                 errors={"instance_id": instance.id, "element_id": where}) from exc

    def _ready_task(self, workflow, row):
        task = find_task(workflow, row.task_guid)
        if task is None or task.state != TaskState.READY:
            raise ConcurrentChange(f"\u201c{row.title}\u201d is no longer waiting for input; nothing was changed.")
        return task

    @staticmethod
    def _apply(task, clean):
        """Put submitted data into the task; a multi-instance task keeps it in its element variable."""
        item_name = multi_instance_item(task)
        if item_name and isinstance(task.data.get(item_name), dict):
            task.data[item_name] = {**task.data[item_name], **clean}
        else:
            task.data.update(clean)

    def _store(self, instance, workflow):
        sync_waits(self, instance, workflow)  # (takes the messages thrown out of the workflow before it is saved)
        instance.state = dump_state(workflow)
        instance.next_timer_at = next_timer_at(workflow) if not workflow.completed else None
        if workflow.completed and instance.status != "completed":
            instance.status = "completed"
            instance.ended_at = self.clock()
            self._event(instance, None, "completed", message="The path is complete")
        self._flush()

    def _flush(self):
        """Write what this action changed: the ORM rows first (new task rows get their ids), then the history
        entries in one statement, then the messages announcing new tasks. History and messages are append-only
        and never read back within the action, so they skip the ORM's unit of work."""
        try:
            self.session.flush()
        except StaleDataError:
            raise ConcurrentChange("Someone else changed this path at the same moment; "
                                   "nothing was saved. Reload and try again.") from None
        if self._history:
            self.session.execute(InstanceEvent.__table__.insert(), [
                dict(entry, human_task_id=row.id if row is not None else None) for row, entry in self._history])
            announce_to_webhooks(self.session, self._history)
            self._history.clear()
        if self._finished:
            settle_task_messages(self.session, [row.id for row in self._finished], now=self.clock())
            self._finished.clear()
        while self._unannounced:
            row = self._unannounced.pop(0)
            self._announce(row)

    def _event(self, instance, actor, kind, element_id=None, human_task=None, message="", data=None):
        self._history.append((human_task, {"instance_id": instance.id, "at": self.clock(),
                                           "actor_id": actor.id if actor else None, "kind": kind,
                                           "element_id": element_id, "message": message, "data": data}))

    def _already_done_message(self, row):
        if row.status == "completed":
            who = row.completed_by.name if row.completed_by else "someone"
            when = row.completed_at.strftime("%Y-%m-%d %H:%M") if row.completed_at else ""
            return f"\u201c{row.title}\u201d was already completed by {who} {when} UTC; nothing was changed."
        return f"\u201c{row.title}\u201d is no longer open ({row.status}); nothing was changed."


def for_change(query, skip_locked=False):
    """A select of paths made ready to change them: locked (a row lock on PostgreSQL; `skip_locked` for workers
    sharing a queue; a version check on flush everywhere), read fresh, with the version and employee that every
    action needs."""
    return (query.options(joinedload(ProcessInstance.process_version), joinedload(ProcessInstance.employee))
            .with_for_update(of=ProcessInstance, skip_locked=skip_locked)
            .execution_options(populate_existing=True))


def _reason(exc):
    """An incident's message as the cause of a failed start: without "nothing was changed" and the like."""
    text = exc.message.split(" Nothing was changed")[0].rstrip(". ")
    return text[:1].lower() + text[1:]
