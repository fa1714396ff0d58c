"""Bad requests to /engine-rest/external-task, /message and /signal: 400 naming the field, never a 500, nothing
changed."""
import base64

import pytest
import sqlalchemy as sa

from engine.store.integration_models import ExternalTask
from engine.runtime.runner import Runtime
from web.extensions import db

from ..connect import ARCHIVE, deploy_text, worker_account

AUTH = {"Authorization": "Basic " + base64.b64encode(b"archiver:demo").decode()}
TOPICS = [{"topicName": "archive", "lockDuration": 1000}]


@pytest.fixture
def task_id(org):
    deploy_text("archive.bpmn", ARCHIVE)
    worker_account("archiver")
    Runtime(db.session).start("archive", org["ada"], org["hana"], {"priority": 1})
    db.session.commit()
    return db.session.scalars(sa.select(ExternalTask.id)).one()


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", "/external-task/fetchAndLock", [], "body"),
    ("POST", "/external-task/fetchAndLock", {"workerId": "w", "maxTasks": "5", "topics": TOPICS}, "maxTasks"),
    ("POST", "/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1, "topics": ["archive"]}, "topics.0"),
    ("POST", "/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1,
                                             "topics": [{"topicName": "archive", "lockDuration": 0}]}, "lockDuration"),
    ("POST", "/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1, "asyncResponseTimeout": -1,
                                             "topics": TOPICS}, "asyncResponseTimeout"),
    ("POST", "/external-task/{id}/complete", {"workerId": "w", "variables": {"x": {"value": "a", "type": "Long"}}},
     "variables.x"),
    ("POST", "/external-task/{id}/complete", {}, "workerId"),
    ("POST", "/external-task/{id}/failure", {"workerId": "w", "retries": -1}, "retries"),
    ("POST", "/external-task/{id}/bpmnError", {"workerId": "w"}, "errorCode"),
    ("POST", "/external-task/{id}/extendLock", {"workerId": "w", "newDuration": 0}, "newDuration"),
    ("PUT", "/external-task/{id}/retries", {"retries": "many"}, "retries"),
    ("PUT", "/external-task/retries", {"retries": 1, "externalTaskIds": ["x"]}, "externalTaskIds"),
    ("PUT", "/external-task/retries", {"retries": 1}, "externalTaskIds"),
    ("POST", "/external-task", {"sorting": ["id"]}, "sorting"),
    ("GET", "/external-task?sortBy=nothing", None, "sortBy"),
    ("GET", "/external-task?priorityHigherThanOrEquals=high", None, "priorityHigherThanOrEquals"),
    ("POST", "/message", {"messageName": 5}, "messageName"),
    ("POST", "/message", {"messageName": "m", "all": "yes"}, "all"),
    ("POST", "/signal", {"name": "s", "businessKey": 3}, "businessKey"),
])
def test_bad_requests_name_the_field(client, task_id, method, path, body, field):
    response = client.open("/engine-rest" + path.format(id=task_id), method=method, json=body, headers=AUTH)
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["type"] in ("InvalidRequestException", "RestException")
    assert field in answer["message"] or any(field in key for key in answer.get("errors", {}))
    db.session.expire_all()
    row = db.session.get(ExternalTask, task_id)
    assert row.worker_id is None and row.retries is None


def test_unknown_tasks_are_404_in_camundas_words(client, task_id):
    for path in ("/external-task/nope", "/external-task/999999", "/external-task/999999/errorDetails"):
        response = client.get("/engine-rest" + path, headers=AUTH)
        assert response.status_code == 404 and "does not exist" in response.get_json()["message"]


def fetch(client, **topic):
    body = {"workerId": "w", "maxTasks": 5, "topics": [dict({"topicName": "archive", "lockDuration": 1000}, **topic)]}
    response = client.post("/engine-rest/external-task/fetchAndLock", json=body, headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_topic_filters_and_variables(client, task_id, org):
    assert fetch(client, businessKey="ben") == []
    assert fetch(client, processDefinitionKey="other") == []
    assert fetch(client, processDefinitionKeyIn=["other"]) == []
    assert fetch(client, processVariables={"employee": "ben"}) == []
    (task,) = fetch(client, businessKey="ada", processDefinitionKey="archive", variables=["employee", "priority"],
                    processVariables={"employee": "ada"}, includeExtensionProperties=True)
    assert task["variables"] == {"employee": {"value": "ada", "type": "String", "valueInfo": {}},
                                 "priority": {"value": 1, "type": "Integer", "valueInfo": {}}}
    assert task["activityId"] == "archive_plan" and task["businessKey"] == "ada" and task["priority"] == 1
    assert task["processDefinitionKey"] == "archive" and task["extensionProperties"] == {}
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=AUTH, json={
        "workerId": "w", "variables": {"archived": {"value": True, "type": "Boolean"}},
        "localVariables": {"receipt": {"value": "r-1", "type": "String"}}})
    assert done.status_code == 204
    instance_id = int(task["processInstanceId"])
    from engine.store.models import ProcessInstance
    data = Runtime(db.session).current_data(db.session.get(ProcessInstance, instance_id))
    assert data["archived"] is True and "receipt" not in data  # local variables end with the task
