"""What every /engine-rest resource shares: the blueprint, authentication, Camunda's error shape, dates,
paging and the query-object reader (GET parameters and POST bodies alike)."""
import re
from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request

from engine.rights import authorization
from engine.errors import Conflict, DomainError, Forbidden

from ..auth.credentials import header_user, sends_password_while_off
from ..auth.passwords import PASSWORDS_OFF
from ..extensions import csrf

bp = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")
csrf.exempt(bp)

ENGINE_VERSION = "7.22.0"  # the Camunda 7 REST dialect these endpoints follow
ENGINE_NAME = "default"
MAX_RESULTS = 1000  # the most rows one list answer carries


class InvalidRequest(DomainError):
    """A request Camunda would answer with 400 InvalidRequestException."""

    status = 400
    code = "invalid_request"


class TaskAlreadyClaimed(Conflict):
    """Claiming a task someone else holds (Camunda's TaskAlreadyClaimedException)."""

    code = "task_already_claimed"


# Our error kinds as Camunda names them (status stays ours: a user's mistake is never a 500).
CAMUNDA_TYPES = {
    "not_found": "InvalidRequestException", "invalid_request": "InvalidRequestException",
    "validation_failed": "InvalidRequestException", "bad_request": "InvalidRequestException",
    "forbidden": "AuthorizationException", "unauthorized": "AuthorizationException",
    "deployment_rejected": "ParseException", "concurrent_change": "OptimisticLockingException",
    "task_already_completed": "NullValueException", "claim_required": "ProcessEngineException",
    "task_already_claimed": "TaskAlreadyClaimedException", "migration_not_possible": "MigratingProcessInstanceValidationException",
    "BadUserRequestException": "BadUserRequestException",
    "MismatchingMessageCorrelationException": "MismatchingMessageCorrelationException",
}


def camunda_error(status, code, message, errors=None):
    """The JSON error answer in Camunda's shape `{"type", "message"}` (field details in `errors`)."""
    kind = CAMUNDA_TYPES.get(code)
    if kind is None:
        kind = {400: "InvalidRequestException", 401: "AuthorizationException", 403: "AuthorizationException",
                404: "InvalidRequestException"}.get(status, "ProcessEngineException" if status >= 409 else "RestException")
    if status == 422:  # Camunda has no 422: invalid input is a 400 InvalidRequestException
        status = 400
    details = [f"{field}: {text}" for field, text in (errors or {}).items() if isinstance(text, str)
               and field not in message]
    if details:  # clients often show only the message: it names each field too
        message = f"{message} ({'; '.join(details)})"
    response = jsonify({"type": kind, "message": message, "code": code, "errors": errors or {}})
    response.status_code = status
    return response


def _credentials_user():
    """The user named by the Authorization header (Basic or Bearer), or None."""
    return header_user()


@bp.before_request
def authenticate_client():
    """Every call needs credentials (no session cookie): 401 without valid ones. What each user may then see
    and do is checked per resource, as on the pages."""
    user = _credentials_user()
    if user is None or not user.active:
        response = camunda_error(401, "unauthorized", PASSWORDS_OFF if sends_password_while_off() else
                                 "Send your credentials: HTTP Basic (username and password) or a bearer token "
                                 "created on the Processes › API tokens page.")
        response.headers["WWW-Authenticate"] = 'Basic realm="Career Pathing engine-rest"'
        return response
    g.rest_user = user
    return None


def current_client():
    """The user this /engine-rest request acts for."""
    return g.rest_user


def require_process_owner(action):
    """403 AuthorizationException unless the caller is a process owner (deploy, delete, migrate)."""
    user = current_client()
    if not authorization.is_process_owner(user):
        raise Forbidden(f"{user.name} may not {action}: only process owners can.")
    return user


def camunda_time(value):
    """A stored (naive UTC) time in Camunda's `yyyy-MM-dd'T'HH:mm:ss.SSSZ` format."""
    if not isinstance(value, datetime):
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_camunda_time(text, field):
    """A Camunda date parameter (`2026-11-30T10:00:00.000+0100`, with or without millis/offset) as naive UTC;
    400 naming the field otherwise."""
    if isinstance(text, str):  # an unencoded `+` in a query string arrives as a space
        text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text.strip())
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        try:  # Java's ±HHmm offset (Python 3.11 parses it too; kept for odd spacing)
            value = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%S.%f%z")
        except (ValueError, AttributeError, TypeError):
            raise InvalidRequest(f"Cannot parse {field} {text!r}: use the format yyyy-MM-dd'T'HH:mm:ss.SSSZ, "
                                 f"e.g. 2026-11-30T10:00:00.000+0100.", {field: "not a date"}) from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def json_body(required=False):
    """The request's JSON object body ({} when empty); 400 when it is not a JSON object."""
    payload = request.get_json(silent=True)
    if payload is None:
        if request.get_data(cache=True).strip():
            raise InvalidRequest("The body must be JSON.", {"body": "not JSON"})
        if required:
            raise InvalidRequest("The body must be a JSON object.", {"body": "missing"})
        return {}
    if not isinstance(payload, dict):
        raise InvalidRequest("The body must be a JSON object.", {"body": "not an object"})
    return payload


def query_parameters():
    """A list's filters as one dict: the query string for GET, the JSON body for POST (Camunda's query
    objects read both); `firstResult`/`maxResults` always come from the query string."""
    if request.method == "POST":
        return json_body()
    return {name: ",".join(values) for name, values in request.args.lists()}  # a repeated parameter is a list


def paging():
    """(firstResult, maxResults) from the query string; 400 for values that are not whole numbers."""
    values = []
    for name, default in (("firstResult", 0), ("maxResults", MAX_RESULTS)):
        raw = request.args.get(name)
        if raw in (None, ""):
            values.append(default)
            continue
        try:
            values.append(min(max(int(raw), 0), 2 ** 31 - 1))  # beyond any row count, within SQL integers
        except ValueError:
            raise InvalidRequest(f"{name} must be a whole number, not {raw!r}.", {name: "not a number"}) from None
    return values[0], min(values[1], MAX_RESULTS)


def flag(params, name):
    """A boolean query parameter (`true`/`false` text, or a JSON boolean); None when absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise InvalidRequest(f"{name} must be true or false, not {value!r}.", {name: "not a boolean"})


def text_param(params, name):
    """A text filter; 400 when a POST body sends something else."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be text.", {name: "not text"})
    return value


def count_answer(count):
    """Camunda's `{"count": n}`."""
    return jsonify({"count": count})
