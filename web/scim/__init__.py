"""SCIM 2.0 provisioning at /scim/v2: identity providers create, change, deactivate and remove people and
groups of the org directory (RFC 7643/7644: Users, Groups, ServiceProviderConfig, ResourceTypes, Schemas;
filters, sorting, pagination, PATCH, PUT, DELETE, ETags).

The protocol is scim2-server's (`ScimHandler` + our `DirectoryService`); the resources are scim2-models'
(web/scim/schema.py); the storage is the directory (web/scim/storage.py), changed only through
engine.people.provisioning. Only a provisioning token authorises a request (`Authorization: Bearer TOKEN`): neither a
login session nor a person's API token or password does. Answers and errors are `application/scim+json`, errors
in SCIM's shape. One request is one transaction: committed when it succeeds, rolled back otherwise.
"""
import json

import sqlalchemy as sa
from flask import Blueprint, Response, g, request, url_for
from scim2_models import Error, SCIMException, UnauthorizedException
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import SCIM_MEDIA_TYPE, ScimResponse
from scim2_server.routing import ROUTES
from sqlalchemy.exc import OperationalError

from engine.people import provisioning
from engine.store.models import utcnow
from engine.store.provisioning_models import ProvisioningToken

from ..errors import error_shape
from ..extensions import csrf, db
from .schema import build_provider
from .service import DirectoryService
from .storage import DirectoryStorage

PREFIX = "/scim/v2"
bp = Blueprint("scim", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # authorised by a bearer token only, which a browser never adds by itself

PROVIDER = build_provider()
SERVICE = DirectoryService(PROVIDER)
CHALLENGE = 'Bearer realm="Career Pathing SCIM"'


def scim_error(status, detail, scim_type=None, headers=None):
    """An answer in SCIM's error shape: {"schemas": [...Error], "status": "400", "scimType": ..., "detail": ...}."""
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump()
    response = Response(json.dumps(body), status=status, content_type=SCIM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


error_shape("/scim/", lambda status, code, message, errors: scim_error(status, message))


def _as_flask(scim_response: ScimResponse):
    body = json.dumps(scim_response.body) if scim_response.body is not None else None
    return Response(body, status=int(scim_response.status), headers=scim_response.headers)


def _bearer_token():
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


@bp.before_request
def require_provisioning_token():
    """401 unless the request carries a live provisioning token; its use is noted at most every few minutes, in
    a transaction of its own (the request's never locks the token row)."""
    row = provisioning.provisioning_token_for(db.session, _bearer_token())
    if row is None:
        return _as_flask(SERVICE.error_response(UnauthorizedException(
            detail="Send a provisioning token as “Authorization: Bearer TOKEN”; an administrator makes one on "
                   "Admin › People › Provisioning tokens or with `pathing provisioning-token`.")))
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > provisioning.TOKEN_USE_NOTED_EVERY:
        try:
            with db.engine.begin() as connection:
                connection.execute(sa.update(ProvisioningToken).where(ProvisioningToken.id == row.id)
                                   .values(last_used_at=now))
        except OperationalError:  # the database is busy (SQLite's single writer): note it next time
            pass
    g.provisioning_token = row
    return None


def serve(**_arguments):
    """Any SCIM request: scim2-server routes it, validates it and calls the directory storage."""
    method = "GET" if request.method == "HEAD" else request.method  # HEAD: the GET's answer without its body
    scim_request = ScimRequest(method=method, base_url=url_for("scim.search_root", _external=True).rstrip("/"),
                               path=request.path.removeprefix(PREFIX) or "/", query=request.args.to_dict(),
                               headers=list(request.headers.items()), body=request.get_data(),
                               subject=g.get("provisioning_token"))
    handler = ScimHandler(SERVICE, DirectoryStorage(db.session, PROVIDER))
    try:
        answer = handler.handle(scim_request)
        db.session.commit()
    except SCIMException as exc:
        db.session.rollback()
        answer = SERVICE.error_response(exc)
    return _as_flask(answer)


def _flask_rule(pattern):
    return pattern.replace("{endpoint}", "<resource_endpoint>").replace("{resource_id}", "<resource_id>")


for _route in ROUTES:  # the same routes as scim2-server's router, each served by `serve`
    bp.add_url_rule(_flask_rule(_route.pattern), _route.name, serve, methods=[_route.method])
