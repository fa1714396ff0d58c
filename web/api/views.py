"""JSON API under /api/v1 (flask-smorest): the same actions as the pages, for integrations.

Authentication is the session cookie or HTTP Basic. Input goes through the
schemas in `schemas.py`, which also document the API at /api/v1/openapi.json.
"""
import sqlalchemy as sa
from flask import current_app, jsonify
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Api, Blueprint

from engine.rights import authorization, start_rights
from engine.pilot.cohorts import check_may_start_own
from engine.diagrams.versions import latest_version
from engine.directory.org import user_by_username
from engine.errors import NotFound
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, ProcessVersion, utcnow
from engine.runtime.runner import Runtime
from engine.runtime.task_view import shown_variables, task_documentation

from ..extensions import db
from ..retries import IDEMPOTENCY_KEY_PARAMETER, idempotent
from ..tasks.views import open_tasks_query
from .schemas import (
    CompleteTaskSchema,
    CompletionSchema,
    InstanceSchema,
    ProcessDefinitionSchema,
    StartInstanceSchema,
    TaskDetailSchema,
    TaskSchema,
)


class PathingApi(Api):
    """flask-smorest Api whose errors go through the app's single error handler."""

    def _register_error_handlers(self):
        """The app's handler (web.errors) answers in the one JSON error shape."""


blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Career Pathing API")
COMPLETION = CompletionSchema()  # built once: a marshmallow schema costs more to build than to use


@blp.route("/process-definitions")
class ProcessDefinitions(MethodView):
    decorators = [login_required]

    @blp.response(200, ProcessDefinitionSchema(many=True))
    def get(self):
        """Deployed processes: every version of every key, newest first; `startable` marks what the caller may
        start (the diagram's candidate starters; processes only called by others are not startable)."""
        offered = start_rights.offered_versions(db.session, current_user)
        versions = db.session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.key,
                                                                         ProcessVersion.version.desc())).all()
        return [{"id": v.id, "key": v.key, "name": v.name, "version": v.version, "deployed_at": v.deployed_at,
                 "startable": offered.get(v.key) is v} for v in versions]


@blp.route("/tasks")
class Tasks(MethodView):
    decorators = [login_required]

    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Open tasks the caller may work on (assigned or offered to their groups), soonest due first."""
        query = open_tasks_query(current_user)
        pagination_parameters.item_count = db.session.scalar(
            sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        page, size = pagination_parameters.page, pagination_parameters.page_size
        return db.session.scalars(query.offset((page - 1) * size).limit(size)).all()


def _visible_task(task_id):
    return authorization.check_may_see_task(db.session, db.session.get(HumanTask, task_id), current_user)


@blp.route("/tasks/<id:task_id>")
class TaskDetail(MethodView):
    decorators = [login_required]

    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """One task with its form-js schema and the current values of its fields."""
        row = _visible_task(task_id)
        runtime = Runtime(db.session)
        row.form = runtime.form_schema(row)
        row.data = runtime.task_data(row) if row.status == "open" else (row.outcome or {})
        row.documentation = task_documentation(row.instance.process_version, row.element_id)
        row.variables = shown_variables(row.data) if row.form is None and row.status == "open" else None
        return row


@blp.route("/tasks/<id:task_id>/complete")
class CompleteTask(MethodView):
    decorators = [login_required]

    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, CompletionSchema)
    def post(self, payload, task_id):
        """Complete a task with form data: 409 if already completed, 422 with per-field errors if invalid."""
        outcome = Runtime(db.session).complete(task_id, payload["data"], current_user)  # checks who may see it
        # The answer is built before the commit, from what was just written (nothing is read back).
        answer = COMPLETION.dump({"instance_id": outcome.instance.id, "instance_status": outcome.instance.status,
                                  "next_tasks": outcome.opened})
        db.session.commit()
        return jsonify(answer)


@blp.route("/process-instances")
class Instances(MethodView):
    decorators = [login_required]

    @idempotent()
    @blp.arguments(StartInstanceSchema)
    @blp.response(201, InstanceSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, payload):
        """Start a path of `process_key` for `employee` (a username; the caller by default). With an
        Idempotency-Key header, a retry returns the first answer and starts nothing more."""
        employee = current_user
        if payload.get("employee"):
            employee = user_by_username(db.session, payload["employee"])
            if employee is None:
                raise NotFound(f'There is no user "{payload["employee"]}".', errors={"employee": "unknown user"})
        if latest_version(db.session, payload["process_key"]) is None:
            raise NotFound(f'No process "{payload["process_key"]}" is deployed.',
                           errors={"process_key": "not deployed"})
        if employee.id == current_user.id:
            check_may_start_own(db.session, employee, utcnow().date(), current_app.config["PATHING_REQUIRE_COHORT"])
        outcome = Runtime(db.session).start(payload["process_key"], employee, current_user,
                                            payload.get("variables"))
        return _instance_view(outcome.instance)  # answered, then committed with its key by @idempotent


@blp.route("/process-instances/<id:instance_id>")
class InstanceDetail(MethodView):
    decorators = [login_required]

    @blp.response(200, InstanceSchema)
    def get(self, instance_id):
        """A path: status, open tasks and its full history."""
        return _instance_view(visible_instance(instance_id))


def visible_instance(instance_id):
    """The path if the caller may see it; 404 otherwise (its existence is not revealed)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not authorization.may_view_instance(db.session, instance, current_user):
        raise NotFound(f"There is no path {instance_id} that you may see.")
    return instance


def _instance_view(instance):
    open_tasks = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.id)).all()
    history = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
                                 .order_by(InstanceEvent.at, InstanceEvent.id)).all()
    return {"instance": instance, "open_tasks": open_tasks, "history": history}
