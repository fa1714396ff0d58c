"""The JSON API: same actions as the pages, with OpenAPI, Basic auth and one error shape."""
import base64

from ..helpers import JOB_DESCRIPTION, OBJECTIVES


def basic(username, password="demo"):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = set(spec["paths"])
    assert {"/api/v1/process-definitions", "/api/v1/tasks", "/api/v1/tasks/{task_id}",
            "/api/v1/tasks/{task_id}/complete", "/api/v1/process-instances",
            "/api/v1/process-instances/{instance_id}"} <= paths


def test_anonymous_calls_get_401_json(client, org):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/api/v1/tasks", headers=basic("ada", "wrong")).status_code == 401


def test_a_path_driven_entirely_through_the_api(client, org, deployed):
    definitions = client.get("/api/v1/process-definitions", headers=basic("ada")).get_json()
    assert {"key": "career_pathing", "version": 1} in [{"key": d["key"], "version": d["version"]} for d in definitions]

    started = client.post("/api/v1/process-instances", json={"process_key": "career_pathing"}, headers=basic("ada"))
    assert started.status_code == 201
    instance = started.get_json()
    assert instance["business_key"] == "ada" and instance["status"] == "running"
    assert [t["element_id"] for t in instance["open_tasks"]] == ["career_objectives_meeting"]

    tasks = client.get("/api/v1/tasks", headers=basic("ada"))
    assert tasks.headers.get("X-Pagination")
    task_id = tasks.get_json()[0]["id"]
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=basic("ada")).get_json()
    assert detail["form"]["id"] == "career-objectives"
    assert detail["data"]["employee"] == "ada"

    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": OBJECTIVES}, headers=basic("ada"))
    assert done.status_code == 200
    next_task = done.get_json()["next_tasks"][0]
    assert next_task["element_id"] == "draft_job_description" and next_task["due_at"]
    done = client.post(f"/api/v1/tasks/{next_task['id']}/complete", json={"data": JOB_DESCRIPTION},
                       headers=basic("ada"))
    assert done.get_json()["next_tasks"][0]["assignee"] == "mia"

    path = client.get(f"/api/v1/process-instances/{instance['id']}", headers=basic("mia")).get_json()
    kinds = [event["kind"] for event in path["history"]]
    assert kinds.count("task_completed") == 2
    assert path["history"][2]["data"]["target_role"] == "Staff Engineer"


def test_managers_and_hr_start_paths_for_others_but_peers_cannot(client, org, deployed):
    by_manager = client.post("/api/v1/process-instances", json={"process_key": "career_pathing", "employee": "ben"},
                             headers=basic("mia"))
    assert by_manager.status_code == 201 and by_manager.get_json()["business_key"] == "ben"
    by_peer = client.post("/api/v1/process-instances", json={"process_key": "career_pathing", "employee": "ben"},
                          headers=basic("ada"))
    assert by_peer.status_code == 403 and "only they, their manager or HR" in by_peer.get_json()["message"]


def test_bad_requests_get_clear_4xx(client, org, deployed):
    headers = basic("ada")
    unknown_field = client.post("/api/v1/process-instances", json={"process_key": "career_pathing", "x": 1},
                                headers=headers)
    assert unknown_field.status_code == 422 and "x" in unknown_field.get_json()["errors"]
    missing = client.post("/api/v1/process-instances", json={}, headers=headers)
    assert missing.status_code == 422 and "process_key" in missing.get_json()["errors"]
    not_deployed = client.post("/api/v1/process-instances", json={"process_key": "nope"}, headers=headers)
    assert not_deployed.status_code == 404 and not_deployed.get_json()["errors"] == {"process_key": "not deployed"}
    malformed = client.post("/api/v1/process-instances", data="{not json", headers=dict(headers, **{
        "Content-Type": "application/json"}))
    assert malformed.status_code in (400, 422) and malformed.get_json()["message"]
    no_data = client.post("/api/v1/tasks/1/complete", json={"answers": {}}, headers=headers)
    assert no_data.status_code == 422
