"""Finding and reading the tasks of a restored workflow (no database here)."""
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.forms.camunda import default_expressions
from engine.scripts.restricted import ScriptError


def find_task(workflow, task_id):
    """The task with this id (a UUID or its text) in the workflow or one of its sub-workflows, or None (finished
    tasks may have been pruned; SpiffWorkflow's own lookup raises instead)."""
    try:
        task_id = task_id if isinstance(task_id, UUID) else UUID(str(task_id))
    except ValueError:
        return None
    for sub in (workflow, *workflow.subprocesses.values()):
        task = sub.tasks.get(task_id)
        if task is not None:
            return task
    return None


def form_context(task):
    """Data a task's form is filled from: task data, plus the element variable of a multi-instance task, plus
    the values of generated-form defaults that are expressions (for fields that have no value yet)."""
    data = dict(task.data)
    item_name = multi_instance_item(task)
    if item_name and isinstance(data.get(item_name), dict):
        data.update(data[item_name])
    for key, expression in default_expressions(task.task_spec).items():
        if data.get(key) is None:
            try:
                data[key] = task.workflow.script_engine.evaluate(task, expression)
            except (SpiffWorkflowException, ScriptError):
                continue  # the field starts empty, as when the default cannot be worked out in Camunda
    return data


def multi_instance_item(task):
    """The name of a multi-instance task's element variable (where each instance keeps its answers), or None."""
    parent = task.parent
    spec = getattr(parent, "task_spec", None)
    if isinstance(spec, MultiInstanceTask) and getattr(spec, "output_item", None) is not None:
        return spec.output_item.bpmn_id
    return None
