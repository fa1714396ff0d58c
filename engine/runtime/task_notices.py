"""What became of a task a message was about, said in words.

A message links to a task. By the time its reader opens it the task may have
been completed, withdrawn by the process, or taken by someone else; the reader
then gets a sentence saying what happened and that nothing is needed from
them, instead of a bare "forbidden" page.
"""
import sqlalchemy as sa

from engine.rights import authorization
from engine.store.models import InstanceEvent


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "earlier"


def _withdrawn_at(session, row):
    return session.scalar(sa.select(InstanceEvent.at).where(
        InstanceEvent.human_task_id == row.id, InstanceEvent.kind == "task_cancelled")
        .order_by(InstanceEvent.id.desc()).limit(1))


def what_became_of(session, row, user):
    """None when the task still waits for `user` (they may work on it); otherwise one sentence saying what
    happened to it and that nothing is needed from them. `row` None: the task no longer exists."""
    if row is None:
        return "The task this message was about no longer exists; nothing is needed from you."
    title = f"\u201c{row.title}\u201d"
    if row.status == "completed":
        who = "you" if row.completed_by_id == user.id else (row.completed_by.name if row.completed_by else "someone")
        return f"{title} was completed by {who} on {_when(row.completed_at)}; nothing is needed from you."
    if row.status != "open":
        instance = row.instance
        reason = ("the path was cancelled" if instance.status == "cancelled"
                  else "the path moved on without it")
        return (f"{title} was withdrawn on {_when(_withdrawn_at(session, row))}: {reason}; "
                f"nothing is needed from you.")
    if authorization.may_work_on(row, user):
        return None
    if row.owner_id == user.id and row.assignee is not None:
        return f"You delegated {title} to {row.assignee.name}; it is with them now."
    if row.assignee is not None:
        since = f" on {_when(row.claimed_at)}" if row.claimed_at and row.claimed_by_id == row.assignee_id else ""
        return f"{title} was taken by {row.assignee.name}{since}; nothing is needed from you."
    return f"{title} is no longer offered to you; nothing is needed from you."
