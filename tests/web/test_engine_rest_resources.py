"""The Camunda 7 REST resources under /engine-rest, through the Flask test client: shapes, filters, errors and
who sees what.

The scene: Ada's path waits at her career objectives meeting (hers); Ben's waits for leadership approval
(offered to the leadership group, where Leo is). Mia manages both; Hana is HR and a process owner.
"""
import base64
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from engine.store.models import Group, HumanTask, InstanceEvent, ProcessInstance, User
from engine.runtime.runner import Runtime
from web.auth import hash_password
from web.extensions import db

from ..helpers import OBJECTIVES, run_to_leadership
from .test_engine_rest import modeler_deploy
from .test_processes import career_xml


def auth(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


class Rest:
    """Calls /engine-rest as one person."""

    def __init__(self, client):
        self.client = client

    def __call__(self, username, method, path, **kwargs):
        return self.client.open("/engine-rest" + path, method=method, headers=auth(username), **kwargs)

    def get(self, username, path, **kwargs):
        response = self(username, "GET", path, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.json)
        return response.json


@pytest.fixture
def rest(client):
    return Rest(client)


@pytest.fixture
def scene(act):
    ada_path = act.start_path("ada")
    ben_path = act.start_path("ben")
    run_to_leadership(act, ben_path, employee="ben")
    db.session.add(User(username="pat", name="Pat Process", password_hash=hash_password("demo"),
                        groups=[db.session.scalars(sa.select(Group).where(Group.name == "process-owners")).one()]))
    db.session.commit()
    return {"ada_path": ada_path.id, "ben_path": ben_path.id,
            "objectives": act.task(ada_path, "career_objectives_meeting").id,
            "approval": act.task(ben_path, "leadership_approval").id}


def ids(rows):
    return sorted(row["id"] for row in rows)


def test_engine_and_version_for_every_user(rest, org):
    assert rest.get("ada", "/engine") == [{"name": "default"}]
    assert rest.get("ada", "/version") == {"version": "7.22.0"}


def test_task_list_shows_each_user_what_they_may_see(rest, scene):
    objectives, approval = str(scene["objectives"]), str(scene["approval"])
    assert ids(rest.get("ada", "/task")) == [objectives]
    assert ids(rest.get("leo", "/task")) == [approval]
    assert ids(rest.get("sam", "/task")) == []
    assert set(ids(rest.get("mia", "/task"))) == {objectives, approval}  # her reports' paths
    assert set(ids(rest.get("hana", "/task"))) == {objectives, approval}  # HR sees all
    assert rest.get("hana", "/task/count") == {"count": 2}
    task = rest.get("ada", f"/task/{objectives}")
    assert task["assignee"] == "ada" and task["taskDefinitionKey"] == "career_objectives_meeting"
    assert task["processInstanceId"] == str(scene["ada_path"]) and task["camundaFormRef"]["key"] == "career-objectives"
    assert task["processDefinitionId"].startswith("career_pathing:1:")
    assert task["created"].endswith("+0000") and len(task["created"]) == len("2026-11-30T10:00:00.000+0000")


def test_task_filters_sorting_and_paging(rest, scene):
    objectives, approval = str(scene["objectives"]), str(scene["approval"])
    assert ids(rest.get("hana", "/task?assignee=ada")) == [objectives]
    assert ids(rest.get("hana", "/task?candidateGroup=leadership")) == [approval]
    assert ids(rest.get("hana", "/task?candidateUser=leo")) == [approval]
    assert ids(rest.get("hana", "/task?candidateUser=nobody")) == []
    assert ids(rest.get("hana", f"/task?processInstanceId={scene['ben_path']}")) == [approval]
    assert ids(rest.get("hana", "/task?processInstanceBusinessKey=ada")) == [objectives]
    assert len(rest.get("hana", "/task?processDefinitionKey=career_pathing")) == 2
    assert rest.get("hana", "/task?processDefinitionKey=other") == []
    task = db.session.get(HumanTask, scene["objectives"])
    due = task.due_at = datetime(2026, 12, 4, 17, 0)
    db.session.commit()
    after = (due - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    before = (due + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000+0100")  # one hour after, in UTC
    assert ids(rest.get("hana", f"/task?dueAfter={after}&dueBefore={before.replace('+', '%2B')}")) == [objectives]
    assert ids(rest.get("hana", f"/task?dueBefore={after.replace('+', '%2B')}")) == []
    by_id = rest.get("hana", "/task?sortBy=id&sortOrder=desc")
    assert [t["id"] for t in by_id] == sorted([objectives, approval], key=int, reverse=True)
    assert ids(rest.get("hana", "/task?sortBy=id&sortOrder=asc&firstResult=1&maxResults=1")) == [
        max(objectives, approval, key=int)]
    posted = rest("hana", "POST", "/task?maxResults=1", json={
        "processDefinitionKey": "career_pathing", "sorting": [{"sortBy": "created", "sortOrder": "desc"}]})
    assert posted.status_code == 200 and len(posted.json) == 1
    assert rest.get("hana", "/task/count?processInstanceBusinessKey=ben&processDefinitionKey=career_pathing") == {
        "count": 1}
    count = rest("hana", "POST", "/task/count", json={"assignee": "ada"})
    assert count.json == {"count": 1}
    for bad in ("/task?sortBy=id", "/task?sortBy=nonsense&sortOrder=asc", "/task?dueBefore=tomorrow",
                "/task?maxResults=many", "/task?assigned=maybe"):
        response = rest("hana", "GET", bad)
        assert response.status_code == 400 and response.json["type"] == "InvalidRequestException", bad
    assert rest("hana", "POST", "/task", json=["not", "an", "object"]).status_code == 400
    assert rest("hana", "POST", "/task", json={"sorting": "id"}).status_code == 400


def test_task_get_claim_unclaim_and_assignee(rest, scene):
    approval = scene["approval"]
    assert rest("sam", "GET", f"/task/{approval}").status_code == 404  # not his to see
    assert rest("ada", "GET", f"/task/{approval}").status_code == 404
    assert rest("hana", "GET", f"/task/{approval}").status_code == 200  # HR sees the path
    forbidden = rest("hana", "POST", f"/task/{approval}/claim", json={"userId": "hana"})
    assert forbidden.status_code == 403 and forbidden.json["type"] == "AuthorizationException"
    assert rest("leo", "POST", f"/task/{approval}/claim", json={"userId": "mia"}).status_code == 403
    assert rest("leo", "POST", f"/task/{approval}/claim", json={}).status_code == 400
    assert rest("leo", "POST", f"/task/{approval}/claim", json={"userId": "leo"}).status_code == 204
    assert rest.get("leo", f"/task/{approval}")["assignee"] == "leo"
    assert ids(rest.get("leo", "/task?assignee=leo")) == [str(approval)]
    assert rest("leo", "POST", f"/task/{approval}/unclaim").status_code == 204
    assert rest.get("leo", f"/task/{approval}")["assignee"] is None
    assert rest("leo", "POST", f"/task/{approval}/assignee", json={"userId": "leo"}).status_code == 204
    assert rest("leo", "POST", f"/task/{approval}/assignee", json={"userId": "nobody"}).status_code == 400
    assert rest("leo", "POST", f"/task/{approval}/assignee", json={"userId": None}).status_code == 204
    assert db.session.get(HumanTask, approval).assignee_id is None
    kinds = [e.kind for e in db.session.scalars(sa.select(InstanceEvent).where(
        InstanceEvent.instance_id == scene["ben_path"]).order_by(InstanceEvent.id))]
    assert kinds[-4:] == ["task_claimed", "task_released", "task_claimed", "task_released"]
    assert rest("leo", "POST", "/task/999999/claim", json={"userId": "leo"}).status_code == 404
    assert rest("leo", "POST", "/task/abc/claim", json={"userId": "leo"}).status_code == 404


def test_complete_with_typed_variables_form_checks_and_variables_in_return(rest, scene):
    objectives = scene["objectives"]
    typed = {name: {"value": value, "type": "String"} for name, value in OBJECTIVES.items()}
    assert rest("mia", "POST", f"/task/{objectives}/complete", json={"variables": typed}).status_code == 403
    assert rest("sam", "POST", f"/task/{objectives}/complete", json={"variables": typed}).status_code == 404
    missing = rest("ada", "POST", f"/task/{objectives}/complete",
                   json={"variables": {"career_goals": {"value": "Grow", "type": "String"}}})
    assert missing.status_code == 400 and missing.json["type"] == "InvalidRequestException"
    assert "meeting_date" in missing.json["errors"]
    wrong_type = rest("ada", "POST", f"/task/{objectives}/complete",
                      json={"variables": {"career_goals": {"value": 3, "type": "Boolean"}}})
    assert wrong_type.status_code == 400 and "variables.career_goals" in wrong_type.json["errors"]
    assert db.session.get(HumanTask, objectives).status == "open"
    form = rest.get("ada", f"/task/{objectives}/form-variables")
    assert form["employee"] == {"value": "ada", "type": "String", "valueInfo": {}}
    assert rest.get("ada", f"/task/{objectives}/variables/employee")["value"] == "ada"
    assert rest("ada", "GET", f"/task/{objectives}/variables/nothing").status_code == 404
    assert set(rest.get("ada", f"/task/{objectives}/variables?variableNames=employee,manager")) == {
        "employee", "manager"}
    assert rest("mia", "GET", f"/task/{objectives}/form-variables").status_code == 403
    done = rest("ada", "POST", f"/task/{objectives}/complete",
                json={"variables": typed, "withVariablesInReturn": True})
    assert done.status_code == 200 and done.json["career_goals"]["value"] == OBJECTIVES["career_goals"]
    again = rest("ada", "POST", f"/task/{objectives}/complete", json={"variables": typed})
    assert again.status_code == 404 and again.json["type"] == "InvalidRequestException"
    nxt = rest.get("ada", f"/task?processInstanceId={scene['ada_path']}")
    assert [t["taskDefinitionKey"] for t in nxt] == ["draft_job_description"]
    assert rest("ada", "POST", f"/task/{nxt[0]['id']}/complete", data="{oops",
                content_type="application/json").status_code == 400


def test_process_instance_list_get_and_filters(rest, scene):
    ada_path, ben_path = str(scene["ada_path"]), str(scene["ben_path"])
    assert ids(rest.get("ada", "/process-instance")) == [ada_path]
    assert ids(rest.get("sam", "/process-instance")) == []
    assert ids(rest.get("hana", "/process-instance")) == sorted([ada_path, ben_path])
    assert rest.get("mia", "/process-instance/count") == {"count": 2}
    one = rest.get("ada", f"/process-instance/{ada_path}")
    assert one["businessKey"] == "ada" and one["definitionId"].startswith("career_pathing:1:")
    assert one["ended"] is False and one["suspended"] is False and one["links"] == []
    assert rest("ada", "GET", f"/process-instance/{ben_path}").status_code == 404
    assert rest("ada", "GET", "/process-instance/nope").status_code == 404
    assert ids(rest.get("hana", "/process-instance?businessKey=ben")) == [ben_path]
    assert ids(rest.get("hana", "/process-instance?processDefinitionKey=career_pathing&active=true")) == sorted(
        [ada_path, ben_path])
    assert rest.get("hana", "/process-instance?suspended=true") == []
    assert ids(rest.get("hana", "/process-instance?variables=employee_eq_ben")) == [ben_path]
    assert ids(rest.get("hana", "/process-instance?variables=approval_round_gteq_1,employee_like_b%25")) == [ben_path]
    posted = rest("hana", "POST", "/process-instance", json={
        "variables": [{"name": "employee", "operator": "eq", "value": "ada"}],
        "sorting": [{"sortBy": "instanceId", "sortOrder": "desc"}]})
    assert ids(posted.json) == [ada_path]
    assert rest("hana", "POST", "/process-instance/count", json={"businessKey": "ada"}).json == {"count": 1}
    assert rest("hana", "GET", "/process-instance?variables=employee").status_code == 400
    assert rest("hana", "POST", "/process-instance", json={"variables": [{"name": "x"}]}).status_code == 400


def test_process_instance_variables_read_set_modify_delete(rest, scene):
    path = scene["ada_path"]
    variables = rest.get("ada", f"/process-instance/{path}/variables")
    assert variables["employee"] == {"value": "ada", "type": "String", "valueInfo": {}}
    assert rest.get("mia", f"/process-instance/{path}/variables/manager")["value"] == "mia"
    assert rest("ada", "GET", f"/process-instance/{path}/variables/nothing").status_code == 404
    assert rest("sam", "GET", f"/process-instance/{path}/variables").status_code == 404
    put = rest("ada", "PUT", f"/process-instance/{path}/variables/budget", json={"value": 5, "type": "Integer"})
    assert put.status_code == 403 and put.json["type"] == "AuthorizationException"
    when = "2026-12-01T09:30:00.000+0100"
    assert rest("hana", "PUT", f"/process-instance/{path}/variables/review_on",
                json={"value": when, "type": "Date"}).status_code == 204
    assert rest.get("ada", f"/process-instance/{path}/variables/review_on") == {
        "value": "2026-12-01T08:30:00.000+0000", "type": "Date", "valueInfo": {}}
    modified = rest("hana", "POST", f"/process-instance/{path}/variables", json={
        "modifications": {"budget": {"value": 1200.5, "type": "Double"},
                          "plan": {"value": '{"courses": ["design"]}', "type": "Json"},
                          "big": {"value": 2 ** 40, "type": "Long"}, "flag": {"value": True, "type": "Boolean"},
                          "nothing": {"value": None, "type": "Null"}},
        "deletions": ["review_on"]})
    assert modified.status_code == 204
    after = rest.get("ada", f"/process-instance/{path}/variables")
    assert after["budget"]["type"] == "Double" and after["big"]["type"] == "Long" and after["flag"]["value"] is True
    assert after["plan"] == {"value": '{"courses":["design"]}', "type": "Json", "valueInfo": {}}
    assert after["nothing"]["type"] == "Null" and "review_on" not in after
    assert ids(rest.get("hana", "/process-instance?variables=budget_gt_1000")) == [str(path)]
    bad = rest("hana", "POST", f"/process-instance/{path}/variables",
               json={"modifications": {"n": {"value": "x", "type": "Integer"}, "bad name": {"value": 1}}})
    assert bad.status_code == 400 and {"modifications.n", "modifications.bad name"} <= set(bad.json["errors"])
    assert rest("hana", "PUT", f"/process-instance/{path}/variables/d",
                json={"value": "soon", "type": "Date"}).status_code == 400
    assert rest("hana", "PUT", f"/process-instance/{path}/variables/x",
                json={"value": 1, "type": "Bytes"}).status_code == 400
    assert rest("hana", "DELETE", f"/process-instance/{path}/variables/budget").status_code == 204
    assert "budget" not in rest.get("ada", f"/process-instance/{path}/variables")
    # the task waiting in the path reads the new values
    assert rest.get("ada", f"/task/{scene['objectives']}/variables/flag")["value"] is True


def test_cancel_a_path_moves_it_to_history(rest, scene):
    path = scene["ada_path"]
    assert rest("ada", "DELETE", f"/process-instance/{path}").status_code == 403
    assert rest("sam", "DELETE", f"/process-instance/{path}").status_code == 404
    assert rest("hana", "DELETE", f"/process-instance/{path}?deleteReason=left").status_code == 204
    assert rest("hana", "DELETE", f"/process-instance/{path}").status_code == 409
    assert db.session.get(ProcessInstance, path).status == "cancelled"
    assert db.session.get(HumanTask, scene["objectives"]).status == "cancelled"
    assert str(path) not in ids(rest.get("hana", "/process-instance"))
    history = rest.get("ada", f"/history/process-instance?processInstanceId={path}")
    assert history[0]["state"] == "EXTERNALLY_TERMINATED" and history[0]["endTime"] is not None
    assert history[0]["startUserId"] == "ada" and history[0]["processDefinitionKey"] == "career_pathing"


def test_history_lists(rest, scene):
    ben_path = str(scene["ben_path"])
    assert ids(rest.get("ben", "/history/process-instance")) == [ben_path]
    assert rest.get("hana", "/history/process-instance/count") == {"count": 2}
    assert rest.get("hana", "/history/process-instance?finished=true") == []
    assert len(rest.get("hana", "/history/process-instance?unfinished=true&sortBy=startTime&sortOrder=asc")) == 2
    tasks = rest.get("ben", f"/history/task?processInstanceId={ben_path}&finished=true")
    assert tasks and all(t["endTime"] and t["deleteReason"] == "completed" for t in tasks)
    assert {t["taskDefinitionKey"] for t in tasks} >= {"career_objectives_meeting", "review_career_path"}
    sam = rest.get("sam", "/history/task")
    assert {t["assignee"] for t in sam} == {"sam"} and all(t["taskState"] == "Completed" for t in sam)
    assert rest.get("hana", "/history/task/count?unfinished=true") == {"count": 2}
    assert rest("hana", "GET", "/history/task?finishedAfter=yesterday").status_code == 400


def test_incidents(rest, scene):
    Runtime(db.session).record_incident(scene["ben_path"], "route_leadership", "The table has no rule for Sales")
    db.session.commit()
    listed = rest.get("hana", "/incident")
    assert len(listed) == 1 and listed[0]["processInstanceId"] == str(scene["ben_path"])
    assert listed[0]["activityId"] == "route_leadership" and listed[0]["incidentType"] == "failedJob"
    assert "no rule" in listed[0]["incidentMessage"] and listed[0]["incidentTimestamp"].endswith("+0000")
    assert rest.get("pat", "/incident/count") == {"count": 1}  # process owners are shown incidents
    assert rest.get("ada", "/incident") == []  # not her path
    assert rest.get("ben", f"/incident?processInstanceId={scene['ben_path']}")[0]["id"] == listed[0]["id"]
    assert rest.get("hana", "/incident?activityId=other") == []
    assert len(rest.get("hana", "/process-instance?withIncident=true")) == 1


def test_process_definitions_and_xml(rest, scene):
    rows = rest.get("ada", "/process-definition?latestVersion=true")
    career = next(r for r in rows if r["key"] == "career_pathing")
    assert career["version"] == 1 and career["resource"].endswith("career_pathing.bpmn")
    assert rest.get("ada", f"/process-definition/{career['id']}") == career
    assert rest.get("ada", "/process-definition/key/career_pathing") == career
    assert rest.get("ada", "/process-definition/count?key=career_pathing") == {"count": 1}
    xml = rest.get("ada", "/process-definition/key/career_pathing/xml")
    assert xml["id"] == career["id"] and "<bpmn:userTask" in xml["bpmn20Xml"]
    assert rest.get("ada", f"/process-definition/{career['id']}/xml") == xml
    missing = rest("ada", "GET", "/process-definition/key/nope")
    assert missing.status_code == 404 and missing.json["type"] == "InvalidRequestException"
    assert rest("ada", "GET", "/process-definition/x:1:999/xml").status_code == 404
    assert rest("ada", "GET", "/process-definition?version=two").status_code == 400


def test_start_by_key_with_variables_in_return_and_who_may_start(rest, scene):
    started = rest("hana", "POST", "/process-definition/key/career_pathing/start", json={
        "businessKey": "ada", "withVariablesInReturn": True,
        "variables": {"cohort": {"value": "pilot-2", "type": "String"}}})
    assert started.status_code == 200, started.json
    assert started.json["variables"]["cohort"]["value"] == "pilot-2"
    assert started.json["variables"]["employee"]["value"] == "ada"
    no_start_form = rest("mia", "POST", "/process-definition/key/career_pathing/start", json={
        "businessKey": "ada", "variables": {"cohort": {"value": "pilot-2", "type": "String"}}})
    assert no_start_form.status_code == 403 and "variables.cohort" in no_start_form.json["errors"]
    refused = rest("sam", "POST", "/process-definition/key/career_pathing/start", json={"businessKey": "ada"})
    assert refused.status_code == 403 and refused.json["type"] == "AuthorizationException"
    assert db.session.query(ProcessInstance).filter_by(business_key="ada").count() == 2


def test_deployments_get_count_delete_with_cascade(rest, scene):
    assert rest("ada", "GET", "/deployment/count").status_code == 403
    deployed = modeler_deploy(rest.client, "career_pathing.bpmn",
                              career_xml().replace('name="Leadership approval"', 'name="Leadership sign-off"'))
    deployment_id = deployed.json["id"]
    assert rest.get("pat", f"/deployment/{deployment_id}")["name"] == "career pathing"
    assert rest.get("pat", "/deployment/count") == {"count": 2}
    assert rest.get("pat", "/deployment?nameLike=career%25")[0]["id"] == deployment_id
    started = rest("hana", "POST", "/process-definition/key/career_pathing/start", json={"businessKey": "sol"})
    assert started.json["definitionId"].startswith("career_pathing:2:")
    assert rest("ada", "DELETE", f"/deployment/{deployment_id}").status_code == 403
    blocked = rest("pat", "DELETE", f"/deployment/{deployment_id}")
    assert blocked.status_code == 409 and "cascade=true" in blocked.json["message"]
    assert rest("pat", "DELETE", f"/deployment/{deployment_id}?cascade=true").status_code == 204
    assert db.session.get(ProcessInstance, int(started.json["id"])) is None
    assert rest("pat", "GET", f"/deployment/{deployment_id}").status_code == 404
    assert rest("pat", "DELETE", "/deployment/999999").status_code == 404
    assert rest.get("ada", "/process-definition/key/career_pathing")["version"] == 1


def test_migration_generate_validate_execute(rest, scene):
    deployed = modeler_deploy(rest.client, "career_pathing.bpmn",
                              career_xml().replace('name="Leadership approval"', 'name="Leadership sign-off"'))
    target = next(iter(deployed.json["deployedProcessDefinitions"]))
    source = db.session.get(ProcessInstance, scene["ada_path"]).process_version.definition_id
    body = {"sourceProcessDefinitionId": source, "targetProcessDefinitionId": target}
    assert rest("ada", "POST", "/migration/generate", json=body).status_code == 403
    plan = rest("pat", "POST", "/migration/generate", json=body).json
    steps = {i["sourceActivityIds"][0] for i in plan["instructions"]}
    assert {"career_objectives_meeting", "leadership_approval"} <= steps
    assert rest("pat", "POST", "/migration/validate", json={"migrationPlan": plan}).json == {
        "instructionReports": [], "variableReports": {}}
    wrong = dict(plan, instructions=[{"sourceActivityIds": ["career_objectives_meeting"],
                                      "targetActivityIds": ["leadership_approval"]}])
    report = rest("pat", "POST", "/migration/validate", json={"migrationPlan": wrong}).json
    assert "same id" in report["instructionReports"][0]["failures"][0]
    assert rest("pat", "POST", "/migration/execute", json={"migrationPlan": wrong,
                                                          "processInstanceIds": [str(scene["ada_path"])]}
                ).status_code == 400
    assert rest("pat", "POST", "/migration/execute", json={"migrationPlan": plan}).status_code == 400
    assert rest("pat", "POST", "/migration/generate", json={"sourceProcessDefinitionId": source}).status_code == 400
    moved = rest("pat", "POST", "/migration/execute", json={
        "migrationPlan": plan, "processInstanceQuery": {"businessKey": "ada"}})
    assert moved.status_code == 204, moved.json
    db.session.expire_all()
    assert db.session.get(ProcessInstance, scene["ada_path"]).process_version.definition_id == target
    assert db.session.get(ProcessInstance, scene["ben_path"]).process_version.version == 1
    again = rest("pat", "POST", "/migration/execute", json={"migrationPlan": plan,
                                                           "processInstanceIds": [str(scene["ada_path"])]})
    assert again.status_code == 400 and "not on the plan's source version" in again.json["message"]


def test_bearer_tokens_work_for_every_user_and_bad_credentials_do_not(rest, act, scene):
    page = act.as_("ada").post("/processes/tokens", data={"name": "script"})
    assert page.status_code == 403  # the tokens page is a process owner's; Basic works for everyone
    assert rest.client.get("/engine-rest/task", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert rest.client.get("/engine-rest/task").json["type"] == "AuthorizationException"


def test_unknown_engine_rest_address_answers_in_camundas_shape(rest, org):
    response = rest("ada", "GET", "/nothing-here")
    assert response.status_code == 404 and response.json["type"] == "InvalidRequestException"
    assert rest("ada", "PATCH", "/task").status_code == 405


def test_a_token_notes_its_use_without_holding_its_row(rest, act, scene):
    from engine.store.models import ApiToken
    page = act.as_("hana").post("/processes/tokens", data={"name": "nightly script"}).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert rest.client.get("/engine-rest/task/count", headers=headers).json == {"count": 2}
    db.session.expire_all()
    first = db.session.scalars(sa.select(ApiToken).where(ApiToken.name == "nightly script")).one().last_used_at
    assert first is not None  # noted even though a GET commits nothing
    assert rest.client.get("/engine-rest/task/count", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.scalars(sa.select(ApiToken).where(ApiToken.name == "nightly script")).one().last_used_at == first
