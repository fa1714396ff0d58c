"""Which process variables a caller may set: at a start, in a completion, or by changing variables later.

Variables the org directory sets (`employee`, `manager`, ... see
`directory.DIRECTORY_VARIABLES`) and those the diagram lists in the process's
`protectedVariables` extension property are never set by a caller. A start may
set only what the process's start form declares; a process without a start form
takes start variables from HR and process owners only (as Camunda Modeler's
*Start instance* sends them), and none from anyone else.
"""
from engine.rights.authorization import is_hr, is_process_owner
from engine.directory.org import DIRECTORY_VARIABLES
from engine.errors import Forbidden
from engine.diagrams.declarations import declarations


def protected_variables(version):
    """Names no caller may set in paths of `version`: the directory's and those the diagram protects."""
    return DIRECTORY_VARIABLES | declarations(version).protected_variables


def _refuse(message, names, reason):
    raise Forbidden(message, errors={f"variables.{name}": reason for name in sorted(names)})


def check_start_variables(version, variables, actor):
    """Raise Forbidden, naming each variable, unless `actor` may pass `variables` when starting `version`."""
    names = set(variables or {})
    if not names:
        return
    protected = names & protected_variables(version)
    if protected:
        _refuse(f"{_listed(protected)} cannot be set when starting \u201c{version.name}\u201d: "
                f"{'it comes' if len(protected) == 1 else 'they come'} from the org directory or the diagram "
                f"protects {'it' if len(protected) == 1 else 'them'}. Nothing was started.",
                protected, "set by the org directory or protected by the diagram")
    fields = declarations(version).start_form_fields
    if fields is not None:
        undeclared = names - fields
        if undeclared:
            _refuse(f"The start form of \u201c{version.name}\u201d does not ask for {_listed(undeclared)}; "
                    f"a start may set only {_listed(fields) if fields else 'nothing'}. Nothing was started.",
                    undeclared, "not a field of the start form")
    elif not (is_hr(actor) or is_process_owner(actor)):
        _refuse(f"\u201c{version.name}\u201d has no start form, so a start cannot set {_listed(names)}; only HR "
                f"and process owners pass start variables to it. Nothing was started.",
                names, "the process has no start form")


def check_changed_variables(version, current, changes, actor=None):
    """Raise Forbidden unless `changes` leaves the protected variables of `version` as they are in `current`
    (a completion's answers, or a later change of variables)."""
    changed = {name for name in set(changes or {}) & protected_variables(version)
               if name not in current or current[name] != changes[name]}
    if changed:
        _refuse(f"{_listed(changed)} cannot be changed: {'it comes' if len(changed) == 1 else 'they come'} "
                f"from the org directory or the diagram protects {'it' if len(changed) == 1 else 'them'}. "
                f"Nothing was saved.", changed, "set by the org directory or protected by the diagram")


def _listed(names):
    quoted = [f"\u201c{name}\u201d" for name in sorted(names)]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
