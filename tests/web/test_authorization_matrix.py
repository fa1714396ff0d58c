"""Who may see what: one table of role × endpoint × expected status, checked on pages and the API.

The scene: Ada's path waits at the stakeholder reviews (Sam's is open, Sol has
answered); Ben's path waits for leadership. Pat is only a process owner, Ari
only an admin.
"""
import base64

import pytest
import sqlalchemy as sa

from engine.models import Group, HumanTask, User
from web.auth import hash_password
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES, REVIEW, run_to_leadership

ROLES = ["anonymous", "ada", "ben", "mia", "sam", "sol", "leo", "hana", "pat", "ari"]

# endpoint template -> expected status per role (same order as ROLES)
MATRIX = {
    "GET /":                          [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /paths/":                    [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /paths/{ada_path}":          [302, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /paths/{ben_path}":          [302, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "GET /paths/{ada_path}/diagram.bpmn": [302, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /tasks/{sam_review}":        [302, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "GET /tasks/{sol_review}":        [302, 403, 404, 403, 403, 200, 404, 403, 404, 404],
    "GET /tasks/{approval}":          [302, 404, 403, 403, 404, 404, 200, 403, 404, 404],
    "POST /tasks/{sam_review}":       [302, 403, 404, 403, 422, 404, 404, 403, 404, 404],
    "POST /paths/{ada_path}/comments": [302, 302, 404, 302, 302, 404, 404, 302, 404, 404],
    "GET /processes/":                [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/career_pathing/1": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /admin/users":               [302, 403, 403, 403, 403, 403, 403, 200, 403, 200],
    "GET /notifications":             [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /settings":                  [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /api/v1/tasks":          [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /api/v1/process-instances/{ada_path}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /api/v1/process-instances/{ben_path}": [401, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "API GET /api/v1/tasks/{sam_review}": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /api/v1/tasks/{approval}": [401, 404, 403, 403, 404, 404, 200, 403, 404, 404],
    "API POST /api/v1/tasks/{approval}/claim": [401, 404, 404, 404, 404, 404, 200, 404, 404, 404],
    "API GET /api/v1/process-instances/{ada_path}/comments": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /api/v1/process-definitions": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/deployment": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /engine-rest/task":          [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /engine-rest/task/{sam_review}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /engine-rest/task/{sam_review}/variables": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "POST /engine-rest/task/{approval}/claim": [401, 404, 403, 403, 404, 404, 400, 403, 404, 404],
    "GET /engine-rest/process-instance/{ada_path}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /engine-rest/process-instance/{ben_path}/variables": [401, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "DELETE /engine-rest/process-instance/{ada_path}": [401, 403, 404, 403, 403, 404, 404, 204, 404, 404],
    "GET /engine-rest/process-definition": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "POST /engine-rest/process-definition/key/career_pathing/start": [401, 200, 200, 200, 200, 200, 200, 200, 200,
                                                                      200],
    "POST /engine-rest/migration/generate": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "GET /engine-rest/history/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /engine-rest/incident":      [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /processes/webhooks/":       [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    # external tasks: only members of `workers` fetch; lists show what each may see (none here: all 200)
    "API POST /engine-rest/external-task/fetchAndLock": [401, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "API GET /engine-rest/external-task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/external-task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/message":  [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/signal":   [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
}


@pytest.fixture
def scene(act):
    """Ada's path at the reviews (Sam asked, Sol done), Ben's at leadership; Pat and Ari added."""
    groups = {g.name: g for g in db.session.scalars(sa.select(Group))}
    for username, name, group in (("pat", "Pat Process", "process-owners"), ("ari", "Ari Admin", "admins")):
        db.session.add(User(username=username, name=name, password_hash=hash_password("demo"),
                            groups=[groups[group]]))
    db.session.commit()
    ada_path = act.start_path("ada")
    act.complete("ada", ada_path, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", ada_path, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", ada_path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    reviews = {t.assignee.username: t for t in act.open_tasks(ada_path, "stakeholder_review")}
    assert act.submit("sol", reviews["sol"], REVIEW).status_code == 302
    ben_path = act.start_path("ben")
    run_to_leadership(act, ben_path, employee="ben")
    approval = act.task(ben_path, "leadership_approval")
    return {"ada_path": ada_path.id, "ben_path": ben_path.id, "sam_review": reviews["sam"].id,
            "sol_review": reviews["sol"].id, "approval": approval.id}


def call(act, client, role, endpoint, ids):
    kind, _, rest = endpoint.partition(" ") if not endpoint.startswith("API ") else ("API", "", endpoint[4:])
    method, _, path = (rest if kind == "API" else endpoint).partition(" ")
    path = path.format(**ids)
    if kind == "API" or path.startswith("/engine-rest"):
        headers = {} if role == "anonymous" else {
            "Authorization": "Basic " + base64.b64encode(f"{role}:demo".encode()).decode()}
        return client.open(path, method=method, headers=headers, json={} if method == "POST" else None)
    browser = client if role == "anonymous" else act.as_(role)
    data = {"body": "A comment"} if path.endswith("/comments") else {}
    return browser.open(path, method=method, data=data)


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_authorization_matrix(act, client, scene, endpoint):
    actual = []
    for role in ROLES:
        response = call(act, client, role, endpoint, scene)
        actual.append(response.status_code)
        if response.status_code in (403, 404):
            body = response.get_data(as_text=True)
            assert ("message" in body) or ("<h1>" in body), (role, endpoint)
        if response.status_code == 302 and role == "anonymous":
            assert "/login" in response.headers["Location"]
    assert dict(zip(ROLES, actual)) == dict(zip(ROLES, MATRIX[endpoint]))


def test_forbidden_pages_say_why_and_reveal_nothing(act, client, scene):
    page = act.as_("ada").get(f"/tasks/{scene['sam_review']}").get_data(as_text=True)
    assert "is for Sam Patel; you cannot open it" in page
    act.as_("ben").get("/")  # shows (and clears) the messages of Ben's own earlier steps
    hidden = act.as_("ben").get(f"/tasks/{scene['sam_review']}").get_data(as_text=True)
    assert "Sam Patel" not in hidden and "Review goals" not in hidden and "There is no task" in hidden
    assert db.session.get(HumanTask, scene["sam_review"]).status == "open"
