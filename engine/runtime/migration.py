"""Moving running paths to a newer version of their process.

`plan` says, for one instance, which of its waiting steps map onto the new
version and which cannot (with the reason), and proves the move by doing it on
a throw-away copy. `migrate` applies a plan that has no problems: the waiting
steps keep their identity (so their inbox rows, assignees and due dates stay),
the instance points at the new version, and its history says so.
"""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict
from engine.diagrams.specs import SERIALIZER, SPECS, dump_state, load_state

WAITING_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED
RESET_STATES = TaskState.READY | TaskState.WAITING


class MigrationNotPossible(Conflict):
    """The instance cannot move to that version; `errors['problems']` says why."""

    code = "migration_not_possible"


@dataclass
class StepMapping:
    """One waiting step of the instance and where it lands in the new version."""

    element_id: str
    name: str
    new_name: str | None = None
    changed: list = field(default_factory=list)   # attributes that differ in the new version
    reason: str | None = None                     # why it cannot be mapped

    @property
    def ok(self):
        return self.reason is None

    def as_dict(self):
        return {"element_id": self.element_id, "name": self.name, "new_name": self.new_name,
                "changed": self.changed, "ok": self.ok, "reason": self.reason}


@dataclass
class MigrationPlan:
    """What moving one instance to `target` would do; `problems` empty means it can be applied."""

    instance: object
    target: object
    steps: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def as_dict(self):
        return {"instance_id": self.instance.id, "from_version": self.instance.process_version.version,
                "to_version": self.target.version, "ok": self.ok, "problems": self.problems,
                "steps": [step.as_dict() for step in self.steps]}


def _label(spec):
    return f"\u201c{spec.bpmn_name or spec.bpmn_id}\u201d ({spec.bpmn_id})"


def _diffs(workflow, target):
    """(sub-workflow, its spec in the target or None, SpecDiff, WorkflowDiff) for the workflow and each
    sub-workflow (call activities, sub-processes)."""
    spec, dependencies = SPECS.get(target)
    result = []
    for sub in (workflow, *workflow.subprocesses.values()):
        new_spec = spec if sub is workflow else dependencies.get(sub.spec.name)
        if new_spec is None:
            result.append((sub, None, None, None))
            continue
        spec_diff = SpecDiff(SERIALIZER.registry, sub.spec, new_spec)
        result.append((sub, new_spec, spec_diff, WorkflowDiff(sub, spec_diff)))
    return dependencies, result


def _is_step(spec):
    """Steps worth naming to a process owner: user tasks, events that wait, called processes."""
    return spec.bpmn_id is not None and (spec.manual or isinstance(spec, (CatchingEvent, SubWorkflowTask)))


def _check(workflow, target, plan):
    """Fill `plan` from a diff of the live workflow against the target version."""
    _dependencies, diffs = _diffs(workflow, target)
    for sub, new_spec, spec_diff, diff in diffs:
        if new_spec is None:
            plan.problems.append(f"the called process \u201c{sub.spec.name}\u201d is not part of version "
                                 f"{target.version}")
            continue
        for task in sub.get_tasks(skip_subprocesses=True):
            spec = task.task_spec
            if spec.bpmn_id is None or task.state & TaskState.PREDICTED_MASK:
                continue
            waiting = bool(task.state & WAITING_STATES)
            if task in diff.removed:
                if waiting:
                    plan.steps.append(StepMapping(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                                  reason=f"it does not exist in version {target.version}"))
                    plan.problems.append(f"the path waits at {_label(spec)}, which version {target.version} "
                                         f"removes")
                elif task.state & TaskState.FINISHED_MASK:
                    plan.problems.append(f"the path has already passed {_label(spec)}, which version "
                                         f"{target.version} removes; its history could not be kept")
            elif waiting and _is_step(spec):
                new = diff.alignment[task]
                changed = [CHANGE_LABELS.get(name, name) for name in spec_diff.changed.get(spec, [])
                           if name not in IGNORED_CHANGES]
                plan.steps.append(StepMapping(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                              new_name=new.bpmn_name or new.bpmn_id, changed=changed))


