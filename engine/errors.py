"""Domain errors. Each carries the HTTP status the web layer answers with and a
message written for the person who caused it."""


class DomainError(Exception):
    """Base class: `status` is the HTTP status, `code` a stable machine-readable name."""

    status = 400
    code = "bad_request"

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TaskAlreadyCompleted(Conflict):
    code = "task_already_completed"


class ConcurrentChange(Conflict):
    code = "concurrent_change"


class ClaimRequired(Conflict):
    """A group task is completed before anyone claimed it."""

    code = "claim_required"


class ValidationFailed(DomainError):
    """Submitted data breaks the form's rules; `errors` maps field paths to messages."""

    status = 422
    code = "validation_failed"


class DeploymentRejected(DomainError):
    """Files that cannot be deployed; `problems` lists element-level errors, `warnings` what would only have
    been worth knowing."""

    status = 400
    code = "deployment_rejected"

    def __init__(self, message, problems, warnings=()):
        errors = {"problems": [str(p) for p in problems]}
        if warnings:
            errors["warnings"] = [str(w) for w in warnings]
        super().__init__(message, errors=errors)
        self.problems = problems
        self.warnings = list(warnings)


class IncidentRaised(DomainError):
    """A script, expression or assignment failed; the step was rolled back."""

    status = 409
    code = "incident"
    title = "Stopped by a problem"


class StartFailed(DomainError):
    """Starting a path failed in the diagram (a script, expression, date or assignment) and was rolled back:
    no path exists. `failure` holds what to record for HR (engine.runtime.start_failures) once the rollback is done."""

    status = 409
    code = "start_failed"
    title = "Your path could not start"

    def __init__(self, message, failure):
        super().__init__(message, errors={"element_id": failure.get("element_id")})
        self.failure = failure


class Warn(str):
    """A check message that is a warning (the file still deploys), not an error. Check functions return
    messages; those of this type are reported as warnings (see engine.diagrams.validation)."""
