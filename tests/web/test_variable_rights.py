"""Nobody sets what decides a path from outside it: the directory's and the diagram's protected variables are
refused (403 naming the variable, nothing written) on every route that writes variables, and a correlation's
result shows only the variables its caller may see.

The scene: Ada's path of "guarded" (which protects `approved`) waits at once for a worker (topic "check",
locked by worker "w" of the `robot` account), the message "decided", the signal "go", Ada's own step without a
form ("free") and Mia's approval, whose form has the field `approved`.
"""
import base64
import json

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.store.integration_models import ExternalTask
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from ..connect import NOTE_FORM, diagram, flows, worker_account

GUARDED = diagram("guarded", (
    '<bpmn:extensionElements><camunda:properties><camunda:property name="protectedVariables" value="approved"/>'
    '</camunda:properties></bpmn:extensionElements>'
    '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>'
    '<bpmn:serviceTask id="check" name="Check" camunda:type="external" camunda:topic="check">'
    '<bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="checked">${verdict}'
    '</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>'
    '<bpmn:boundaryEvent id="refused" attachedToRef="check"><bpmn:errorEventDefinition errorRef="err"/>'
    '</bpmn:boundaryEvent>'
    '<bpmn:receiveTask id="wait_message" name="Decided" messageRef="msg"/>'
    '<bpmn:intermediateCatchEvent id="wait_signal"><bpmn:signalEventDefinition signalRef="sig"/>'
    '</bpmn:intermediateCatchEvent>'
    '<bpmn:userTask id="free" name="Free" camunda:assignee="${employee}"/>'
    '<bpmn:userTask id="approve" name="Approve" camunda:assignee="${manager}" camunda:formRef="approval"/>'
    '<bpmn:exclusiveGateway id="decide" default="f_decide_rejected"/>'
    '<bpmn:endEvent id="approved_end"/><bpmn:endEvent id="rejected"/>'
    '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/><bpmn:endEvent id="e4"/>'
    '<bpmn:endEvent id="e5"/>'
    '<bpmn:sequenceFlow id="f_decide_approved" sourceRef="decide" targetRef="approved_end">'
    '<bpmn:conditionExpression>${approved}</bpmn:conditionExpression></bpmn:sequenceFlow>'
    + flows(("start", "fork"), ("fork", "check"), ("fork", "wait_message"), ("fork", "wait_signal"),
            ("fork", "free"), ("fork", "approve"), ("check", "e1"), ("refused", "e5"), ("wait_message", "e2"),
            ("wait_signal", "e3"), ("free", "e4"), ("approve", "decide"), ("decide", "rejected"))),
    '<bpmn:error id="err" name="Refused" errorCode="REFUSED"/><bpmn:message id="msg" name="decided"/>'
    '<bpmn:signal id="sig" name="go"/>')
APPROVAL_FORM = json.dumps({"id": "approval", "components": [
    {"type": "checkbox", "key": "approved", "label": "Approved"}]})


