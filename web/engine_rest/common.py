"""What every /engine-rest resource shares: the blueprint, authentication, errors and date formatting."""
from datetime import datetime

from flask import Blueprint, g

from engine import authorization
from engine.errors import DomainError, Forbidden

from ..auth.credentials import header_user
from ..errors import error_response
from ..extensions import csrf

bp = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")
csrf.exempt(bp)

ENGINE_VERSION = "7.22.0"  # the Camunda 7 REST dialect these endpoints follow


class InvalidRequest(DomainError):
    """A request Camunda would answer with 400 InvalidRequestException."""

    status = 400
    code = "invalid_request"


def _credentials_user():
    """The user named by the Authorization header (Basic or Bearer), or None."""
    return header_user()


@bp.before_request
def authenticate_tool():
    """Every call needs a process owner's credentials: 401 without valid ones, 403 for other users."""
    user = _credentials_user()
    if user is None:
        response = error_response(401, "unauthorized",
                                  "Send a process owner's credentials: HTTP Basic (username and password) or a "
                                  "bearer token created on the Processes › API tokens page.")
        response.headers["WWW-Authenticate"] = 'Basic realm="Career Pathing engine-rest"'
        return response
    if not authorization.is_process_owner(user):
        raise Forbidden(f"{user.name} may not deploy or start processes: only process owners can.")
    g.rest_user = user
    return None


def camunda_time(value):
    """A stored (naive UTC) time in Camunda's `yyyy-MM-dd'T'HH:mm:ss.SSSZ` format."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if isinstance(value, datetime) else None
