"""Movers: when a person's manager changes (Admin › People, the CSV import, SCIM), their running paths follow.

The directory decides every manager step: `manager` is set from it when a path starts, and the Manager lane
(or `camunda:assignee="${manager}"`) gives those steps to that person. So a change of manager moves the open
manager steps of the employee's running paths to the new manager and sets the paths' `manager` and
`manager_name` variables, so that the steps still to come (and reminders) go to them too. Each move is a
history entry and a message to the new manager. Without a new manager, or when the new manager is the person
the step decides on, the step is offered to HR. Each function flushes; the caller commits.
"""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine.directory.assignment import lane_key
from engine.errors import Conflict
from engine.people.leavers import how
from engine.scripts.expressions import is_juel
from engine.directory.successors import REASSIGNED
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, utcnow
from engine.connect.notifications import notify, people_of_task, settle_task_messages
from engine.roles import HR_GROUP
from engine.runtime.runner import Runtime
from engine.rights.separation import is_own_decision
from engine.diagrams.specs import task_attributes
from engine.diagrams.workflow_tasks import find_task

MANAGER_VARIABLE = "manager"
_MANAGER_EXPRESSION = re.compile(r"^\s*[$#]\{\s*manager\s*\}\s*$")
RUNNING = ("running", "incident")


@dataclass
class ManagerMove:
    """What changing managers did: the paths whose variables changed and the tasks that moved."""

    paths: list = field(default_factory=list)
    moved: list = field(default_factory=list)  # (task row, who has it now, in words)

    def describe(self):
        """ "2 open tasks of running paths moved", or that none did."""
        if not self.moved:
            return "no open manager steps to move"
        return f"{len(self.moved)} open manager step{'s' if len(self.moved) != 1 else ''} of running paths moved"


def is_for_manager(attributes, lane):
    """True when a user task goes to the path's manager: `camunda:assignee="${manager}"`, or no assignee or
    candidates in a lane whose variable is `manager` (the Manager lane)."""
    assignee = attributes.get("assignee")
    if assignee:
        return is_juel(assignee) and bool(_MANAGER_EXPRESSION.match(assignee))
    if attributes.get("candidateUsers") or attributes.get("candidateGroups"):
        return False
    return lane_key(lane) == MANAGER_VARIABLE


def check_manager(user, new_manager, inactive_allowed=False):
    """Raise Conflict when `new_manager` cannot be `user`'s manager: themselves, someone deactivated (unless
    `inactive_allowed`: an identity provider's directory is taken as it is), or someone who reports to them (a
    reporting loop)."""
    if new_manager is None:
        return
    if new_manager.id == user.id:
        raise Conflict(f"{user.name} cannot be their own manager.", errors={"manager": "choose someone else"})
    if not new_manager.active and not inactive_allowed:
        raise Conflict(f"{new_manager.name} is deactivated; choose an active manager for {user.name}.",
                       errors={"manager": "deactivated"})
    boss, seen = new_manager, set()
    while boss is not None and boss.id not in seen:
        if boss.id == user.id:
            raise Conflict(f"{new_manager.name} reports to {user.name}: that would make a reporting loop.",
                           errors={"manager": "reports to this person"})
        seen.add(boss.id)
        boss = boss.manager


def change_manager(session, user, new_manager, actor, source, clock=utcnow):
    """Make `new_manager` (None: nobody) `user`'s manager and move their running paths' manager steps to them.
    The same manager again changes nothing. Returns a ManagerMove. SCIM may name a deactivated manager (the
    identity provider's directory is the truth); their steps then go where a leaver's would."""
    if user.manager_id == (new_manager.id if new_manager is not None else None):
        return ManagerMove()
    check_manager(user, new_manager, inactive_allowed=source == "scim")
    user.manager = new_manager
    session.flush()
    return follow_new_managers(session, [user], actor, source, clock)


