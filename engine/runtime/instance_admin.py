"""Changes to paths from outside their diagram: cancel a path, set or remove its variables, and remove a
deployment with (or without) the paths that run on it.

These back Camunda's `DELETE /process-instance/{id}`, `POST /process-instance/{id}/variables` and
`DELETE /deployment/{id}`. HR and process owners cancel paths and change their variables; deployments are
removed by process owners (the REST layer checks that). Each function flushes; the caller commits.
"""
import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine.rights import authorization
from engine.errors import Conflict, Forbidden, NotFound
from engine.store.pilot_models import Cohort, CohortMember, Milestone
from engine.store.models import (
    Comment, Deployment, HumanTask, InstanceEvent, Notification, ProcessInstance, ProcessVersion,
)

RUNNING = ("running", "incident")


def may_administer(user):
    """HR and process owners may cancel paths and change their variables."""
    return authorization.is_hr(user) or authorization.is_process_owner(user)


def check_may_change(session, instance, actor, action):
    """Raise NotFound unless the actor may see the path, Forbidden unless they may administer it (callers
    check this before reading what to change, so a refused caller learns only that)."""
    if instance is None or not authorization.may_view_instance(session, instance, actor):
        raise NotFound(f"There is no path {instance.id if instance else ''} that you may see.")
    if not may_administer(actor):
        raise Forbidden(f"{actor.name} may not {action} path {instance.id}: only HR and process owners can.")


def _visible_for_change(runtime, instance_id, actor, action):
    """The locked path: 404 unless the actor may see it, 403 unless they may administer it."""
    check_may_change(runtime.session, runtime.session.get(ProcessInstance, instance_id), actor, action)
    return runtime.lock_instance(instance_id)


def cancel_instance(runtime, instance_id, actor, reason=None):
    """Stop a running path: its open tasks are withdrawn and it ends as cancelled (kept in the history)."""
    instance = _visible_for_change(runtime, instance_id, actor, "cancel")
    if instance.status not in RUNNING:
        raise Conflict(f"Path {instance_id} is {instance.status}; only running paths can be cancelled.")
    for row in runtime.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                                  HumanTask.status == "open")):
        row.status = "cancelled"
    instance.status, instance.ended_at, instance.next_timer_at = "cancelled", runtime.clock(), None
    runtime.record_event(instance, actor, "cancelled",
                         message=f"{actor.name} cancelled the path" + (f": {reason}" if reason else ""))
    runtime.session.flush()
    runtime.save(instance, None)
    return instance


def modify_variables(runtime, instance_id, actor, modifications, deletions):
    """Set (`modifications`, plain values) and remove (`deletions`, names) process variables of a running path,
    everywhere its waiting steps will read them; recorded in the path's history."""
    instance = _visible_for_change(runtime, instance_id, actor, "change the variables of")
    if instance.status not in RUNNING:
        raise Conflict(f"Path {instance_id} is {instance.status}; only a running path's variables can change.")
    workflow = runtime.restore(instance)
    targets = [task for task in workflow.get_tasks() if not task.state & (TaskState.COMPLETED | TaskState.CANCELLED)]
    if workflow.last_task is not None:
        targets.append(workflow.last_task)
    targets.append(workflow.task_tree)
    for task in targets:
        task.data.update(modifications)
        for name in deletions:
            task.data.pop(name, None)
    changed = sorted(modifications)
    runtime.record_event(instance, actor, "variables_changed",
                         message=f"{actor.name} changed the variables " + ", ".join(changed + [f"-{n}" for n in deletions]),
                         data={"set": changed, "removed": sorted(deletions)})
    runtime.save(instance, workflow)
    return instance


def delete_deployment(session, deployment_id, cascade=False):
    """Remove a deployment and its process versions. Paths on those versions block it unless `cascade`, which
    removes them too, with their tasks, history, comments, milestones and messages."""
    deployment = session.get(Deployment, deployment_id)
    if deployment is None:
        raise NotFound(f"There is no deployment {deployment_id}.")
    version_ids = session.scalars(sa.select(ProcessVersion.id).where(ProcessVersion.deployment_id == deployment_id)).all()
    instance_ids = session.scalars(sa.select(ProcessInstance.id).where(
        ProcessInstance.process_version_id.in_(version_ids))).all() if version_ids else []
    if instance_ids and not cascade:
        raise Conflict(f"Deployment {deployment_id} has {len(instance_ids)} path(s) on its versions; delete them "
                       f"with it (cascade=true) or leave the deployment.")
    used_by_cohort = session.scalars(sa.select(Cohort.name).where(Cohort.process_version_id.in_(version_ids))).first() \
        if version_ids else None
    if used_by_cohort:
        raise Conflict(f"The cohort \u201c{used_by_cohort}\u201d starts paths on this deployment's version; point it "
                       f"at another version first.")
    if instance_ids:
        for model in (Notification, Comment, Milestone, InstanceEvent):
            session.execute(sa.delete(model).where(model.instance_id.in_(instance_ids)))
        session.execute(sa.update(CohortMember).where(CohortMember.instance_id.in_(instance_ids)).values(instance_id=None))
        session.execute(sa.delete(HumanTask).where(HumanTask.instance_id.in_(instance_ids)))
        session.execute(sa.delete(ProcessInstance).where(ProcessInstance.id.in_(instance_ids)))
    if version_ids:
        session.execute(sa.delete(ProcessVersion).where(ProcessVersion.id.in_(version_ids)))
    session.delete(deployment)
    session.flush()
    return len(instance_ids)
