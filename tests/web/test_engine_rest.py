"""The Camunda 7 REST subset, with requests shaped exactly as Camunda Modeler sends them."""
import base64
import io
import json
import os

import sqlalchemy as sa

from engine.store.models import HumanTask, ProcessInstance, ProcessVersion
from web import PROJECT_ROOT
from web.extensions import db

from .test_processes import career_xml

HANA = {"Authorization": "Basic " + base64.b64encode(b"hana:demo").decode(), "Accept": "application/json"}
ADA = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode(), "Accept": "application/json"}


def modeler_deploy(client, diagram_name, diagram, attachments=(), headers=HANA, tenant=None):
    """POST /deployment/create as Camunda Modeler's CamundaAPI.deployDiagram builds it."""
    data = {
        "deployment-name": "career pathing",
        "deployment-source": "Camunda Modeler",
        "enable-duplicate-filtering": "true",
        diagram_name: (io.BytesIO(diagram.encode("utf-8")), diagram_name, "text/xml"),
    }
    if tenant:
        data["tenant-id"] = tenant
    for name, contents in attachments:
        data[name] = (io.BytesIO(contents.encode("utf-8")), name)
    return client.post("/engine-rest/deployment/create", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_credentials_are_required_and_only_process_owners_deploy(client, org, deployed):
    response = client.get("/engine-rest/deployment?maxResults=0")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert "credentials" in response.json["message"] and response.json["type"] == "AuthorizationException"
    wrong = {"Authorization": "Basic " + base64.b64encode(b"hana:nope").decode()}
    assert client.get("/engine-rest/version", headers=wrong).status_code == 401
    assert client.get("/engine-rest/version", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/engine-rest/version", headers=ADA).status_code == 200  # every user may call
    forbidden = client.get("/engine-rest/deployment", headers=ADA)
    assert forbidden.status_code == 403 and "only process owners" in forbidden.json["message"]
    assert forbidden.json["type"] == "AuthorizationException"


def test_connection_check_and_version(client, org, deployed):
    assert client.get("/engine-rest/version", headers=HANA).json == {"version": "7.22.0"}
    response = client.get("/engine-rest/deployment?maxResults=0", headers=HANA)
    assert response.status_code == 200 and response.json == []
    assert len(client.get("/engine-rest/deployment", headers=HANA).json) == 1  # the set-up deployment


def test_deploy_with_attached_form_then_duplicate_filtering(client, org, deployed):
    with open(os.path.join(PROJECT_ROOT, "forms", "leadership-approval.form"), encoding="utf-8") as handle:
        form = json.load(handle)
    form["components"][0]["label"] = form["components"][0].get("label", "") + " (round-aware)"
    diagram = career_xml().replace('name="Leadership approval"', 'name="Leadership sign-off"')
    response = modeler_deploy(client, "career_pathing.bpmn", diagram,
                              attachments=[("leadership-approval.form", json.dumps(form))], tenant="pilot")
    assert response.status_code == 200, response.json
    body = response.json
    definitions = body["deployedProcessDefinitions"]
    first = next(iter(definitions.values()))  # the Modeler starts the first one
    assert first["key"] == "career_pathing" and first["version"] == 2
    assert first["id"] in definitions and first["resource"] == "career_pathing.bpmn"
    assert first["deploymentId"] == body["id"] and body["source"] == "Camunda Modeler"
    assert body["tenantId"] == "pilot" and body["name"] == "career pathing"
    version = db.session.get(ProcessVersion, int(first["id"].rsplit(":", 1)[1]))
    assert version.sources["forms"]["leadership-approval"] == form
    again = modeler_deploy(client, "career_pathing.bpmn", diagram,
                           attachments=[("leadership-approval.form", json.dumps(form))])
    assert again.status_code == 200
    assert list(again.json["deployedProcessDefinitions"]) == [first["id"]]  # same content: no new version
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)
                             .where(ProcessVersion.key == "career_pathing")) == 2


def test_rejected_deploy_is_400_with_element_level_problems_and_writes_nothing(client, org, deployed):
    broken = career_xml().replace('camunda:formRef="leadership-approval"', 'camunda:formRef="nope"').replace(
        "${path_complete}", "${path_complete &amp;&amp;}")
    response = modeler_deploy(client, "career_pathing.bpmn", broken)
    assert response.status_code == 400
    message = response.json["message"]
    assert message.startswith("2 problems found; nothing was deployed:\n")
    assert "career_pathing.bpmn:" in message
    assert ": leadership_approval (Leadership approval): the form \"nope\" is not deployed" in message
    assert ": complete_gateway (Everything complete?): " in message
    errors = response.json["details"]["career_pathing.bpmn"]["errors"]
    assert {e["mainElementId"] for e in errors} == {"leadership_approval", "complete_gateway"}
    assert modeler_deploy(client, "x.bpmn", "<not xml").status_code == 400
    assert client.post("/engine-rest/deployment/create", headers=HANA, data={"deployment-name": "x"},
                       content_type="multipart/form-data").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == 3  # as deployed at set-up


def test_start_instance_as_the_modeler_does_with_business_key_and_variables(client, org, deployed):
    definition = modeler_deploy(client, "career_pathing.bpmn", career_xml()).json
    definition_id = next(iter(definition["deployedProcessDefinitions"]))
    response = client.post(f"/engine-rest/process-definition/{definition_id}/start", headers=HANA,
                           json={"businessKey": "ada", "variables": {
                               "cohort": {"value": "pilot-1", "type": "String"},
                               "priority_level": {"value": 2, "type": "Integer"}}})
    assert response.status_code == 200, response.json
    instance = db.session.get(ProcessInstance, int(response.json["id"]))
    assert response.json["businessKey"] == "ada" and response.json["definitionId"] == definition_id
    assert instance.employee.username == "ada" and instance.started_by.username == "hana"
    task = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert task.assignee.username == "ada"
    by_key = client.post("/engine-rest/process-definition/key/career_pathing/start", headers=HANA, json={})
    assert by_key.status_code == 200
    assert db.session.get(ProcessInstance, int(by_key.json["id"])).employee.username == "hana"


def test_start_refuses_bad_input_with_a_message(client, org, deployed):
    definition_id = deployed["career_pathing"].definition_id
    url = f"/engine-rest/process-definition/{definition_id}/start"
    bad_type = client.post(url, headers=HANA, json={"variables": {"n": {"value": "x", "type": "Integer"}}})
    assert bad_type.status_code == 400 and "variables.n" in bad_type.json["errors"]
    assert client.post(url, headers=HANA, json={"businessKey": "nobody"}).status_code == 400
    assert client.post(url, headers=HANA, json={"variables": []}).status_code == 400
    assert client.post(url, headers=HANA, data="{not json", content_type="application/json").status_code == 400
    assert client.post("/engine-rest/process-definition/x:1:999/start", headers=HANA, json={}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) == 0


def test_bearer_token_from_the_tokens_page(client, act):
    page = act.as_("hana").post("/processes/tokens", data={"name": "Modeler"}).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    response = client.get("/engine-rest/deployment?maxResults=0", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
