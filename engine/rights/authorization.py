"""Who may see and do what, per instance and per task.

Employees see their own paths, managers their reports', HR everything;
leadership sees the paths that await or were decided by its group; anyone else
asked for a step (a stakeholder, a delegate, a substitute) sees the path while
asked. Only the assignee completes a task; a task offered to a group is claimed
first. Process owners administer processes; admins administer people.
"""
import sqlalchemy as sa

from engine.errors import ClaimRequired, Forbidden, NotFound
from engine.store.models import HumanTask, ProcessInstance, User
from engine.roles import ADMIN_GROUP, HR_GROUP, PROCESS_OWNER_GROUP, WORKER_GROUP  # noqa: F401  (named here by callers too)
from engine.rights.separation import check_not_own_decision, is_own_decision



def is_hr(user):
    """HR sees every path."""
    return HR_GROUP in user.group_names


def is_process_owner(user):
    """Process owners deploy diagrams and forms."""
    return PROCESS_OWNER_GROUP in user.group_names


def is_worker(user):
    """Members of `workers` are other systems' accounts: they fetch and complete external tasks and send messages
    and signals to any path, and see nothing else."""
    return WORKER_GROUP in user.group_names


def may_handle_incidents(user):
    """HR and process owners see incidents and retry them."""
    return is_hr(user) or is_process_owner(user)


def is_admin(user):
    """Admins manage people and their groups."""
    return ADMIN_GROUP in user.group_names


def is_candidate(row, user):
    """True when the task is offered to the user by name or through one of their groups."""
    return user.username in (row.candidate_users or []) or bool(set(row.candidate_groups or []) & user.group_names)


def may_work_on(row, user):
    """True when `user` is the assignee of the task, or a candidate of an unassigned task (who may claim it);
    never for a task that decides on their own path."""
    if is_own_decision(row, user):
        return False
    if row.assignee_id is not None:
        return row.assignee_id == user.id
    return is_candidate(row, user)


def may_see_task(row, user):
    """Open tasks: the people who may work on them and whoever delegated them; finished ones: also whoever
    finished them."""
    return (may_work_on(row, user) or (row.owner_id is not None and row.owner_id == user.id)
            or (row.completed_by_id is not None and row.completed_by_id == user.id))


def check_may_see_task(session, row, user):
    """Raise unless the user may open the task: 403 when they may see its path (they know it exists), 404
    otherwise (its existence is not revealed)."""
    if row is None:
        raise NotFound("There is no such task.")
    if may_see_task(row, user):
        return row
    if is_own_decision(row, user) and (row.assignee_id == user.id or is_candidate(row, user)):
        check_not_own_decision(row, user)
    if may_view_instance(session, row.instance, user):
        owner = row.assignee.name if row.assignee else ", ".join(row.candidate_groups + row.candidate_users)
        raise Forbidden(f"\u201c{row.name}\u201d is for {owner}; you cannot open it.")
    raise NotFound(f"There is no task {row.id} that you may see.")


def check_may_complete(row, user):
    """Raise unless `user` may complete the task: it must be theirs (a group task is claimed first), and it must
    not decide on their own path."""
    check_not_own_decision(row, user)
    if row.assignee_id is None and is_candidate(row, user):
        raise ClaimRequired(f"\u201c{row.name}\u201d is offered to {', '.join(row.candidate_groups + row.candidate_users)}:"
                            f" claim it first, then complete it. Nothing was saved.")
    if row.assignee_id != user.id:
        owner = row.assignee.name if row.assignee else ", ".join(row.candidate_users + row.candidate_groups)
        raise Forbidden(f"\u201c{row.name}\u201d is for {owner}; you cannot complete it.")


def check_may_start(employee, started_by):
    """An employee starts their own path; their manager, HR or a connected system (a worker account, e.g. the
    HRIS) may start it for them."""
    if (started_by.id == employee.id or employee.manager_id == started_by.id or is_hr(started_by)
            or is_worker(started_by)):
        return
    raise Forbidden(f"You cannot start a path for {employee.name}: only they, their manager or HR can.")


