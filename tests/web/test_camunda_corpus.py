"""Diagrams drawn as Camunda Modeler 5 writes them (tests/corpus/camunda), deployed through
/engine-rest/deployment/create as the Modeler sends it, then started over /engine-rest and completed over
/api/v1: gateways and flows, decisions and forms deployed on their own, called processes, encodings, and
equivalents of the public Camunda 7 examples."""
import base64
import io
import os

import sqlalchemy as sa

from engine.store.models import HumanTask, ProcessInstance, ProcessVersion, ResourceDefinition
from web import PROJECT_ROOT
from web.extensions import db

CORPUS = os.path.join(PROJECT_ROOT, "tests", "corpus", "camunda")
HANA = {"Authorization": "Basic " + base64.b64encode(b"hana:demo").decode(), "Accept": "application/json"}
ADA = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}


def raw(name):
    with open(os.path.join(CORPUS, name), "rb") as handle:
        return handle.read()


def deploy(client, *names):
    """POST /deployment/create with the files as Camunda Modeler attaches them (first the diagram)."""
    data = {"deployment-name": names[0], "deployment-source": "Camunda Modeler",
            "enable-duplicate-filtering": "true"}
    for name in names:
        data[name] = (io.BytesIO(raw(name)), name, "text/xml" if name.endswith(".bpmn") else None)
    return client.post("/engine-rest/deployment/create", data=data, headers=HANA, content_type="multipart/form-data")


def deployed(client, *names):
    response = deploy(client, *names)
    assert response.status_code == 200, response.json
    return response.json


def start(client, key, variables=None):
    """Start the latest version of `key` for ada over /engine-rest; returns the instance id."""
    body = {"businessKey": "ada", "variables": {name: {"value": value, "type": kind}
                                                for name, (value, kind) in (variables or {}).items()}}
    response = client.post(f"/engine-rest/process-definition/key/{key}/start", headers=HANA, json=body)
    assert response.status_code == 200, response.json
    return int(response.json["id"])


def open_tasks(client):
    """ada's open tasks over /api/v1: {element id: task}."""
    response = client.get("/api/v1/tasks", headers=ADA)
    assert response.status_code == 200
    return {task["element_id"]: task for task in response.json}


def complete(client, element_id, **data):
    """ada completes her open task of an element over /api/v1; returns the response."""
    task = open_tasks(client)[element_id]
    return client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=ADA)


def completed(client, element_id, **data):
    response = complete(client, element_id, **data)
    assert response.status_code == 200, response.json
    return response.json


def task_data(client, element_id):
    task = open_tasks(client)[element_id]
    return client.get(f"/api/v1/tasks/{task['id']}", headers=ADA).json["data"]


def instance(instance_id):
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def test_complementary_conditions_deploy_without_a_warning_and_route_each_case(client, org):
    body = deployed(client, "gateway_complementary.bpmn", "corpus_score.form", "corpus_review.form")
    assert body["warnings"] == []
    high = start(client, "gateway_complementary")
    assert completed(client, "Activity_score", score=7)["next_tasks"][0]["element_id"] == "Activity_confirm"
    assert task_data(client, "Activity_confirm")["route"] == "high"
    assert completed(client, "Activity_confirm")["instance_status"] == "completed"
    start(client, "gateway_complementary")
    completed(client, "Activity_score", score=5)
    assert task_data(client, "Activity_confirm")["route"] == "low"
    assert instance(high).status == "completed"


def test_conditions_that_may_miss_a_case_warn_and_an_unmatched_path_gets_an_incident_with_retry(client, org, act):
    body = deployed(client, "gateway_uncovered.bpmn", "corpus_score.form", "corpus_review.form")
    [warning] = body["warnings"]
    assert warning["mainElementId"] == "Gateway_score" and "may all be false" in warning["message"]
    assert "warning: " in warning["text"] and "gateway_uncovered.bpmn:" in warning["text"]
    path = start(client, "gateway_uncovered")
    refused = complete(client, "Activity_score", score=5)
    assert refused.status_code == 409
    message = refused.json["message"]
    assert "no outgoing flow of gateway Gateway_score matched" in message and "${score > 5}; ${score < 5}" in message
    assert "Error" not in message and "Traceback" not in message
    assert instance(path).status == "incident" and instance(path).incident["element_id"] == "Gateway_score"
    assert "Activity_score" in open_tasks(client)  # the step was rolled back: the task waits
    retried = act.as_("hana").post(f"/paths/{path}/retry")
    assert retried.status_code == 302 and instance(path).status == "running"
    completed(client, "Activity_score", score=9)
    assert task_data(client, "Activity_confirm")["route"] == "high"