# Spec attributes as a process owner would call them; structural ones are not worth listing.
CHANGE_LABELS = {"bpmn_name": "name", "bpmn_id": "id", "extensions": "assignment, form or dates", "lane": "lane",
                 "script": "script", "typename": "kind of element"}
IGNORED_CHANGES = {"inputs", "outputs", "name", "data_input_associations", "data_output_associations",
                   "io_specification", "description", "manual", "lookahead"}


def _move(workflow, target):
    """Point the workflow and its sub-workflows at the target's specs; waiting steps are re-predicted but
    keep their id, data and bookkeeping."""
    dependencies, diffs = _diffs(workflow, target)
    for sub, new_spec, _spec_diff, diff in diffs:
        sub.spec = new_spec
        for task in sub.tasks.values():
            if diff.alignment.get(task) is not None:
                task.task_spec = diff.alignment[task]
        for task in list(sub.get_tasks(state=RESET_STATES, skip_subprocesses=True)):
            if task.id in sub.tasks:
                kept = dict(task.internal_data)  # e.g. which item of a multi-instance this task answers
                task.reset_branch(task.data)
                for name, value in kept.items():
                    task.internal_data.setdefault(name, value)
        if sub.last_task is not None and sub.last_task.id not in sub.tasks:
            sub.last_task = None
    workflow.subprocess_specs = dependencies


def plan(runtime, instance, target):
    """A MigrationPlan for moving `instance` to the process version `target` (nothing is changed)."""
    result = MigrationPlan(instance, target)
    source = instance.process_version
    if target.key != source.key:
        result.problems.append(f"version {target.version} belongs to \u201c{target.key}\u201d, not to "
                               f"\u201c{source.key}\u201d")
        return result
    if target.id == source.id:
        result.problems.append(f"the path already runs on version {target.version}")
        return result
    if instance.status not in ("running", "incident"):
        result.problems.append(f"the path is {instance.status}; only running paths move")
        return result
    workflow = runtime.restore(instance)
    _check(workflow, target, result)
    if result.ok:
        try:  # prove it: move a copy and read it back with the target's spec
            _move(workflow, target)
            load_state(target, dump_state(workflow), runtime._script_engine())
        except (SpiffWorkflowException, KeyError, ValueError, TypeError, AttributeError) as exc:
            result.problems.append(f"the path could not be read back on version {target.version}: {exc}")
    return result


def migrate(runtime, instance, target, actor):
    """Move `instance` to `target` (locking it); raises MigrationNotPossible with the plan's problems."""
    instance = runtime.lock_instance(instance.id)
    checked = plan(runtime, instance, target)
    if not checked.ok:
        raise MigrationNotPossible(
            f"Path {instance.id} cannot move to version {target.version}: " + "; ".join(checked.problems) + ".",
            errors={"problems": checked.problems})
    source = instance.process_version
    workflow = runtime.restore(instance)
    _move(workflow, target)
    instance.process_version = target
    runtime.record_event(instance, actor, "migrated",
                         message=f"Moved from version {source.version} to version {target.version} by "
                                 f"{actor.name if actor else 'the system'}",
                         data={"from_version": source.version, "to_version": target.version,
                               "steps": [step.as_dict() for step in checked.steps]})
    runtime.continue_after_change(instance, workflow, actor)
    return checked


def shared_steps(source, target):
    """Element ids of the steps (user tasks, waiting events, called processes) both versions' main process
    has: where a waiting path lands when it moves (a step keeps its element id)."""
    steps = []
    for version in (source, target):
        spec, _dependencies = SPECS.get(version)
        steps.append({s.bpmn_id for s in spec.task_specs.values() if _is_step(s)})
    return sorted(steps[0] & steps[1])