def basic(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def typed(value, kind="String"):
    return {"value": value, "type": kind}


def deploy_guarded(name="Guarded"):
    result = deploy(db.session, {"guarded.bpmn": GUARDED.replace('name="Guarded"', f'name="{name}"'),
                                 "note.form": NOTE_FORM, "approval.form": APPROVAL_FORM})
    db.session.commit()
    return result.versions[0]


@pytest.fixture
def scene(client, org):
    """Ada's waiting path, its external task locked by worker "w", and version 2 of the process deployed."""
    first = deploy_guarded()
    worker_account("robot")
    instance = Runtime(db.session).start("guarded", org["ada"], org["ada"]).instance
    db.session.commit()
    locked = client.post("/engine-rest/external-task/fetchAndLock", headers=basic("robot"), json={
        "workerId": "w", "maxTasks": 1, "topics": [{"topicName": "check", "lockDuration": 60000}]})
    assert locked.status_code == 200 and len(locked.json) == 1, locked.json
    second = deploy_guarded("Guarded, second version")
    tasks = {row.element_id: row.id for row in db.session.scalars(
        sa.select(HumanTask).where(HumanTask.instance_id == instance.id))}
    return {"path": instance.id, "external": int(locked.json[0]["id"]), "free": tasks["free"],
            "approve": tasks["approve"], "source": first.definition_id, "target": second.definition_id}


def written(scene):
    """Everything a write could change: every path's state and version, history, task and external task rows."""
    db.session.expire_all()
    paths = [(p.id, json.dumps(p.state, sort_keys=True), p.lock_version, p.status, p.process_version_id)
             for p in db.session.scalars(sa.select(ProcessInstance).order_by(ProcessInstance.id))]
    events = db.session.scalar(sa.select(sa.func.count()).select_from(InstanceEvent))
    tasks = db.session.execute(sa.select(HumanTask.id, HumanTask.status).order_by(HumanTask.id)).all()
    external = db.session.execute(sa.select(ExternalTask.id, ExternalTask.worker_id, ExternalTask.retries,
                                            ExternalTask.error_message).order_by(ExternalTask.id)).all()
    return paths, events, tasks, external


def migration_plan(scene, variables):
    return {"migrationPlan": {"sourceProcessDefinitionId": scene["source"],
                              "targetProcessDefinitionId": scene["target"], "variables": variables},
            "processInstanceIds": [str(scene["path"])]}


# (route, who, method, address, body, the refused variable); `{name}` takes an id of the scene
REFUSED_WRITES = [
    ("start (engine-rest)", "hana", "POST", "/engine-rest/process-definition/key/guarded/start",
     {"businessKey": "ben", "variables": {"approved": typed(True, "Boolean")}}, "approved"),
    ("start (API)", "ada", "POST", "/api/v1/process-instances",
     {"process_key": "guarded", "variables": {"approved": True}}, "approved"),
    ("task complete, no form", "ada", "POST", "/engine-rest/task/{free}/complete",
     {"variables": {"approved": typed(True, "Boolean")}}, "approved"),
    ("task complete, directory", "ada", "POST", "/engine-rest/task/{free}/complete",
     {"variables": {"manager": typed("ada")}}, "manager"),
    ("task complete, beside its form", "mia", "POST", "/engine-rest/task/{approve}/complete",
     {"variables": {"approved": typed(True, "Boolean"), "employee": typed("ben")}}, "employee"),
    ("variable PUT", "hana", "PUT", "/engine-rest/process-instance/{path}/variables/approved",
     typed(True, "Boolean"), "approved"),
    ("variable DELETE", "hana", "DELETE", "/engine-rest/process-instance/{path}/variables/employee", None,
     "employee"),
    ("variables POST (modifications)", "hana", "POST", "/engine-rest/process-instance/{path}/variables",
     {"modifications": {"manager": typed("hana")}}, "manager"),
    ("variables POST (deletions)", "hana", "POST", "/engine-rest/process-instance/{path}/variables",
     {"modifications": {"note": typed("fine")}, "deletions": ["manager"]}, "manager"),
    ("message by the employee", "ada", "POST", "/engine-rest/message",
     {"messageName": "decided", "businessKey": "ada", "processVariables": {"approved": typed(True, "Boolean")}},
     "approved"),
    ("message by a worker", "robot", "POST", "/engine-rest/message",
     {"messageName": "decided", "processInstanceId": "{path}", "processVariablesLocal": {"manager": typed("ada")}},
     "manager"),
    ("signal by the employee", "ada", "POST", "/engine-rest/signal",
     {"name": "go", "variables": {"approved": typed(True, "Boolean")}}, "approved"),
    ("signal by a worker", "robot", "POST", "/engine-rest/signal",
     {"name": "go", "businessKey": "ada", "variables": {"employee_name": typed("Ada")}}, "employee_name"),
    ("external task complete", "robot", "POST", "/engine-rest/external-task/{external}/complete",
     {"workerId": "w", "variables": {"approved": typed(True, "Boolean")}}, "approved"),
    ("external task complete, local", "robot", "POST", "/engine-rest/external-task/{external}/complete",
     {"workerId": "w", "localVariables": {"verdict": typed(True, "Boolean"), "manager": typed("ada")}}, "manager"),
    ("external task failure", "robot", "POST", "/engine-rest/external-task/{external}/failure",
     {"workerId": "w", "retries": 0, "errorMessage": "down", "variables": {"approved": typed(True, "Boolean")}},
     "approved"),
    ("external task bpmnError", "robot", "POST", "/engine-rest/external-task/{external}/bpmnError",
     {"workerId": "w", "errorCode": "REFUSED", "variables": {"department": typed("Sales")}}, "department"),
    ("migration", "hana", "POST", "/engine-rest/migration/execute", "migration", "approved"),
]


@pytest.mark.parametrize("route, who, method, address, body, variable", REFUSED_WRITES,
                         ids=[row[0] for row in REFUSED_WRITES])
def test_no_route_sets_a_protected_or_directory_variable(client, scene, route, who, method, address, body,
                                                         variable):
    if body == "migration":
        body = migration_plan(scene, {"approved": typed(True, "Boolean")})
    elif body is not None:
        body = json.loads(json.dumps(body).replace('"{path}"', f'"{scene["path"]}"'))
    before = written(scene)
    response = client.open(address.format(**scene), method=method, json=body, headers=basic(who))
    assert response.status_code == 403, (route, response.status_code, response.json)
    message = response.json["message"]
    assert f"\u201c{variable}\u201d" in message and "cannot be set" in message, message
    if address.startswith("/engine-rest"):
        assert response.json["type"] == "AuthorizationException"
    assert response.json["errors"] == {
        f"variables.{variable}": "set by the org directory" if variable != "approved"
        else "protected by the diagram (protectedVariables)"}
    assert written(scene) == before, route


def test_the_refusal_says_how_and_what_was_not_done(client, scene):
    response = client.post("/engine-rest/message", headers=basic("ada"), json={
        "messageName": "decided", "businessKey": "ada",
        "processVariables": {"approved": typed(True, "Boolean"), "manager": typed("ada")}})
    assert response.json["message"].startswith(
        "\u201capproved\u201d and \u201cmanager\u201d cannot be set by a message in \u201cGuarded\u201d: "
        "\u201cmanager\u201d comes from the org directory and the diagram protects \u201capproved\u201d. "
        "Nothing was correlated.")


def test_what_the_rule_leaves_to_callers_still_works(client, scene):
    """Other variables pass on the same routes; the approval's own form sets the protected `approved`; an
    unchanged directory value is no change; the worker's output mapping is the diagram's own."""
    path = scene["path"]
    assert client.post("/engine-rest/message", headers=basic("ada"), json={
        "messageName": "decided", "businessKey": "ada", "processVariables": {"note": typed("ok")}}).status_code == 204
    assert client.post("/engine-rest/signal", headers=basic("robot"), json={
        "name": "go", "variables": {"employee": typed("ada"), "hint": typed("x")}}).status_code == 204
    assert client.put(f"/engine-rest/process-instance/{path}/variables/cohort", headers=basic("hana"),
                      json=typed("p1")).status_code == 204
    assert client.post(f"/engine-rest/external-task/{scene['external']}/complete", headers=basic("robot"), json={
        "workerId": "w", "variables": {"archived": typed(True, "Boolean")},
        "localVariables": {"verdict": typed("fine")}}).status_code == 204
    approved = client.post(f"/engine-rest/task/{scene['approve']}/complete", headers=basic("mia"),
                           json={"variables": {"approved": typed(True, "Boolean")}})
    assert approved.status_code == 204, approved.json
    assert data_at(path, "approved_end")["approved"] is True  # the gateway took the approved branch
    assert data_at(path, "e1")["checked"] == "fine" and data_at(path, "e1")["archived"] is True
    assert data_at(path, "e2")["note"] == "ok" and data_at(path, "e3")["hint"] == "x"
    assert data_at(path, "free")["cohort"] == "p1"


def data_at(instance_id, element_id):
    """The data of the path where it reached `element_id` (each parallel branch carries its own)."""
    db.session.expire_all()
    workflow = Runtime(db.session).restore(db.session.get(ProcessInstance, instance_id))
    [task] = [task for task in workflow.get_tasks() if task.task_spec.bpmn_id == element_id]
    return task.data


def test_a_failure_sets_the_workers_variables_as_camunda_does(client, scene):
    failed = client.post(f"/engine-rest/external-task/{scene['external']}/failure", headers=basic("robot"), json={
        "workerId": "w", "retries": 2, "retryTimeout": 0, "errorMessage": "archive down",
        "variables": {"attempt": typed(1, "Integer")}})
    assert failed.status_code == 204, failed.json
    db.session.expire_all()
    data = Runtime(db.session).current_data(db.session.get(ProcessInstance, scene["path"]))
    assert data["attempt"] == 1
    assert db.session.get(ExternalTask, scene["external"]).retries == 2


def test_a_migration_sets_the_plans_other_variables(client, scene):
    moved = client.post("/engine-rest/migration/execute", headers=basic("hana"),
                        json=migration_plan(scene, {"moved_by": typed("hana")}))
    assert moved.status_code == 204, moved.json
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, scene["path"])
    assert instance.process_version.definition_id == scene["target"]
    assert Runtime(db.session).current_data(instance)["moved_by"] == "hana"