def test_two_unconditional_flows_out_of_a_task_split_in_parallel(client, org):
    body = deployed(client, "gateway_implicit_split.bpmn", "corpus_review.form")
    assert body["warnings"] == []
    path = start(client, "gateway_implicit_split")
    answer = completed(client, "Activity_prepare")
    assert sorted(t["element_id"] for t in answer["next_tasks"]) == ["Activity_review_a", "Activity_review_b"]
    completed(client, "Activity_review_b")
    assert instance(path).status == "running"
    assert completed(client, "Activity_review_a")["instance_status"] == "completed"


def test_conditional_flows_out_of_a_task_take_the_default_flow_when_none_holds(client, org):
    deployed(client, "gateway_conditional_flows.bpmn", "corpus_amount.form", "corpus_review.form")
    small = start(client, "gateway_conditional_flows")
    assert completed(client, "Activity_amount", amount=50)["instance_status"] == "completed"
    assert instance(small).state  # finished by the default flow, through the script task
    start(client, "gateway_conditional_flows")
    answer = completed(client, "Activity_amount", amount=5000)
    assert [t["element_id"] for t in answer["next_tasks"]] == ["Activity_approve"]


def test_a_flow_from_no_element_is_refused_naming_the_flow(client, org):
    response = deploy(client, "gateway_dangling_flow.bpmn", "corpus_review.form")
    assert response.status_code == 400
    [detail] = response.json["details"]["gateway_dangling_flow.bpmn"]["errors"]
    assert detail["mainElementId"] == "Flow_lost" and detail["line"] > 1
    assert 'starts at "Activity_gone", which is no element of the diagram (sourceRef)' in detail["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == 0


def test_a_decision_deploys_alone_and_tasks_bind_to_the_latest_or_a_pinned_version(client, org):
    body = deployed(client, "decision_discount.dmn")
    assert [d["key"] for d in body["deployedDecisionDefinitions"].values()] == ["corpus_discount"]
    assert body["deployedProcessDefinitions"] is None
    deployed(client, "decision_latest.bpmn", "corpus_customer.form", "corpus_review.form")
    deployed(client, "decision_pinned.bpmn", "corpus_customer.form", "corpus_review.form")

    def discount(key):
        start(client, key)
        completed(client, "Activity_customer", customer_type="gold")
        value = task_data(client, "Activity_show")["discount"]
        completed(client, "Activity_show")
        return value

    assert discount("decision_latest") == 10
    second = deployed(client, "decision_discount_v2.dmn")
    assert [d["version"] for d in second["deployedDecisionDefinitions"].values()] == [2]
    assert discount("decision_latest") == 20  # latest: the decision deployed on its own is used at once
    assert discount("decision_pinned") == 10  # decisionRefBinding="version", decisionRefVersion="1"
    again = deployed(client, "decision_discount_v2.dmn")  # same content: no new version
    assert [d["version"] for d in again["deployedDecisionDefinitions"].values()] == [2]


def test_a_form_deploys_alone_and_diagrams_deployed_later_use_it(client, org):
    body = deployed(client, "corpus_review.form")
    assert body["id"] and body["deployedProcessDefinitions"] is None
    row = db.session.scalars(sa.select(ResourceDefinition).where(ResourceDefinition.kind == "form")).one()
    assert (row.key, row.version, row.resource) == ("corpus-review", 1, "corpus_review.form")
    deployed(client, "camunda7_user_task.bpmn")  # the form is not attached: it is found among deployed forms
    start(client, "user_task_example")
    task = open_tasks(client)["userTask"]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=ADA).json["form"]["id"] == "corpus-review"


def test_a_called_process_deployed_later_is_a_warning_then_an_incident_until_it_is_deployed(client, org, act):
    body = deployed(client, "call_parent.bpmn", "corpus_review.form")
    [warning] = body["warnings"]
    assert warning["mainElementId"] == "Activity_call" and 'calls the process "call_child"' in warning["message"]
    path = start(client, "call_parent")
    refused = complete(client, "Activity_before")
    assert refused.status_code == 409
    assert 'the called process "call_child" is not deployed: deploy it, then retry' in refused.json["message"]
    assert instance(path).status == "incident"
    deployed(client, "call_child.bpmn", "corpus_review.form")
    assert act.as_("hana").post(f"/paths/{path}/retry").status_code == 302
    assert [t["element_id"] for t in completed(client, "Activity_before")["next_tasks"]] == ["Activity_child"]
    completed(client, "Activity_child")
    assert instance(path).status == "completed"


