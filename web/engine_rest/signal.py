"""/engine-rest/signal: throw a signal to every waiting signal event the caller may reach (Camunda's
POST /signal; engine/connect/messages.py delivers it)."""
from flask import Response

from engine.connect import messages
from engine.runtime.runner import Runtime

from ..extensions import db
from .common import InvalidRequest, bp, current_client, json_body
from .variables import from_typed


@bp.route("/signal", methods=["POST"])
def throw_signal():
    """Deliver the signal `name` with `variables` (narrowed by `businessKey`, which also names the employee of
    paths a signal start event begins); 204."""
    payload = json_body(required=True)
    name = payload.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest("No signal name given: send name.", {"name": "missing"})
    business_key = payload.get("businessKey")
    if business_key is not None and not isinstance(business_key, str):
        raise InvalidRequest("businessKey must be text.", {"businessKey": "not text"})
    if payload.get("executionId") not in (None, ""):
        raise InvalidRequest("executionId is not supported here: a signal reaches every path waiting for it "
                             "(narrow it with businessKey).", {"executionId": "not supported"})
    messages.signal(Runtime(db.session), current_client(), name, from_typed(payload.get("variables")),
                    business_key=business_key or None)
    db.session.commit()
    return Response(status=204)
