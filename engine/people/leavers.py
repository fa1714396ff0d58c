"""Leavers: a person deactivated (Admin › People, the CSV import, SCIM) can no longer sign in, and the work they
held goes on without them.

Deactivation raises their session version (every login session ends), removes their API tokens, and from then
on their password is refused (sign-in only lets active people in). Their open tasks move, each move a history
entry on the path and a message to whoever has the task now:

- a task they hold goes to their manager, or to HR (the `hr` group) when they have no active manager or the
  manager is the person whose path the task decides on (nobody decides on their own path);
- a task someone delegated to them goes back to the person who delegated it;
- a task they claimed from a group goes back to that group (its other members may claim it);
- where they are one of several candidates they simply leave the candidates.

A task they delegated to someone else stays with that person (there is nobody to hand it back to). Their own
paths keep running; HR may cancel them. Each function flushes; the caller commits (one action, one transaction).
"""
from dataclasses import dataclass, field

import sqlalchemy as sa

from engine.errors import Conflict
from engine.store.models import ApiToken, HumanTask, InstanceEvent, utcnow
from engine.connect.notifications import notify, people_of_task, settle_task_messages
from engine.directory.successors import REASSIGNED, successor
from engine.roles import HR_GROUP
from engine.rights.separation import is_own_decision

SOURCES = {"page": "on Admin › People", "csv": "by the CSV import", "scim": "by SCIM provisioning"}


@dataclass
class Handover:
    """What deactivating one person did: the tasks that moved, as (task row, who has it now, in words)."""

    person: object
    deactivated: bool = False
    moved: list = field(default_factory=list)

    def describe(self):
        """ "3 open tasks handed over (2 to Mia Hoffmann, 1 to HR)", or that there were none."""
        if not self.moved:
            return "they held no open tasks"
        counts = {}
        for _row, to in self.moved:
            counts[to] = counts.get(to, 0) + 1
        parts = ", ".join(f"{count} to {to}" for to, count in counts.items())
        return f"{len(self.moved)} open task{'s' if len(self.moved) != 1 else ''} handed over ({parts})"


def how(actor, source):
    """How a directory change came about, for history: "by Hana Kim on Admin › People", "by the CSV import"."""
    where = SOURCES.get(source, f"by {source}")
    if actor is not None and source == "page":
        return f"by {actor.name} {where}"
    return where


def deactivate_person(session, user, actor, source, now=None):
    """Deactivate `user` (a leaver): no more sign-in, sessions or API tokens, and their open tasks handed over as
    the module says. Deactivating someone already inactive does nothing. Returns a Handover."""
    if actor is not None and actor.id == user.id:
        raise Conflict("You cannot deactivate your own account; ask another administrator.",
                       errors={"active": "your own account"})
    if not user.active:
        return Handover(user)
    now = now or utcnow()
    user.active = False
    user.session_version = (user.session_version or 1) + 1  # every login session of theirs ends now
    session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    handover = Handover(user, deactivated=True)
    for row in _open_tasks_of(session, user):
        to = _hand_over(session, row, user, actor, source, now)
        if to is not None:
            handover.moved.append((row, to))
    session.flush()
    return handover


def reactivate_person(session, user, actor, source):
    """Let a deactivated person sign in again (by SSO, or with a password an admin sets). The tasks handed over
    when they left stay where they went. Returns True when they were inactive."""
    if user.active:
        return False
    user.active = True
    session.flush()
    return True


def _open_tasks_of(session, user):
    """The open tasks `user` holds, delegated, or is a candidate for, locked for the move."""
    named = sa.cast(HumanTask.candidate_users, sa.String).like(f'%"{user.username}"%')
    rows = session.scalars(sa.select(HumanTask).where(
        HumanTask.status == "open",
        sa.or_(HumanTask.assignee_id == user.id, HumanTask.owner_id == user.id,
               sa.and_(HumanTask.assignee_id.is_(None), named)))
        .order_by(HumanTask.id).with_for_update().execution_options(populate_existing=True)).all()
    # (LIKE reads "_" in a username as any character: the lists themselves decide)
    return [row for row in rows if row.assignee_id == user.id or row.owner_id == user.id
            or user.username in (row.candidate_users or [])]


def _hand_over(session, row, leaver, actor, source, now):
    """Move one open task away from a leaver; returns who has it now (in words), or None when it did not move."""
    others = [name for name in (row.candidate_users or []) if name != leaver.username]
    if row.assignee_id != leaver.id:
        if row.owner_id == leaver.id:
            row.owner = None  # they delegated it: the delegate keeps it, with nobody to hand it back to
        if leaver.username in (row.candidate_users or []):
            row.candidate_users = others
            if not others and not row.candidate_groups and row.assignee_id is None:
                return _to_successor(session, row, leaver, actor, source, now)
        return None
    if row.owner is not None and row.owner.active and row.owner_id != leaver.id:
        owner = row.owner
        row.assignee, row.owner = owner, None
        return _moved(session, row, leaver, actor, source, now, owner, owner.name,
                      f"\u201c{row.title}\u201d went back to {owner.name}, who delegated it")
    row.owner = None
    if row.claimed_by_id == leaver.id and (others or row.candidate_groups):
        row.assignee, row.claimed_by, row.claimed_at, row.candidate_users = None, None, None, others
        offered = ", ".join(row.candidate_groups + others)
        return _moved(session, row, leaver, actor, source, now, None, offered,
                      f"\u201c{row.title}\u201d went back to {offered} to claim")
    return _to_successor(session, row, leaver, actor, source, now)


def _to_successor(session, row, leaver, actor, source, now):
    """Give the task to the leaver's manager, or offer it to HR."""
    manager = successor(leaver, row.decides_on_id)
    row.claimed_by, row.claimed_at, row.substitute_for = None, None, None
    if manager is not None and not is_own_decision(row, manager):
        row.assignee = manager
        return _moved(session, row, leaver, actor, source, now, manager, manager.name,
                      f"\u201c{row.title}\u201d went to {manager.name}, {leaver.name}'s manager")
    row.assignee, row.candidate_users, row.candidate_groups = None, [], [HR_GROUP]
    return _moved(session, row, leaver, actor, source, now, None, "HR",
                  f"\u201c{row.title}\u201d is offered to HR to claim")


def _moved(session, row, leaver, actor, source, now, person, to, what):
    """Record a hand-over in the path's history and tell whoever has the task now."""
    session.add(InstanceEvent(instance_id=row.instance_id, at=now, actor=actor, kind=REASSIGNED,
                              element_id=row.element_id, human_task=row,
                              message=f"{leaver.name} was deactivated {how(actor, source)}: {what}",
                              data={"from": leaver.username, "to": person.username if person else None,
                                    "offered_to": None if person else list(row.candidate_groups + row.candidate_users),
                                    "reason": "left", "source": source}))
    session.flush()
    settle_task_messages(session, [row.id], except_user_id=person.id if person else None, now=now)
    instance = row.instance
    employee = instance.employee.name if instance.employee else instance.business_key
    if person is not None:
        notify(session, [person], f"Handed over to you: {row.title}",
               f"{leaver.name} has left. \u201c{row.title}\u201d in the career path of {employee} waits for you now.",
               kind="task", instance_id=row.instance_id, human_task=row, now=now)
    else:
        notify(session, people_of_task(session, row), f"Task available: {row.title}",
               f"{leaver.name} has left. \u201c{row.title}\u201d in the career path of {employee} is offered to "
               f"{to}: claim it to work on it.", kind="task", instance_id=row.instance_id, human_task=row, now=now)
    return to
