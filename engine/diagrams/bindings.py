"""Which deployed decision, form or called process a task uses when it runs, as Camunda 7 binds them.

`camunda:decisionRefBinding` on a business rule task, `camunda:formRefBinding`
on a user task and `camunda:calledElementBinding` on a call activity say which
version of the referenced decision, form or process is used:

- `latest` (the default, as in Camunda): the newest version deployed when the
  task runs, so a decision table or form deployed on its own changes running
  paths from their next step on;
- `deployment`: the one deployed with the process version (its snapshot);
- `version`: the version `camunda:decisionRefVersion` / `formRefVersion` /
  `calledElementVersion` names.

A called process is chosen when the call activity starts; the path keeps that
version of it (`called_versions` in the workflow, stored with the state) until the
call ends, as Camunda does.

A version's parsed spec stays cached and unchanged: the reference is resolved
per step, from the `resource_definition` rows (one indexed query), and the
parsed decision or form is cached per row (rows never change).
"""
import json

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy.orm import object_session

from engine.context import current_instance
from engine.diagrams.versions import latest_version, parsed_resource, process_version, resource_version

BINDINGS = ("latest", "deployment", "version")

_spec_source = None  # (top spec, nested specs) of a ProcessVersion: engine.diagrams.specs registers its cache


def use_spec_source(source):
    """Say where called process versions' parsed specs come from (the spec cache, which builds on the parser
    that builds on this module, registers itself at import)."""
    global _spec_source
    _spec_source = source


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


def form_for(session, snapshot, form_ref, attributes):
    """The form-js schema a user task shows now: `snapshot` is the version's own forms ({id: schema})."""
    binding, version = binding_of(attributes, "formRef")
    if binding == "deployment" or session is None:
        return snapshot.get(form_ref)
    row = resource_version(session, "form", form_ref, version if binding == "version" else None)
    if row is None:
        return None if binding == "version" else snapshot.get(form_ref)
    return parsed_resource(row, lambda: json.loads(row.source))


def _resource(session, kind, key, version):
    from engine.diagrams.versions import resource_version  # deployment imports the parser, which imports this module
    return resource_version(session, kind, key, version)


def bind_called_process(workflow, process_id, binding, version, task):
    """Point `workflow` (the top workflow) at the version of `process_id` its binding names, before a call
    activity starts it; remembered in `workflow.called_versions`. Without a database (tests) or with
    `deployment` binding the version's own copy stays."""
    instance = current_instance()
    session = object_session(instance) if instance is not None else None
    if session is None or binding == "deployment":
        return
    called = process_version(session, process_id, version) if binding == "version" else \
        latest_version(session, process_id)
    if called is None:
        if binding == "version":
            raise WorkflowTaskException(f'version {version} of the called process "{process_id}" is not deployed: '
                                        f"deploy it (or change calledElementVersion), then retry the path", task=task)
        return  # the version's own copy, if it has one
    use_called_versions(workflow, {process_id: called})


def use_called_versions(workflow, versions):
    """Give a workflow the specs of called process versions ({process id: ProcessVersion}), keeping its own
    copies of everything else; the choice is stored with the state (see engine.diagrams.specs)."""
    workflow.subprocess_specs = with_called_versions(workflow.subprocess_specs, versions)
    chosen = dict(getattr(workflow, "called_versions", None) or {})
    chosen.update({process_id: called.id for process_id, called in versions.items()})
    workflow.called_versions = chosen


def with_called_versions(subprocess_specs, versions):
    """A copy of `subprocess_specs` ({process id: spec}) using the given called process versions."""
    specs = dict(subprocess_specs)
    for process_id, called in versions.items():
        spec, nested = _spec_source(called)
        specs.update({key: value for key, value in nested.items() if specs.get(key) is None})
        specs[process_id] = spec
    return specs
