"""marshmallow schemas of the JSON API: what goes in (validated) and what comes out."""
from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Input schemas reject unknown fields with a 422 naming them."""

    class Meta:
        unknown = RAISE


class ProcessDefinitionSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    deployed_at = fields.DateTime()
    startable = fields.Boolean(metadata={"description": "True on the newest version of a process the caller may "
                                                        "start for themselves (POST /process-instances)"})


def username_of(attribute):
    """A user reference as a username, or null when there is nobody."""
    return fields.Function(lambda obj: getattr(getattr(obj, attribute), "username", None), allow_none=True)


class TaskSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    subject = fields.String(allow_none=True, metadata={
        "description": "What this activation is about (the task's `subject` property), e.g. a milestone's title"})
    title = fields.String(dump_only=True, metadata={"description": "The name with the subject, as people read it"})
    element_id = fields.String()
    process_key = fields.String()
    instance_id = fields.Integer()
    employee = fields.String(attribute="instance.business_key")
    lane = fields.String(allow_none=True)
    status = fields.String()
    assignee = username_of("assignee")
    candidate_users = fields.List(fields.String())
    candidate_groups = fields.List(fields.String())
    due_at = fields.DateTime(allow_none=True)
    follow_up_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = username_of("completed_by")
    delegated_by = username_of("owner")
    substitute_for = username_of("substitute_for")


class VariableSchema(Schema):
    name = fields.String()
    label = fields.String(metadata={"description": "The name as people read it"})
    value = fields.String(metadata={"description": "The value as people read it"})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "The form-js schema of the task's form; null "
                                                                 "for a task without a form (generic task)"})
    data = fields.Dict(metadata={"description": "Current values the form is filled with"})
    documentation = fields.String(allow_none=True, metadata={"description": "The step's documentation "
                                                                             "(Markdown) from the diagram"})
    variables = fields.List(fields.Nested(VariableSchema), allow_none=True, metadata={
        "description": "For a task without a form: the process variables worth showing, readable"})


class CompleteTaskSchema(StrictSchema):
    data = fields.Dict(required=True, metadata={"description": "Form field values keyed by field key"})


class CompletionSchema(Schema):
    instance_id = fields.Integer()
    instance_status = fields.String()
    next_tasks = fields.List(fields.Nested(TaskSchema))


class StartInstanceSchema(StrictSchema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    employee = fields.String(validate=validate.Length(min=1, max=80),
                             metadata={"description": "Username of the employee; the caller if omitted"})
    variables = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$")),
                            metadata={"description": "Extra process variables"})


class EventSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    actor = username_of("actor")
    element_id = fields.String(allow_none=True)
    task_id = fields.Integer(attribute="human_task_id", allow_none=True)
    message = fields.String()
    data = fields.Dict(allow_none=True)


class InstanceSchema(Schema):
    id = fields.Integer(attribute="instance.id")
    process_key = fields.String(attribute="instance.process_version.key")
    process_version = fields.Integer(attribute="instance.process_version.version")
    business_key = fields.String(attribute="instance.business_key")
    status = fields.String(attribute="instance.status")
    started_at = fields.DateTime(attribute="instance.started_at")
    ended_at = fields.DateTime(attribute="instance.ended_at", allow_none=True)
    incident = fields.Dict(attribute="instance.incident", allow_none=True)
    open_tasks = fields.List(fields.Nested(TaskSchema))
    history = fields.List(fields.Nested(EventSchema))


class DelegateSchema(StrictSchema):
    user = fields.String(required=True, validate=validate.Length(min=1, max=80),
                         metadata={"description": "Username of the person to delegate to"})


class CommentInSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    task_id = fields.Integer(metadata={"description": "Comment on this task of the path"})


class CommentSchema(Schema):
    id = fields.Integer()
    author = fields.String(attribute="author.username")
    body = fields.String()
    task_id = fields.Integer(attribute="human_task_id", allow_none=True)
    created_at = fields.DateTime()