def follow_new_managers(session, employees, actor, source, clock=utcnow):
    """Bring the running paths of `employees`, whose manager just changed in the directory, in step with it
    (one query finds the paths of them all). Returns a ManagerMove."""
    result = ManagerMove()
    by_id = {employee.id: employee for employee in employees}
    if not by_id:
        return result
    instance_ids = session.scalars(sa.select(ProcessInstance.id).where(
        ProcessInstance.employee_id.in_(list(by_id)), ProcessInstance.status.in_(RUNNING))
        .order_by(ProcessInstance.id)).all()
    runtime = Runtime(session, clock)
    for instance_id in instance_ids:
        instance = runtime.lock_instance(instance_id)
        employee = by_id[instance.employee_id]
        workflow = runtime.restore(instance)
        before = _set_manager_variables(workflow, employee.manager)
        rows = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                          HumanTask.status == "open").order_by(HumanTask.id)
                               .execution_options(populate_existing=True)).all()
        for row in rows:
            task = find_task(workflow, row.task_guid)
            spec = task.task_spec if task is not None else None
            attributes = getattr(spec, "extensions", {}).get("camunda") if spec is not None else None
            if attributes is None:
                attributes = task_attributes(instance.process_version, row)
            if is_for_manager(attributes, spec.lane if spec is not None else row.lane):
                to = _move(session, row, employee, actor, source, clock())
                if to is not None:
                    result.moved.append((row, to))
        new = employee.manager
        runtime.record_event(instance, actor, "manager_changed",
                             message=f"{employee.name}'s manager is now {new.name if new else 'nobody'} (was "
                                     f"{before or 'nobody'}), changed {how(actor, source)}",
                             data={"from": before, "to": new.username if new else None, "source": source})
        runtime.save(instance, workflow)
        result.paths.append(instance)
    return result


def _set_manager_variables(workflow, manager):
    """Set `manager` and `manager_name` wherever the path's waiting and coming steps read them; returns the
    username `manager` held before."""
    targets = [task for task in workflow.get_tasks() if not task.state & (TaskState.COMPLETED | TaskState.CANCELLED)]
    if workflow.last_task is not None:
        targets.append(workflow.last_task)
    targets.append(workflow.task_tree)
    before = workflow.task_tree.data.get(MANAGER_VARIABLE)
    values = {"manager": manager.username if manager else None, "manager_name": manager.name if manager else None}
    for task in targets:
        task.data.update(values)
    return before


def _move(session, row, employee, actor, source, now):
    """Give one open manager step to the employee's new manager (or HR); None when it is theirs already."""
    manager = employee.manager
    if manager is not None and is_own_decision(row, manager):
        manager = None
    if manager is not None and (row.assignee_id == manager.id or row.owner_id == manager.id):
        if row.assignee_id == manager.id and row.owner_id is not None:
            row.owner = None  # delegated to the person who is now the manager: it is simply theirs
        return None
    before = row.owner or row.assignee
    before_text = before.name if before else ", ".join(row.candidate_groups + row.candidate_users) or "nobody"
    if manager is not None and row.owner_id is not None:
        row.owner = manager  # delegated by the old manager: the delegate goes on, and hands it back to the new one
        what = (f"the new manager {manager.name} now owns \u201c{row.title}\u201d (still delegated to "
                f"{row.assignee.name})")
    elif manager is not None:
        row.assignee, row.candidate_users, row.candidate_groups = manager, [], []
        row.claimed_by, row.claimed_at, row.substitute_for = None, None, None
        what = f"\u201c{row.title}\u201d moved from {before_text} to {manager.name}"
    else:
        row.assignee, row.owner, row.candidate_users, row.candidate_groups = None, None, [], [HR_GROUP]
        row.claimed_by, row.claimed_at, row.substitute_for = None, None, None
        what = f"\u201c{row.title}\u201d moved from {before_text} to HR to claim"
    session.add(InstanceEvent(instance_id=row.instance_id, at=now, actor=actor, kind=REASSIGNED,
                              element_id=row.element_id, human_task=row,
                              message=f"{employee.name}'s manager changed {how(actor, source)}: {what}",
                              data={"from": before.username if before else None,
                                    "to": manager.username if manager else None,
                                    "offered_to": None if manager else [HR_GROUP], "reason": "manager changed",
                                    "source": source}))
    session.flush()
    settle_task_messages(session, [row.id], except_user_id=row.assignee_id, now=now)
    if manager is not None:
        notify(session, [manager], f"Your report's task: {row.title}",
               f"You are now {employee.name}'s manager: \u201c{row.title}\u201d in their career path "
               f"{'is yours (delegated to ' + row.assignee.name + ')' if row.owner_id else 'waits for you'}.",
               kind="task", instance_id=row.instance_id, human_task=row, now=now)
        return manager.name
    notify(session, people_of_task(session, row), f"Task available: {row.title}",
           f"{employee.name} has no manager in the directory now. \u201c{row.title}\u201d in their career path is "
           f"offered to HR: claim it to work on it.", kind="task", instance_id=row.instance_id, human_task=row,
           now=now)
    return "HR"
