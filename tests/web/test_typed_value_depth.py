"""A Json-typed variable is text parsed apart from the request body, so the body's nesting limit
(MAX_JSON_DEPTH) applies to it again: deeper is a 400 naming the variable, never a 500, and changes nothing."""
import base64

from engine.json_limits import MAX_JSON_DEPTH
from web.extensions import db

DEEP = "[" * 5000 + "]" * 5000


def auth(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def nested(levels):
    return "[" * levels + "]" * levels


def test_an_employee_sending_a_deep_json_variable_with_a_message_gets_a_400_naming_it(act):
    act.start_path("ada")
    response = act.app.test_client().post("/engine-rest/message", headers=auth("ada"), json={
        "messageName": "training-done", "businessKey": "ada",
        "processVariables": {"plan": {"value": DEEP, "type": "Json"}}})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["type"] == "InvalidRequestException"
    assert set(response.json["errors"]) == {"processVariables.plan"}
    assert "plan" in response.json["message"] and f"more than {MAX_JSON_DEPTH} levels" in response.json["message"]


def test_hr_setting_a_deep_json_variable_gets_a_400_naming_it_and_nothing_changes(act):
    path = act.start_path("ada")
    client = act.app.test_client()
    put = client.put(f"/engine-rest/process-instance/{path.id}/variables/plan", headers=auth("hana"),
                     json={"value": DEEP, "type": "Json"})
    assert put.status_code == 400 and "plan" in put.json["message"], put.get_data(as_text=True)[:300]
    modify = client.post(f"/engine-rest/process-instance/{path.id}/variables", headers=auth("hana"), json={
        "modifications": {"ok": {"value": 1, "type": "Integer"},
                          "plan": {"value": nested(MAX_JSON_DEPTH + 1), "type": "Object",
                                   "valueInfo": {"serializationDataFormat": "application/json"}}}})
    assert modify.status_code == 400 and set(modify.json["errors"]) == {"modifications.plan"}, modify.json
    variables = client.get(f"/engine-rest/process-instance/{path.id}/variables", headers=auth("hana")).json
    assert "plan" not in variables and "ok" not in variables
    fits = client.put(f"/engine-rest/process-instance/{path.id}/variables/plan", headers=auth("hana"),
                      json={"value": nested(MAX_JSON_DEPTH), "type": "Json"})
    assert fits.status_code == 204
    db.session.expire_all()
    stored = client.get(f"/engine-rest/process-instance/{path.id}/variables/plan", headers=auth("hana")).json
    assert stored["type"] == "Json" and stored["value"] == nested(MAX_JSON_DEPTH)
