"""HR analytics from the human_task, milestone and cohort tables (never from workflow state).

Each function is one grouped query; percentiles use PostgreSQL's percentile_cont
(SQLite, for development, computes them from the durations).
"""
import statistics

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from engine.store.pilot_models import Cohort, CohortMember, Milestone
from engine.store.models import HumanTask, ProcessInstance, User

NO_COHORT = "(no cohort)"


def _is_postgres(session):
    return session.get_bind().dialect.name == "postgresql"


def cohort_progress(session):
    """Per cohort (and paths outside any): paths started, in progress, approved (milestones tracked), completed."""
    approved = sa.select(Milestone.instance_id).distinct().subquery()
    rows = session.execute(
        sa.select(Cohort.name, ProcessInstance.status,
                  sa.func.count(ProcessInstance.id), sa.func.count(approved.c.instance_id))
        .select_from(ProcessInstance).outerjoin(Cohort, Cohort.id == ProcessInstance.cohort_id)
        .outerjoin(approved, approved.c.instance_id == ProcessInstance.id)
        .group_by(Cohort.name, ProcessInstance.status)).all()
    result = {}
    for name, status, count, approved_count in rows:
        name = name or NO_COHORT
        entry = result.setdefault(name, {"cohort": name, "started": 0, "in_progress": 0, "approved": 0,
                                         "completed": 0})
        entry["started"] += count
        entry["approved"] += approved_count
        if status in ("running", "incident"):
            entry["in_progress"] += count
        elif status == "completed":
            entry["completed"] += count
    members = dict(session.execute(sa.select(Cohort.name, sa.func.count(CohortMember.id)).outerjoin(CohortMember)
                                   .group_by(Cohort.name)).all())
    for name, count in members.items():
        result.setdefault(name, {"cohort": name, "started": 0, "in_progress": 0, "approved": 0, "completed": 0})
        result[name]["members"] = count
    return sorted(result.values(), key=lambda e: (e["cohort"] == NO_COHORT, e["cohort"]))


def _hours(session):
    if _is_postgres(session):
        return sa.extract("epoch", HumanTask.completed_at - HumanTask.created_at) / 3600.0
    return (sa.func.julianday(HumanTask.completed_at) - sa.func.julianday(HumanTask.created_at)) * 24.0


def step_durations(session):
    """Per step: how many were done, median and 90th percentile hours from activation to completion."""
    hours = _hours(session)
    done = sa.and_(HumanTask.status == "completed", HumanTask.completed_at.is_not(None))
    if _is_postgres(session):
        rows = session.execute(sa.select(
            HumanTask.name, sa.func.count(), sa.func.percentile_cont(0.5).within_group(hours),
            sa.func.percentile_cont(0.9).within_group(hours)).where(done).group_by(HumanTask.name)
            .order_by(sa.func.min(HumanTask.id))).all()
        return [{"step": name, "count": count, "median_hours": round(median or 0, 1), "p90_hours": round(p90 or 0, 1)}
                for name, count, median, p90 in rows]
    grouped = {}
    for name, value in session.execute(sa.select(HumanTask.name, hours).where(done).order_by(HumanTask.id)):
        grouped.setdefault(name, []).append(value or 0)
    result = []
    for name, values in grouped.items():
        values.sort()
        p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
        result.append({"step": name, "count": len(values), "median_hours": round(statistics.median(values), 1),
                       "p90_hours": round(p90, 1)})
    return result


def group_decision_step(session, process_key):
    """The id of the first user task the process offers to a group (an approval), read from its newest spec."""
    from engine.diagrams.versions import latest_version
    from engine.diagrams.specs import SPECS
    version = latest_version(session, process_key)
    if version is None:
        return None
    spec, _subprocesses = SPECS.get(version)
    for task_spec in spec.task_specs.values():
        if (getattr(task_spec, "extensions", None) or {}).get("camunda", {}).get("candidateGroups"):
            return task_spec.bpmn_id
    return None


def rounds_per_path(session, element_id):
    """How many paths needed 1, 2, 3... completions of a step (approval rounds): {rounds: paths}."""
    if not element_id:
        return {}
    per_path = (sa.select(HumanTask.instance_id, sa.func.count().label("rounds"))
                .where(HumanTask.element_id == element_id, HumanTask.status == "completed")
                .group_by(HumanTask.instance_id).subquery())
    rows = session.execute(sa.select(per_path.c.rounds, sa.func.count()).group_by(per_path.c.rounds)
                           .order_by(per_path.c.rounds)).all()
    return {rounds: paths for rounds, paths in rows}


def overdue_tasks(session, now):
    """Open tasks past their due date, by step and by the employee's manager."""
    overdue = sa.and_(HumanTask.status == "open", HumanTask.due_at < now)
    by_step = session.execute(sa.select(HumanTask.name, sa.func.count()).where(overdue).group_by(HumanTask.name)
                              .order_by(sa.func.count().desc())).all()
    employee, manager = aliased(User), aliased(User)
    by_manager = session.execute(
        sa.select(manager.name, sa.func.count()).select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(employee, employee.id == ProcessInstance.employee_id)
        .outerjoin(manager, manager.id == employee.manager_id).where(overdue)
        .group_by(manager.name).order_by(sa.func.count().desc())).all()
    return {"by_step": [list(row) for row in by_step],
            "by_manager": [[name or "(no manager)", count] for name, count in by_manager]}


def _month(session, column):
    if _is_postgres(session):
        return sa.func.to_char(column, sa.literal_column("'YYYY-MM'"))
    return sa.func.strftime(sa.literal_column("'%Y-%m'"), column)


def milestones_by_month(session):
    """Milestones due per month against milestones done per month: [{month, due, done}]."""
    due = dict(session.execute(sa.select(_month(session, Milestone.due_on), sa.func.count())
                               .where(Milestone.due_on.is_not(None)).group_by(_month(session, Milestone.due_on))).all())
    done = dict(session.execute(sa.select(_month(session, Milestone.completed_at), sa.func.count())
                                .where(Milestone.status == "done", Milestone.completed_at.is_not(None))
                                .group_by(_month(session, Milestone.completed_at))).all())
    months = sorted(set(due) | set(done))
    return [{"month": month, "due": due.get(month, 0), "done": done.get(month, 0)} for month in months]


class CachedFigures:
    """Analytics figures kept for a while per argument, because computing them scans the task history."""

    def __init__(self):
        self._values = {}

    def get(self, key, compute, now, seconds):
        """The cached value for `key` and when it was computed; recomputed when older than `seconds`."""
        stamp, value = self._values.get(key, (None, None))
        if stamp is None or (now - stamp).total_seconds() >= seconds:
            value = compute()
            self._values[key] = (now, value)
            stamp = now
        return value, stamp
