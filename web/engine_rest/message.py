"""/engine-rest/message: correlate a message to the paths waiting for it, or start paths with it (Camunda's
POST /message; engine/connect/messages.py does the correlating and says who may reach which path)."""
from flask import Response, jsonify

from engine.connect import messages
from engine.runtime.runner import Runtime

from ..extensions import db
from .common import InvalidRequest, bp, current_client, json_body
from .variables import from_typed, typed_map


def _text(payload, name):
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{name} must be text.", {name: "not text"})
    return value or None


def _flag(payload, name):
    value = payload.get(name, False)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false.", {name: "not a boolean"})
    return value


def _instance_id(text):
    """processInstanceId as a row id; an id that cannot be one matches no path (-1)."""
    if text is None:
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 2 ** 31 else -1


def result_json(result, with_variables):
    """One MessageCorrelationResultWithVariableDto."""
    instance = result.instance
    ended = instance.status in ("completed", "cancelled")
    answer = {"resultType": result.result_type, "execution": None, "processInstance": None}
    if result.result_type == "Execution":
        answer["execution"] = {"id": f"{instance.id}:{result.element_id}", "processInstanceId": str(instance.id),
                               "ended": ended, "tenantId": None}
    else:
        answer["processInstance"] = {"id": str(instance.id), "definitionId": instance.process_version.definition_id,
                                     "businessKey": instance.business_key, "caseInstanceId": None, "ended": ended,
                                     "suspended": False, "tenantId": None, "links": []}
    if with_variables:
        answer["variables"] = typed_map(Runtime(db.session).current_data(instance))
    return answer


@bp.route("/message", methods=["POST"])
def message_correlate():
    """Deliver messageName (to businessKey / processInstanceId / correlationKeys, setting processVariables);
    204, or 200 with the results when resultEnabled."""
    payload = json_body(required=True)
    name = _text(payload, "messageName")
    if not name:
        raise InvalidRequest("No message name supplied: send messageName.", {"messageName": "missing"})
    instance_id = _text(payload, "processInstanceId")
    keys = from_typed(payload.get("correlationKeys"), field="correlationKeys")
    keys.update(from_typed(payload.get("localCorrelationKeys"), field="localCorrelationKeys"))
    variables = from_typed(payload.get("processVariables"), field="processVariables")
    variables.update(from_typed(payload.get("processVariablesLocal"), field="processVariablesLocal"))
    results = messages.correlate(
        Runtime(db.session), current_client(), name, business_key=_text(payload, "businessKey"),
        instance_id=_instance_id(instance_id),
        correlation_keys=keys, variables=variables, correlate_all=_flag(payload, "all"))
    db.session.commit()
    if not _flag(payload, "resultEnabled"):
        return Response(status=204)
    with_variables = _flag(payload, "variablesInResultEnabled")
    return jsonify([result_json(result, with_variables) for result in results])