def correlate(client, who, instance_id):
    return client.post("/engine-rest/message", headers=basic(who), json={
        "messageName": "decided", "processInstanceId": str(instance_id), "resultEnabled": True,
        "variablesInResultEnabled": True})


def test_a_correlation_result_shows_only_what_its_caller_may_see(client, scene, org):
    """A worker reaches every path but sees none (GET /process-instance/{id}/variables is 404 for it): its
    result names the path and carries no variables; Ada's own path shows her what its variables page shows."""
    assert client.get(f"/engine-rest/process-instance/{scene['path']}/variables",
                      headers=basic("robot")).status_code == 404
    by_worker = correlate(client, "robot", scene["path"])
    assert by_worker.status_code == 200, by_worker.json
    [result] = by_worker.json
    assert result["execution"]["processInstanceId"] == str(scene["path"]) and result["variables"] == {}
    other = Runtime(db.session).start("guarded", org["ada"], org["ada"]).instance
    db.session.commit()
    by_ada = correlate(client, "ada", other.id)
    assert by_ada.status_code == 200, by_ada.json
    shown = client.get(f"/engine-rest/process-instance/{other.id}/variables", headers=basic("ada")).json
    assert by_ada.json[0]["variables"] == shown and shown["employee"]["value"] == "ada"


