"""Moving a task between people: claim, release, delegate, hand back.

A task offered to candidates (a group) is claimed before it is completed; the
claimer can release it to the group again. Whoever holds a task can delegate it
to another person, who completes it or hands it back. Each move locks the task
row, is recorded in the path's history and tells the people concerned.
"""
import sqlalchemy as sa

from engine.rights import authorization
from engine.errors import Conflict, Forbidden, NotFound
from engine.store.models import HumanTask, InstanceEvent, utcnow
from engine.connect.notifications import notify, people_of_task, settle_task_messages
from engine.rights.separation import check_may_receive, check_not_own_decision, is_own_decision


class TaskActions:
    """Task moves for one database session (flushes; the caller commits)."""

    def __init__(self, session, clock=utcnow):
        self.session = session
        self.clock = clock

    def _open_row(self, task_id, user, giving_back=False):
        """The open task row, locked; a task deciding on the user's own path only for giving it back."""
        row = self.session.scalars(sa.select(HumanTask).where(HumanTask.id == task_id).with_for_update()
                                   .execution_options(populate_existing=True)).first()
        if row is not None and is_own_decision(row, user):
            if not giving_back or row.assignee_id != user.id:
                check_not_own_decision(row, user)
        elif row is None or not authorization.may_see_task(row, user):
            raise NotFound(f"There is no task {task_id} that you may see.")
        if row.status != "open":
            raise Conflict(f"\u201c{row.title}\u201d is {row.status}; it can no longer be moved.")
        return row

    def _event(self, row, actor, kind, message):
        self.session.add(InstanceEvent(instance_id=row.instance_id, at=self.clock(), actor=actor, kind=kind,
                                       element_id=row.element_id, human_task=row, message=message))

    def claim(self, task_id, user):
        """Take a group task: it becomes yours and leaves the others' inboxes."""
        row = self._open_row(task_id, user)
        if row.assignee_id == user.id:
            return row
        if row.assignee_id is not None:
            raise Conflict(f"\u201c{row.title}\u201d was already claimed by {row.assignee.name}.")
        if not authorization.is_candidate(row, user):
            raise Forbidden(f"\u201c{row.title}\u201d is not offered to you.")
        row.assignee, row.claimed_by, row.claimed_at = user, user, self.clock()
        self._event(row, user, "task_claimed", f"{user.name} claimed \u201c{row.title}\u201d")
        self.session.flush()
        settle_task_messages(self.session, [row.id], except_user_id=user.id, now=self.clock())
        return row

    def release(self, task_id, user):
        """Give a claimed group task back to its group."""
        row = self._open_row(task_id, user, giving_back=True)
        if row.claimed_by_id != user.id or row.assignee_id != user.id or not (row.candidate_groups
                                                                                or row.candidate_users):
            raise Conflict(f"Only the person who claimed \u201c{row.title}\u201d from its group can release it.")
        row.assignee, row.claimed_by, row.claimed_at = None, None, None
        self._event(row, user, "task_released", f"{user.name} released \u201c{row.title}\u201d to "
                                                f"{', '.join(row.candidate_groups + row.candidate_users)}")
        self.session.flush()
        notify(self.session, [p for p in people_of_task(self.session, row) if p.id != user.id],
               f"Task available again: {row.title}", f"{user.name} released \u201c{row.title}\u201d; "
               f"anyone in the group can claim it.", kind="task", instance_id=row.instance_id, human_task=row,
               now=self.clock())
        return row

    def delegate(self, task_id, user, delegate_to):
        """Hand your task to someone else; they complete it or hand it back to you."""
        row = self._open_row(task_id, user)
        if row.assignee_id != user.id:
            raise Forbidden(f"Only the person who holds \u201c{row.title}\u201d can delegate it; claim it first.")
        if delegate_to is None or not delegate_to.active:
            raise NotFound("There is no such active person to delegate to.", errors={"user": "unknown user"})
        if delegate_to.id == user.id:
            raise Conflict("You already hold this task.", errors={"user": "choose someone else"})
        check_may_receive(row, delegate_to)
        if row.owner_id is None:
            row.owner = user
        row.assignee = delegate_to
        self._event(row, user, "task_delegated", f"{user.name} delegated \u201c{row.title}\u201d to {delegate_to.name}")
        self.session.flush()
        settle_task_messages(self.session, [row.id], except_user_id=delegate_to.id, now=self.clock())
        notify(self.session, [delegate_to], f"Delegated to you: {row.title}",
               f"{user.name} asks you to do \u201c{row.title}\u201d. Complete it, or hand it back.",
               kind="task", instance_id=row.instance_id, human_task=row, now=self.clock())
        return row

    def hand_back(self, task_id, user):
        """Return a delegated task to the person who delegated it."""
        row = self._open_row(task_id, user, giving_back=True)
        if row.owner_id is None or row.assignee_id != user.id:
            raise Conflict(f"\u201c{row.title}\u201d was not delegated to you, so there is nobody to hand it back to.")
        owner = row.owner
        row.assignee, row.owner = owner, None
        self._event(row, user, "task_handed_back", f"{user.name} handed \u201c{row.title}\u201d back to {owner.name}")
        self.session.flush()
        notify(self.session, [owner], f"Handed back: {row.title}", f"{user.name} handed \u201c{row.title}\u201d back "
               f"to you.", kind="task", instance_id=row.instance_id, human_task=row, now=self.clock())
        return row
