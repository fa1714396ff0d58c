"""Who may start which process, as the diagram says.

`camunda:candidateStarterUsers` and `camunda:candidateStarterGroups` on the
process name who may start it. An entry is a username or group name, or an
expression naming a variable the org directory sets for the path about to
start: `${employee}` (the person the path is for) or `${manager}` (their
manager). HR and process owners may always start what may be started; without
the attributes nobody else may. A process that another process calls
(`calledElement` of a call activity) is started by its caller: it is not
offered and cannot be started on its own unless its diagram names starters or
sets `camunda:isStartableInTasklist="true"`. `isStartableInTasklist="false"`
keeps a process out of the start choices without changing who may start it.
"""
import re

import sqlalchemy as sa

from engine.rights.authorization import is_hr, is_process_owner
from engine.directory.org import path_variables
from engine.errors import Forbidden
from engine.store.models import ProcessVersion
from engine.diagrams.declarations import declarations

_VARIABLE = re.compile(r"^[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


def latest_versions(session):
    """The newest version of every deployed process, by key."""
    newest = (sa.select(ProcessVersion.key, sa.func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.key).subquery())
    rows = session.scalars(sa.select(ProcessVersion).join(
        newest, sa.and_(ProcessVersion.key == newest.c.key, ProcessVersion.version == newest.c.version))
        .order_by(ProcessVersion.key)).all()
    return {row.key: row for row in rows}


def called_process_keys(session, latest=None):
    """Keys of the processes that the newest version of another process calls."""
    called = set()
    for version in (latest if latest is not None else latest_versions(session)).values():
        called |= declarations(version).called_processes
    return called


def _resolve(entries, variables):
    """Starter entries as names: `${variable}` takes the directory variable's value."""
    names = set()
    for entry in entries:
        match = _VARIABLE.match(entry)
        if match is None:
            names.add(entry)
        elif isinstance(variables.get(match.group(1)), str):
            names.add(variables[match.group(1)])
    return names


def is_called_only(session, version, latest=None):
    """True when the process is started by the processes that call it, and its diagram does not let people start
    it themselves."""
    declared = declarations(version)
    if declared.names_starters or declared.startable_in_tasklist is True:
        return False
    return version.key in called_process_keys(session, latest)


def start_refusal(session, version, user, employee=None, latest=None):
    """Why `user` may not start `version` for `employee` (themselves by default), or None when they may."""
    if is_called_only(session, version, latest):
        return (f"\u201c{version.name}\u201d is started by the processes that call it; it cannot be started "
                f"on its own.")
    if is_hr(user) or is_process_owner(user):
        return None
    declared = declarations(version)
    if not declared.names_starters:
        return f"Only HR and process owners may start \u201c{version.name}\u201d."
    variables = path_variables(employee or user)
    if user.username in _resolve(declared.starter_users, variables) or (
            _resolve(declared.starter_groups, variables) & user.group_names):
        return None
    return f"You may not start \u201c{version.name}\u201d: its diagram says who may start it, and you are not among them."


def check_may_start_process(session, version, user, employee=None):
    """Raise Forbidden (403 with the reason) unless `user` may start `version` for `employee`."""
    refusal = start_refusal(session, version, user, employee)
    if refusal is not None:
        raise Forbidden(f"{refusal} Nothing was started.")


def is_offered(session, version, user, latest=None):
    """True when `version` belongs among the user's start choices: they may start it for themselves and the
    diagram does not keep it out of the task list."""
    if declarations(version).startable_in_tasklist is False:
        return False
    return start_refusal(session, version, user, latest=latest) is None


def startable_in_tasklist(session, version, latest=None):
    """Camunda's `startableInTasklist` flag of a definition: false for processes only called by others or marked
    `isStartableInTasklist="false"`."""
    if declarations(version).startable_in_tasklist is False:
        return False
    return not is_called_only(session, version, latest)


def offered_versions(session, user):
    """The newest version of each process the user may start for themselves, by key."""
    latest = latest_versions(session)
    return {key: version for key, version in latest.items() if is_offered(session, version, user, latest)}
