"""The pilot's data that diagrams read and write through script functions: the skills framework and
tracked milestones. Python offers the functions; the diagrams decide when to call them."""
from datetime import date

import sqlalchemy as sa

from engine.store.pilot_models import Milestone, Role
from engine.store.models import utcnow

MILESTONE_STATUSES = ("planned", "in progress", "done")
# Milestone fields a diagram may set through update_milestone, and the column each goes to.
MILESTONE_FIELDS = {"completion_note": "completion_note", "evidence_link": "evidence_link",
                    "recognition_kind": "recognition_kind", "recognition_note": "recognition_note"}


def skills_for_role(session, title):
    """The skills a role needs, [{skill, required_level, description}], found by title (any letter case)."""
    if not isinstance(title, str) or not title.strip():
        return []
    role = session.scalars(sa.select(Role).where(sa.func.lower(Role.title) == title.strip().lower())).first()
    if role is None:
        return []
    requirements = sorted(role.requirements, key=lambda r: (-r.required_level, r.skill.name))
    return [{"skill": r.skill.name, "required_level": r.required_level, "description": r.skill.description}
            for r in requirements]


def _due(value):
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def track_milestones(session, instance, milestones):
    """Start tracking a path's milestones (its approved list); returns the list with each one's `number`.
    Tracking again (after a new approval round) replaces milestones not yet reached."""
    if instance is None or not isinstance(milestones, list):
        return milestones
    existing = {m.number: m for m in session.scalars(sa.select(Milestone).where(Milestone.instance_id == instance.id))}
    result = []
    for number, item in enumerate(milestones, start=1):
        item = dict(item) if isinstance(item, dict) else {"title": str(item)}
        row = existing.pop(number, None)
        if row is None:
            row = Milestone(instance_id=instance.id, number=number)
            session.add(row)
        if row.status != "done":
            row.kind, row.title = str(item.get("type") or "")[:40], str(item.get("title") or f"Milestone {number}")[:300]
            row.measure, row.due_on = str(item.get("measure") or ""), _due(item.get("due_date"))
        result.append(dict(item, number=number))
    for row in existing.values():
        if row.status != "done":
            session.delete(row)
    session.flush()
    return result


def update_milestone(session, instance, milestone, status, recognized_by=None, **fields):
    """Move a tracked milestone (identified by its `number`) to `status` and record completion or
    recognition fields. Returns the status."""
    if status not in MILESTONE_STATUSES:
        raise ValueError(f"a milestone status is one of {', '.join(MILESTONE_STATUSES)}, not {status!r}")
    number = milestone.get("number") if isinstance(milestone, dict) else milestone
    row = session.scalars(sa.select(Milestone).where(Milestone.instance_id == instance.id,
                                                     Milestone.number == number)).first() if instance else None
    if row is None:
        raise ValueError(f"milestone {number!r} is not tracked in this path: call track_milestones first")
    now = utcnow()
    row.status = status
    if status == "in progress" and row.reported_at is None:
        row.reported_at = now
    if status == "done":
        row.completed_at = now
    for name, value in fields.items():
        if name not in MILESTONE_FIELDS:
            raise ValueError(f"update_milestone does not know the field {name!r}")
        setattr(row, MILESTONE_FIELDS[name], str(value) if value is not None else None)
    if recognized_by:
        from engine.directory.org import user_by_username
        person = user_by_username(session, recognized_by)
        row.recognized_by_id = person.id if person else None
    session.flush()
    return status
