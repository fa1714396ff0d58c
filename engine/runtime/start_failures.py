"""Starts that failed: what HR sees when a path could not start, and how it is started again.

A start runs the diagram up to its first wait in the same transaction that creates the path. When a
script, expression, date or assignment fails there, the whole start is rolled back (no path, no task rows,
no messages), the starter is told "your path could not start: …; HR has been told", and a `StartFailure`
row is written in a transaction of its own. It is listed under Incidents with the process, the element,
the message and who tried; *Start again* starts the latest version of the process for that person and
marks the failure resolved (a new failure is recorded the same way).
"""
import sqlalchemy as sa

from engine.rights.authorization import HR_GROUP, PROCESS_OWNER_GROUP
from engine.errors import Conflict, NotFound, StartFailed
from engine.store.models import Group, StartFailure, User, group_membership, utcnow
from engine.connect.notifications import notify


def start_failed(version, employee, started_by, element_id, reason):
    """The StartFailed error for a start of `version` for `employee` that failed at `element_id`."""
    whose = "Your path" if started_by is not None and employee.id == started_by.id \
        else f"The path of {employee.name}"
    message = f"{whose} could not start: {reason}; HR has been told."
    return StartFailed(message, {"process_version_id": version.id, "employee_id": employee.id,
                                 "started_by_id": started_by.id if started_by is not None else None,
                                 "element_id": element_id, "message": reason})


def record_start_failure(session, failure, now=None):
    """Write a failed start (after its rollback) and tell HR and process owners; returns the row. A failed
    *Start again* replaces the failure it retried (that one is marked resolved)."""
    failure = dict(failure)
    retried = session.get(StartFailure, failure.pop("retry_of")) if failure.get("retry_of") else None
    if retried is not None and retried.resolved_at is None:
        retried.resolved_at, retried.resolved_by_id = now or utcnow(), failure.get("started_by_id")
    row = StartFailure(at=now or utcnow(), **failure)
    session.add(row)
    session.flush()
    people = session.scalars(sa.select(User).join(group_membership).join(Group).where(
        Group.name.in_((HR_GROUP, PROCESS_OWNER_GROUP)), User.active.is_(True)).distinct()).all()
    employee = row.employee.name if row.employee else "someone"
    notify(session, people, f"A career path could not start: {employee}",
           f"{row.process_version.name} could not start for {employee}"
           f"{' at ' + row.element_id if row.element_id else ''}: {row.message}. Fix the diagram, then use "
           f"Start again on the Incidents page.", kind="incident", now=now)
    return row


def open_start_failures(session):
    """Failed starts nobody has resolved yet, newest first."""
    return session.scalars(sa.select(StartFailure).where(StartFailure.resolved_at.is_(None))
                           .order_by(StartFailure.at.desc(), StartFailure.id.desc())).all()


def start_failures_of(session, employee):
    """The employee's own unresolved failed starts, newest first (shown on their paths page)."""
    return session.scalars(sa.select(StartFailure).where(StartFailure.employee_id == employee.id,
                                                         StartFailure.resolved_at.is_(None))
                           .order_by(StartFailure.at.desc())).all()


def start_again(session, runtime, failure_id, actor):
    """Start the latest version of the failed process for the same person; on success the failure is resolved
    and the Outcome returned. A new failure raises StartFailed (recorded by the caller after rollback)."""
    row = session.get(StartFailure, failure_id)
    if row is None:
        raise NotFound(f"There is no failed start {failure_id}.")
    if row.resolved_at is not None:
        raise Conflict("This failed start was already dealt with; nothing was changed.")
    if row.employee is None:
        raise Conflict("The person this path was for is no longer in the directory; nothing was started.")
    try:
        outcome = runtime.start(row.process_version.key, row.employee, actor)
    except StartFailed as exc:
        exc.failure["retry_of"] = row.id
        raise
    row.resolved_at, row.resolved_by_id, row.instance_id = runtime.clock(), actor.id, outcome.instance.id
    session.flush()
    return outcome
