"""API task moves and comments: claim, release, delegate, hand back; comments on a path."""
from flask.views import MethodView
from flask_login import current_user, login_required

from engine.runtime.comments import add_comment, comments_of
from engine.directory.org import user_by_username
from engine.runtime.task_actions import TaskActions

from ..extensions import db
from .views import blp, visible_instance
from .schemas import CommentInSchema, CommentSchema, DelegateSchema, TaskSchema


def _moved(row):
    db.session.commit()
    return row


@blp.route("/tasks/<id:task_id>/claim")
class ClaimTask(MethodView):
    decorators = [login_required]

    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Claim a task offered to your group: it becomes yours (409 if someone else claimed it)."""
        return _moved(TaskActions(db.session).claim(task_id, current_user))


@blp.route("/tasks/<id:task_id>/release")
class ReleaseTask(MethodView):
    decorators = [login_required]

    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a task you claimed back to its group."""
        return _moved(TaskActions(db.session).release(task_id, current_user))


@blp.route("/tasks/<id:task_id>/delegate")
class DelegateTask(MethodView):
    decorators = [login_required]

    @blp.arguments(DelegateSchema)
    @blp.response(200, TaskSchema)
    def post(self, payload, task_id):
        """Delegate a task you hold to another person (`{"user": username}`); they complete it or hand it back."""
        person = user_by_username(db.session, payload["user"])
        return _moved(TaskActions(db.session).delegate(task_id, current_user, person))


@blp.route("/tasks/<id:task_id>/hand-back")
class HandBackTask(MethodView):
    decorators = [login_required]

    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Hand a task delegated to you back to the person who delegated it."""
        return _moved(TaskActions(db.session).hand_back(task_id, current_user))


@blp.route("/process-instances/<id:instance_id>/comments")
class Comments(MethodView):
    decorators = [login_required]

    @blp.response(200, CommentSchema(many=True))
    def get(self, instance_id):
        """Comments on a path, oldest first."""
        return comments_of(db.session, visible_instance(instance_id).id)

    @blp.arguments(CommentInSchema)
    @blp.response(201, CommentSchema)
    def post(self, payload, instance_id):
        """Comment on a path, or on one of its tasks (`task_id`)."""
        comment = add_comment(db.session, visible_instance(instance_id), current_user, payload["body"],
                              task_id=payload.get("task_id"))
        db.session.commit()
        return comment
