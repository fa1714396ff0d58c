"""A path's process variables in its workflow: where they are read, and where a change from outside (HR's
variables, a worker's failure, a migration plan) is put so that every waiting step reads it."""
from SpiffWorkflow.util.task import TaskState


def current_variables(workflow):
    """The path's variables as they stand after its latest completed step (what callers are shown)."""
    return (workflow.last_task or workflow.task_tree).data


def set_path_variables(workflow, modifications, deletions=()):
    """Set and remove process variables everywhere the path's waiting steps will read them (callers have checked
    them with engine.rights.variable_rights)."""
    targets = [task for task in workflow.get_tasks() if not task.state & (TaskState.COMPLETED | TaskState.CANCELLED)]
    if workflow.last_task is not None:
        targets.append(workflow.last_task)
    targets.append(workflow.task_tree)
    for task in targets:
        task.data.update(modifications)
        for name in deletions:
            task.data.pop(name, None)
