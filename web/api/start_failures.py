"""API failed starts: the paths that could not start (HR and process owners see all, others their own),
and *start again* for HR and process owners (engine/runtime/start_failures.py)."""
from flask.views import MethodView
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from engine.rights import authorization
from engine.errors import Forbidden
from engine.runtime.runner import Runtime
from engine.runtime.start_failures import open_start_failures, start_again, start_failures_of

from ..extensions import db
from .views import _instance_view, blp
from .schemas import InstanceSchema


class StartFailureSchema(Schema):
    id = fields.Integer()
    process_key = fields.String(attribute="process_version.key")
    process_version = fields.Integer(attribute="process_version.version")
    employee = fields.Function(lambda row: row.employee.username if row.employee else None)
    started_by = fields.Function(lambda row: row.started_by.username if row.started_by else None)
    element_id = fields.String(allow_none=True)
    message = fields.String()
    at = fields.DateTime()


def _handles_incidents(user):
    return authorization.is_hr(user) or authorization.is_process_owner(user)


@blp.route("/start-failures")
class StartFailures(MethodView):
    decorators = [login_required]

    @blp.response(200, StartFailureSchema(many=True))
    def get(self):
        """Paths that could not start and were not started again yet, newest first (HR and process owners see
        everyone's, others their own)."""
        if _handles_incidents(current_user):
            return open_start_failures(db.session)
        return start_failures_of(db.session, current_user)


@blp.route("/start-failures/<id:failure_id>/start-again")
class StartAgain(MethodView):
    decorators = [login_required]

    @blp.response(201, InstanceSchema)
    def post(self, failure_id):
        """Start the latest version of the process for the same person (HR and process owners); a new failure
        answers 409 and is listed in its place."""
        if not _handles_incidents(current_user):
            raise Forbidden("Only HR and process owners can start a failed path again.")
        outcome = start_again(db.session, Runtime(db.session), failure_id, current_user)
        db.session.commit()
        return _instance_view(outcome.instance)
