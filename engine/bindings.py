"""Which deployed decision or form a task uses when it runs, as Camunda 7 binds them.

`camunda:decisionRefBinding` on a business rule task and `camunda:formRefBinding`
on a user task say which version of the referenced decision or form is used:

- `latest` (the default, as in Camunda): the newest version deployed when the
  task runs, so a decision table or form deployed on its own changes running
  paths from their next step on;
- `deployment`: the one deployed with the process version (its snapshot);
- `version`: the version `camunda:decisionRefVersion` / `formRefVersion` names.

A version's parsed spec stays cached and unchanged: the reference is resolved
per step, from the `resource_definition` rows (one indexed query), and the
parsed decision or form is cached per row (rows never change).
"""
import json
import threading

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy.orm import object_session

from .context import current_instance
from .dmn import parse_dmn

BINDINGS = ("latest", "deployment", "version")

_parsed = {}
_lock = threading.Lock()


def binding_of(attributes, prefix):
    """(binding, version or None) from camunda attributes, e.g. prefix "formRef" reads formRefBinding and
    formRefVersion; the binding defaults to latest."""
    binding = (attributes.get(f"{prefix}Binding") or "latest").strip()
    version = attributes.get(f"{prefix}Version")
    try:
        version = int(version) if version not in (None, "") else None
    except ValueError:
        version = None
    return binding, version


def decision_for(call, task):
    """The decision a business rule task evaluates now: its binding resolved against what is deployed, or the
    one parsed with the version when the path runs outside the database (tests) or binds to its deployment."""
    instance = current_instance()
    binding = getattr(call, "binding", "latest")
    session = object_session(instance) if instance is not None else None
    if session is None or binding == "deployment":
        return call.decision
    row = _resource(session, "decision", call.decision.id, getattr(call, "version", None) if binding == "version"
                    else None)
    if row is None:
        if binding == "version":
            raise WorkflowTaskException(f'version {call.version} of the decision "{call.decision.id}" is not '
                                        f"deployed: deploy it (or change decisionRefVersion), then retry the path",
                                        task=task)
        return call.decision  # deployed before decisions were resources: the version's own copy
    return _parsed_resource(row, lambda: parse_dmn(row.source, row.resource)[0]).get(call.decision.id, call.decision)


def form_for(session, snapshot, form_ref, attributes):
    """The form-js schema a user task shows now: `snapshot` is the version's own forms ({id: schema})."""
    binding, version = binding_of(attributes, "formRef")
    if binding == "deployment" or session is None:
        return snapshot.get(form_ref)
    row = _resource(session, "form", form_ref, version if binding == "version" else None)
    if row is None:
        return None if binding == "version" else snapshot.get(form_ref)
    return _parsed_resource(row, lambda: json.loads(row.source))


def _resource(session, kind, key, version):
    from .deployment import resource_version  # deployment imports the parser, which imports this module
    return resource_version(session, kind, key, version)


def _parsed_resource(row, parse):
    key = (row.id, row.checksum)
    value = _parsed.get(key)
    if value is None:
        value = parse()
        with _lock:
            _parsed[key] = value
    return value