def test_diagrams_in_declared_encodings_deploy_and_keep_their_names(client, org):
    latin = raw("encoding_latin1.bpmn")
    assert b'encoding="ISO-8859-1"' in latin and "Prüfung".encode("iso-8859-1") in latin
    assert raw("encoding_utf16.bpmn").startswith(b"\xff\xfe")
    for name, key, title in (("encoding_latin1.bpmn", "encoding_latin1", "Rechnungsprüfung"),
                             ("encoding_utf16.bpmn", "encoding_utf16", "Überprüfung (UTF-16)")):
        body = deployed(client, name, "corpus_review.form")
        assert [d["name"] for d in body["deployedProcessDefinitions"].values()] == [title]
        start(client, key)
        task = db.session.scalars(sa.select(HumanTask).order_by(HumanTask.id.desc())).first()
        assert task.name == "Prüfung der Rechnung"
        completed(client, "Activity_check")


def test_the_public_camunda_7_examples_deploy_and_the_invoice_runs_both_ways(client, org):
    deployed(client, "camunda7_invoice.bpmn", "camunda7_invoice_approver.dmn", "camunda7_approve_invoice.form",
             "camunda7_review_invoice.form", "corpus_review.form")
    for name, extra in (("camunda7_loan_approval.bpmn", ["corpus_amount.form"]),
                        ("camunda7_message_start.bpmn", ["corpus_review.form"]),
                        ("camunda7_script.bpmn", ["corpus_review.form"]),
                        ("camunda7_timer.bpmn", ["corpus_review.form"]),
                        ("camunda7_user_task.bpmn", ["corpus_review.form"])):
        assert deploy(client, name, *extra).status_code == 200, name
    keys = set(db.session.scalars(sa.select(ProcessVersion.key)))
    assert keys == {"invoice", "loan_approval", "message_start", "script_example", "timer_example",
                    "user_task_example"}

    paid = start(client, "invoice", {"amount": (30.0, "Double"), "invoiceCategory": ("Misc", "String")})
    assert task_data(client, "approveInvoice")["approverGroups"] == ["accounting"]
    completed(client, "approveInvoice", approved=True)
    assert completed(client, "prepareBankTransfer")["instance_status"] == "completed"
    assert instance(paid).status == "completed"
    refused = start(client, "invoice", {"amount": (2000.0, "Double"), "invoiceCategory": ("Misc", "String")})
    completed(client, "approveInvoice", approved=False)
    assert completed(client, "reviewInvoice", clarified="no")["instance_status"] == "completed"
    assert instance(refused).status == "completed"

    start(client, "script_example")
    assert task_data(client, "checkTotal")["total"] == 42


def test_the_upload_page_deploys_a_decision_on_its_own(client, org, act):
    hana = act.as_("hana")
    response = hana.post("/processes/deploy", data={"files": [(io.BytesIO(raw("decision_discount.dmn")),
                                                               "decision_discount.dmn")]},
                         content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/processes/")
    page = hana.get("/processes/").get_data(as_text=True)
    assert "the decision corpus_discount is now version 1" in page
    assert "<td>corpus_discount</td><td>Discount</td><td>Version 1</td>" in page  # listed with the processes
    answer = hana.post("/processes/deploy", data={"files": [(io.BytesIO(raw("decision_discount_v2.dmn")),
                                                             "decision_discount_v2.dmn")]},
                       content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json["resources"] == [{"kind": "decision", "key": "corpus_discount", "version": 2,
                                         "resource": "decision_discount_v2.dmn", "new": True}]


def test_a_call_uses_the_latest_called_process_when_it_starts_and_keeps_it_until_it_ends(client, org):
    body = deployed(client, "call_parent.bpmn", "call_child.bpmn", "corpus_review.form")  # child version 1 with it
    assert body["warnings"] == []
    first = start(client, "call_parent")
    completed(client, "Activity_before")
    assert "Activity_child" in open_tasks(client)  # version 1 of the child runs
    second_child = raw("call_child.bpmn").decode("utf-8").replace(
        '<bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_child" targetRef="EndEvent_1" />',
        '<bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_child" targetRef="Activity_more" />'
        '<bpmn:userTask id="Activity_more" name="One more step" camunda:formRef="corpus-review" '
        'camunda:assignee="ada" /><bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_more" targetRef="EndEvent_1" />')
    response = client.post("/engine-rest/deployment/create", headers=HANA, content_type="multipart/form-data",
                           data={"call_child.bpmn": (io.BytesIO(second_child.encode("utf-8")), "call_child.bpmn")})
    assert response.status_code == 200 and [d["version"] for d in
                                            response.json["deployedProcessDefinitions"].values()] == [2]
    # the call that started on version 1 finishes on version 1
    assert completed(client, "Activity_child")["instance_status"] == "completed"
    assert instance(first).status == "completed"
    # a call that starts now uses version 2 (calledElementBinding defaults to latest)
    start(client, "call_parent")
    completed(client, "Activity_before")
    assert completed(client, "Activity_child")["next_tasks"][0]["element_id"] == "Activity_more"
    assert completed(client, "Activity_more")["instance_status"] == "completed"
