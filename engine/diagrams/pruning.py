"""Dropping finished task history the engine no longer needs, so stored state stays small.

SpiffWorkflow keeps every task it ever created: a revise-and-resubmit loop adds
a dozen tasks per round, and restoring, running and storing a path gets slower
as it ages. Our own tables (`human_task`, `instance_event`) already hold the
history people see, so before a workflow is stored we cut the finished part of
its task tree away.

What stays: every unfinished task (ready, waiting, started and predicted ones),
the last completed task (the engine continues from it and pages read the
current data from it), and everything below their deepest common ancestor. That
ancestor is moved up to hang directly from the root. It is always a finished
task: an unfinished one still inherits data from its parent, and joins look at
the parents of their inputs. Everything under the kept ancestor is untouched,
so joins, boundary events and multi-instance tasks in progress see exactly the
tasks they saw before.

The element ids of the completed tasks that were dropped are remembered on the
workflow (`pruned_elements`), so the path diagram still shows them as done.
"""
from SpiffWorkflow.util.task import TaskState

PRUNED_ELEMENTS = "pruned_elements"


def pruned_elements(workflow):
    """Element ids of the completed tasks dropped from this workflow's tree so far."""
    return workflow.__dict__.setdefault(PRUNED_ELEMENTS, set())


def prune(workflow):
    """Drop the finished history of a workflow and of its sub-workflows; returns how many tasks went."""
    removed = _prune_tree(workflow, workflow, pruned_elements(workflow))
    for task_id in list(workflow.subprocesses):
        sub = workflow.subprocesses.get(task_id)  # pruning an outer one may have dropped it
        if sub is not None:
            removed += _prune_tree(workflow, sub, None)
    return removed


def _prune_tree(top, workflow, record):
    root = workflow.task_tree
    keep = [task for task in workflow.tasks.values() if not task.has_state(TaskState.FINISHED_MASK)]
    if workflow.last_task is not None and workflow.last_task.id in workflow.tasks:
        keep.append(workflow.last_task)
    if not keep:
        return 0
    anchor = _common_ancestor(keep, root)
    while anchor is not root and not anchor.has_state(TaskState.FINISHED_MASK):
        anchor = anchor.parent
    if anchor is root or anchor.parent is root:
        return 0
    kept = {task.id for task in _subtree(anchor)}
    kept.add(root.id)
    dropped = [task for task_id, task in workflow.tasks.items() if task_id not in kept]
    for task in dropped:
        if task.id in top.subprocesses:
            _drop_subprocess(top, task.id)
        if record is not None and task.state == TaskState.COMPLETED and task.task_spec.bpmn_id is not None:
            record.add(task.task_spec.bpmn_id)
    for task in dropped:
        del workflow.tasks[task.id]
    root._children = [anchor.id]
    anchor._parent = root.id
    return len(dropped)


def _common_ancestor(tasks, root):
    """The deepest task that is an ancestor of (or one of) every task given."""
    common = _lineage(tasks[0], root)
    for task in tasks[1:]:
        lineage = _lineage(task, root)
        size = 0
        for mine, theirs in zip(common, lineage):
            if mine is not theirs:
                break
            size += 1
        common = common[:size]
    return common[-1] if common else root


def _lineage(task, root):
    """Tasks from the root down to `task`."""
    line = []
    while task is not None:
        line.append(task)
        if task is root:
            break
        task = task.parent
    line.reverse()
    return line


def _subtree(task):
    stack = [task]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child for child in current.children if child is not None)


def _drop_subprocess(top, task_id):
    """Forget a sub-workflow (a finished call activity) and the sub-workflows it started."""
    sub = top.subprocesses.pop(task_id, None)
    if sub is None:
        return
    for inner_id in [inner_id for inner_id in list(top.subprocesses) if inner_id in sub.tasks]:
        _drop_subprocess(top, inner_id)