def test_the_rule_itself(org):
    """engine.variable_rights.check_may_write: an unchanged value is no change; a task's own form field may set
    a protected variable, never a directory one; removing what the path does not hold changes nothing."""
    from engine.errors import Forbidden
    from engine.rights.variable_rights import check_may_write
    version, hana = deploy_guarded(), org["hana"]
    current = {"manager": "mia", "approved": False}
    check_may_write(version, hana, {"manager": "mia", "approved": False}, by="variables", current=current)
    check_may_write(version, hana, {"approved": True}, by="task", current=current, form_fields={"approved"})
    check_may_write(version, hana, {}, by="variables", current={}, deletions=["approved"])
    for changes, kwargs, refused in [
            ({"approved": True}, {"by": "task", "current": current}, "approved"),
            ({"approved": True}, {"by": "variables", "current": current, "form_fields": {"approved"}}, "approved"),
            ({"manager": "ada"}, {"by": "task", "current": current, "form_fields": {"manager"}}, "manager"),
            ({}, {"by": "message", "current": current, "deletions": ["approved"]}, "approved"),
            ({"employee": "ada"}, {"by": "start"}, "employee")]:
        with pytest.raises(Forbidden) as refusal:
            check_may_write(version, hana, changes, **kwargs)
        assert list(refusal.value.errors) == [f"variables.{refused}"], (changes, kwargs)