def candidate_condition(user):
    """SQL condition: an unassigned task offered to the user or one of their groups."""
    # Candidate lists are JSON; matching their text keeps the query portable (SQLite and PostgreSQL).
    matches = [sa.cast(HumanTask.candidate_users, sa.String).like(f'%"{user.username}"%')]
    matches += [sa.cast(HumanTask.candidate_groups, sa.String).like(f'%"{name}"%') for name in user.group_names]
    return sa.and_(HumanTask.assignee_id.is_(None), sa.or_(*matches))


def workable_condition(user):
    """SQL condition: tasks the user may work on (never those deciding on their own path)."""
    return sa.and_(sa.or_(HumanTask.assignee_id == user.id, candidate_condition(user)),
                   sa.or_(HumanTask.decides_on_id.is_(None), HumanTask.decides_on_id != user.id))


def _visible_instance_ids(user):
    """Ids of the instances the user may see, as a union of indexed lookups: their own paths, their reports'
    paths, paths where they are asked for something now (an open task they may work on, or delegated), and
    paths whose tasks were offered to one of their groups (leadership sees what awaits or was decided by its
    group). Someone asked for a single step (a stakeholder) sees the path only while asked."""
    reports = sa.select(User.id).where(User.manager_id == user.id)
    parts = [
        sa.select(ProcessInstance.id).where(ProcessInstance.employee_id == user.id),
        sa.select(ProcessInstance.id).where(ProcessInstance.employee_id.in_(reports)),
        sa.select(HumanTask.instance_id).where(HumanTask.status == "open", workable_condition(user)),
        sa.select(HumanTask.instance_id).where(HumanTask.status == "open", HumanTask.owner_id == user.id),
    ]
    offered = sa.cast(HumanTask.candidate_groups, sa.String)
    parts += [sa.select(HumanTask.instance_id).where(offered != "[]", offered.like(f'%"{name}"%'))
              for name in sorted(user.group_names)]  # `!= "[]"` reads only group tasks (a partial index)
    return sa.union(*parts)


def visible_instances_query(user):
    """A select of the instances `user` may see."""
    query = sa.select(ProcessInstance)
    if is_hr(user):
        return query
    return query.where(ProcessInstance.id.in_(_visible_instance_ids(user)))


def may_view_instance(session, instance, user):
    """True when the user may see this path."""
    if is_hr(user) or instance.employee_id == user.id:
        return True
    if instance.employee is not None and instance.employee.manager_id == user.id:
        return True
    query = visible_instances_query(user).where(ProcessInstance.id == instance.id)
    return session.scalars(query).first() is not None


def visible_instances(session, user):
    """Paths the user may see, newest first."""
    return session.scalars(visible_instances_query(user).order_by(ProcessInstance.started_at.desc())).all()


def task_list_condition(user, history=False):
    """SQL condition on tasks: the open ones a user's clients list (Camunda's task query), or with `history`
    every task of theirs, open or ended (Camunda's history/task). HR sees all; others the tasks they may work
    on, delegated or (history) finished, and those of their own and their reports' paths (shown on the path
    pages they may open). A union of indexed lookups, so it stays fast at a million task rows."""
    if is_hr(user):
        return sa.true()
    state = [] if history else [HumanTask.status == "open"]
    of_paths = sa.select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    parts = [
        sa.select(HumanTask.id).where(*state, HumanTask.assignee_id == user.id),
        sa.select(HumanTask.id).where(HumanTask.status == "open", candidate_condition(user)),
        sa.select(HumanTask.id).where(*state, HumanTask.owner_id == user.id),
        of_paths.where(*state, ProcessInstance.employee_id == user.id),
        of_paths.join(User, User.id == ProcessInstance.employee_id).where(*state, User.manager_id == user.id),
    ]
    if history:
        parts.append(sa.select(HumanTask.id).where(HumanTask.completed_by_id == user.id))
    return HumanTask.id.in_(sa.union(*parts))
