"""Bodies too deep to walk safely are refused with a message: JSON on every route, forms at deploy."""
import json

import pytest

from .test_processes import upload, versions


def deep_json(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/process-instances", "/engine-rest/process-definition/key/x/start",
                                  "/login", "/api/v1/tasks/1/complete"])
@pytest.mark.parametrize("depth", [65, 1000, 50000])
def test_deep_json_is_a_400_with_a_message_even_anonymously(client, path, depth):
    response = client.post(path, data=deep_json(depth), content_type="application/json")
    assert response.status_code == 400
    if path != "/login":
        assert response.json["code"] == "too_deep"
        assert "nested more than 64 levels" in response.json["message"]


def test_deep_variables_are_refused_for_a_logged_in_caller_and_nothing_starts(act):
    variables = {"x": json.loads(deep_json(70))}
    response = act.as_("ada").post("/api/v1/process-instances",
                                   json={"process_key": "career_pathing", "variables": variables})
    assert response.status_code == 400 and response.json["errors"] == {"body": "nested more than 64 levels"}


def test_json_within_the_limit_still_works(act):
    response = act.as_("ada").post("/api/v1/process-instances",
                                   json={"process_key": "career_pathing", "variables": {"x": json.loads(deep_json(40))}})
    assert response.status_code != 400 or "nested" not in response.json["message"]


def nested_groups(depth):
    """A form-js form with `depth` groups inside each other (written as text: too deep for json.dumps)."""
    opening = "".join(f'{{"type": "group", "id": "g{level}", "label": "Group {level}", "components": [\n'
                      for level in range(1, depth + 1))
    leaf = '{"type": "textfield", "key": "leaf", "label": "Leaf", "id": "leaf"}'
    return '{"id": "deep", "type": "default", "components": [\n' + opening + leaf + "]}" * depth + "]}"


@pytest.mark.parametrize("depth, named", [(3000, "g21"), (21, "g21")])
def test_a_form_nested_too_deep_is_a_deploy_problem_naming_file_and_component(act, depth, named):
    response = upload(act.as_("hana"), {"deep.form": nested_groups(depth)}, json_answer=True)
    assert response.status_code == 400, response.data[:300]
    [problem] = response.json["errors"]["problems"]
    assert problem["file"] == "deep.form"
    assert "nested more than 20 levels deep" in problem["message"] and problem["message"].startswith(named)
    assert versions("deep") == []


def test_a_form_nested_twenty_deep_has_no_nesting_problem(act):
    response = upload(act.as_("hana"), {"deep.form": nested_groups(20)}, json_answer=True)
    assert response.status_code == 200, response.json  # a form deploys on its own
