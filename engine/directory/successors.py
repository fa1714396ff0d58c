"""Who takes over from a person who left (deactivated in the directory): their manager, unless the manager is
inactive too or is the person the task decides on; otherwise HR. Used for open tasks when someone leaves
(engine.people.leavers) and for tasks that come up later for them (engine.runtime.inbox_rows)."""

REASSIGNED = "task_reassigned"  # history kind of a task moved to someone else by a directory change


def successor(leaver, decides_on_id=None):
    """Who takes on a task of `leaver`: their manager when active and not the person the task decides on;
    None means HR."""
    manager = leaver.manager
    if manager is None or not manager.active or manager.id == leaver.id or manager.id == decides_on_id:
        return None
    return manager
