"""Comments on a path or on one of its tasks: kept as rows and as history entries."""
import sqlalchemy as sa

from engine.errors import NotFound, ValidationFailed
from engine.store.models import Comment, HumanTask, InstanceEvent, utcnow

MAX_COMMENT = 4000


def add_comment(session, instance, author, body, task_id=None, now=None):
    """Add a comment (the caller has checked the author may see the path); flushes, the caller commits."""
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("Write something before posting the comment.", {"body": "the comment is empty"})
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(f"A comment can be at most {MAX_COMMENT} characters; yours has {len(text)}.",
                               {"body": f"at most {MAX_COMMENT} characters"})
    task = None
    if task_id is not None:
        task = session.get(HumanTask, task_id)
        if task is None or task.instance_id != instance.id:
            raise NotFound(f"Task {task_id} is not part of this path.", {"task_id": "not in this path"})
    at = now or utcnow()
    comment = Comment(instance_id=instance.id, human_task=task, author=author, body=text, created_at=at)
    session.add(comment)
    where = f" on \u201c{task.name}\u201d" if task else ""
    session.add(InstanceEvent(instance_id=instance.id, at=at, actor=author, kind="comment",
                              element_id=task.element_id if task else None, human_task=task,
                              message=f"{author.name} commented{where}: {text[:200]}{'…' if len(text) > 200 else ''}"))
    session.flush()
    return comment


def comments_of(session, instance_id, task_id=None):
    """Comments of a path (or of one task of it), oldest first."""
    query = sa.select(Comment).where(Comment.instance_id == instance_id)
    if task_id is not None:
        query = query.where(Comment.human_task_id == task_id)
    return session.scalars(query.order_by(Comment.created_at, Comment.id)).all()
