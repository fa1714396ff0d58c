"""Which process variables a caller may set: the one rule every way of writing variables goes through.

Two kinds of variables decide a path and are never set from outside it:

- the org directory's (`employee`, `manager`, ... see `directory.DIRECTORY_VARIABLES`): they are written when
  the path starts, from the directory, and nobody sets them: not a start, a task, HR, a message, a signal, a
  worker or a migration;
- those the diagram lists in the process's `protectedVariables` extension property: only the diagram sets them
  (its scripts, decision tables, output mappings, what a called process returns), and a user task whose own
  form has a field of that name (the form is part of the diagram's deployment, and who may complete the task is
  the diagram's assignment). Nobody else: not the employee, a worker, HR or a process owner.

A value equal to the one the path holds is not a change, so a form that shows a protected value and sends it
back passes. `check_may_write` is called by every service that writes variables (`WRITES` names them) before
it writes anything; a refusal is a 403 naming each variable. A start has one more rule: it may set only what
the process's start form declares; a process without a start form takes start variables from HR and process
owners only (as Camunda Modeler's *Start instance* sends them), and none from anyone else.
"""
from engine.rights.authorization import is_hr, is_process_owner
from engine.directory.org import DIRECTORY_VARIABLES
from engine.errors import Forbidden
from engine.diagrams.declarations import declarations

# how a write reaches a path -> (how a refusal says it, what it says was not done)
WRITES = {
    "start": ("when starting", "Nothing was started."),
    "task": ("by completing a task", "Nothing was saved."),
    "variables": ("by changing the path's variables", "Nothing was changed."),
    "message": ("by a message", "Nothing was correlated."),
    "signal": ("by a signal", "Nothing was delivered."),
    "external_task": ("by an external task's worker", "Nothing was changed."),
    "migration": ("by a migration", "Nothing was moved."),
}
DIRECTORY_REASON = "set by the org directory"
PROTECTED_REASON = "protected by the diagram (protectedVariables)"


def protected_variables(version):
    """Names no caller may set in paths of `version`: the directory's and those the diagram protects."""
    return DIRECTORY_VARIABLES | declarations(version).protected_variables


def check_may_write(version, actor, changes=None, by="variables", current=None, deletions=(), form_fields=None):
    """Raise Forbidden, naming each variable, unless `actor` may set `changes` (and remove `deletions`) in a path
    of `version` in the way `by` (a key of WRITES). `current` is what the path holds (None for a new path):
    an unchanged value passes. `form_fields` are the fields of the completed task's own form, which may set
    the diagram's protected variables of those names (never the directory's). Call it before writing."""
    how, nothing = WRITES[by]
    changes = dict(changes or {})
    owned = set(form_fields or ()) - DIRECTORY_VARIABLES if by == "task" else set()
    guarded = protected_variables(version) - owned
    refused = {name for name in set(changes) & guarded
               if current is None or name not in current or current[name] != changes[name]}
    refused |= {name for name in set(deletions or ()) & guarded if current is None or name in current}
    if refused:
        directory = refused & DIRECTORY_VARIABLES
        where = f" in \u201c{version.name}\u201d" if by != "start" else f" \u201c{version.name}\u201d"
        reasons = []
        if directory:
            reasons.append(f"{_listed(directory)} {'comes' if len(directory) == 1 else 'come'} from the org directory")
        if refused - directory:
            reasons.append(f"the diagram protects {_listed(refused - directory)}")
        _refuse(f"{_listed(refused)} cannot be set {how}{where}: {' and '.join(reasons)}. {nothing}",
                {name: DIRECTORY_REASON if name in DIRECTORY_VARIABLES else PROTECTED_REASON for name in refused})
    if by == "start":
        _check_start_form(version, set(changes), actor)


def _check_start_form(version, names, actor):
    """A start sets only the fields of the start form; without one, only HR and process owners pass variables."""
    if not names:
        return
    fields = declarations(version).start_form_fields
    if fields is not None:
        undeclared = names - fields
        if undeclared:
            _refuse(f"The start form of \u201c{version.name}\u201d does not ask for {_listed(undeclared)}; "
                    f"a start may set only {_listed(fields) if fields else 'nothing'}. Nothing was started.",
                    dict.fromkeys(undeclared, "not a field of the start form"))
    elif not (is_hr(actor) or is_process_owner(actor)):
        _refuse(f"\u201c{version.name}\u201d has no start form, so a start cannot set {_listed(names)}; only HR "
                f"and process owners pass start variables to it. Nothing was started.",
                dict.fromkeys(names, "the process has no start form"))


def check_start_variables(version, variables, actor):
    """Raise Forbidden, naming each variable, unless `actor` may pass `variables` when starting `version`."""
    check_may_write(version, actor, variables, by="start")


def _refuse(message, reasons):
    raise Forbidden(message, errors={f"variables.{name}": reason for name, reason in sorted(reasons.items())})


def _listed(names):
    quoted = [f"\u201c{name}\u201d" for name in sorted(names)]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
