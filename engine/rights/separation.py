"""Separation of duties: nobody decides on their own path.

A user task on a path either is *for the path's employee* (the diagram assigns
it to the variable `employee`: `camunda:assignee="${employee}"`, or no
assignee and candidates in a lane whose variable is `employee`; or it names her
outright as a literal `camunda:assignee`, or gives it to the `camunda:initiator`
of a path she started herself), or it decides
on her path (a manager's step, a stakeholder review, an approval, a
verification, ...). The employee may not complete, claim, be delegated or stand
in for any task of the second kind; her name is left out of its candidates,
pickers and messages. The task row keeps the person in `decides_on_id`.
"""
import re

from engine.directory.assignment import lane_key
from engine.scripts.expressions import is_juel
from engine.errors import Forbidden

EMPLOYEE_VARIABLE = "employee"
_EMPLOYEE_EXPRESSION = re.compile(r"^\s*[$#]\{\s*employee\s*\}\s*$")


def is_for_employee(task_spec, employee_username=None):
    """True when the diagram gives this user task to the path's employee herself."""
    attributes = getattr(task_spec, "extensions", {}).get("camunda", {})
    assignee = attributes.get("assignee")
    if assignee:
        if not is_juel(assignee):
            return assignee.strip() == employee_username
        return bool(_EMPLOYEE_EXPRESSION.match(assignee))
    if attributes.get("candidateUsers") or attributes.get("candidateGroups"):
        return False
    return lane_key(task_spec.lane) == EMPLOYEE_VARIABLE


def decides_on(instance, task_spec):
    """The person whose path this user task decides on (who may not act on it), or None."""
    if instance.employee_id is None or is_for_employee(task_spec, instance.employee.username):
        return None
    if instance.started_by_id == instance.employee_id and _is_for_initiator(task_spec):
        return None  # she started her own path, and the diagram gives this task to whoever started it
    return instance.employee


def _is_for_initiator(task_spec):
    """True when the task's assignee is the process's camunda:initiator variable (the person who started it)."""
    from engine.diagrams.node_parsers import initiator_variables

    assignee = getattr(task_spec, "extensions", {}).get("camunda", {}).get("assignee") or ""
    match = re.match(r"^\s*[$#]\{\s*(\w+)\s*\}\s*$", assignee)
    process_spec = getattr(task_spec, "_wf_spec", None)
    return bool(match and process_spec is not None and match.group(1) in initiator_variables(process_spec))


def is_own_decision(row, user):
    """True when the task decides on `user`'s own path."""
    return row.decides_on_id is not None and user is not None and row.decides_on_id == user.id


def own_path_message(row, person, you=True):
    """Why a person may not act on a task that decides on their own path."""
    whose = "your own path" if you else f"the path of {person.name}, who may not decide on it"
    return f"\u201c{row.name}\u201d decides on {whose}; someone else must do it. Nothing was changed."


def check_not_own_decision(row, user):
    """Raise Forbidden when the task decides on `user`'s own path."""
    if is_own_decision(row, user):
        raise Forbidden(own_path_message(row, user))


def check_may_receive(row, person, field="user"):
    """Raise Forbidden (naming `field`) when the task would go to the person whose path it decides on."""
    if is_own_decision(row, person):
        raise Forbidden(f"\u201c{row.name}\u201d cannot go to {person.name}: it decides on their own path. "
                        f"Choose someone else; nothing was changed.",
                        errors={field: "decides on this person's own path"})
