"""The OpenAPI document covers /engine-rest as well as /api/v1: every engine-rest route and method is in it."""
import re


def _shape(path):
    """A path with its parameters blanked, so Flask's `<task_id>` and OpenAPI's `{id}` compare equal."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_engine_rest_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {(_shape(path), method.upper()) for path, operations in document["paths"].items()
                  for method in operations}
    routes = {(_shape(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/engine-rest") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and routes <= documented, sorted(routes - documented)
    assert any(path.startswith("/api/v1/") for path in document["paths"])
    task_list = document["paths"]["/engine-rest/task"]["get"]
    assert {"assignee", "candidateGroup", "dueBefore", "sortBy", "maxResults"} <= {
        p["name"] for p in task_list["parameters"]}
    assert document["components"]["schemas"]["CamundaError"]["required"] == ["type", "message"]
