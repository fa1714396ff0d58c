"""Real Camunda clients against a live server: camunda-external-task-client-python3 runs a worker (fetch,
complete, failure with retries, bpmnError) and pycamunda correlates a message. Plus long polling that waits
without a database connection, and the REST errors workers see."""
import base64
import threading
import time

import pycamunda.message
import pytest
import requests
import sqlalchemy as sa
from camunda.external_task.external_task_worker import ExternalTaskWorker, NoExternalTaskFound

from engine.store.integration_models import ExternalTask
from engine.store.models import HumanTask, ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from ..connect import ARCHIVE, deploy_text, worker_account
from ..live_server import live_server


@pytest.fixture
def server(app):
    """The live /engine-rest of the app on a free local port."""
    with live_server(app) as base:
        yield base + "/engine-rest"


@pytest.fixture
def archive(org):
    deploy_text("archive.bpmn", ARCHIVE)
    worker_account("archiver")
    return org


def start(org, who="ada"):
    instance = Runtime(db.session).start("archive", org[who], org["hana"], {"priority": 1}).instance
    db.session.commit()
    return instance.id


def worker(server, **config):
    settings = {"auth_basic": {"username": "archiver", "password": "demo"}, "maxTasks": 1, "lockDuration": 10_000,
                "asyncResponseTimeout": 0, "retryTimeout": 0, "sleepSeconds": 0}
    settings.update(config)
    return ExternalTaskWorker(worker_id="archive-worker", base_url=server, config=settings)


def status_of(instance_id):
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def basic(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def test_a_real_worker_completes_and_a_pycamunda_message_finishes_the_path(server, archive):
    instance_id = start(archive)
    seen = {}

    def archive_plan(task):
        seen.update(task.get_variables(), business_key=task.get_business_key())
        return task.complete({"archive_id": "A-42"})

    worker(server).fetch_and_execute("archive", archive_plan)
    assert seen["employee"] == "ada" and seen["business_key"] == "ada"
    assert db.session.scalars(sa.select(ExternalTask)).all() == []
    with pytest.raises(NoExternalTaskFound):
        worker(server).fetch_and_execute("archive", archive_plan)

    correlate = pycamunda.message.CorrelateSingle(server, "training-done", business_key="ada", result_enabled=True)
    correlate.auth = requests.auth.HTTPBasicAuth("archiver", "demo")
    correlate.add_process_variable("score", 91, "Integer")
    (result,) = correlate()
    assert result.result_type.value == "Execution" and result.execution.process_instance_id == str(instance_id)
    done = status_of(instance_id)
    assert done.status == "completed"
    assert Runtime(db.session).current_data(done)["archive_id"] == "A-42"
    assert Runtime(db.session).current_data(done)["score"] == 91


def test_failures_with_retries_end_in_an_incident_hr_retries(server, archive, act):
    instance_id = start(archive)

    def failing(task):
        return task.failure("archive down", "connection refused by archive.example.com", max_retries=2,
                            retry_timeout=0)

    for _attempt in range(3):  # retries: 2, then 1, then 0
        worker(server).fetch_and_execute("archive", failing)
    row = db.session.scalars(sa.select(ExternalTask)).one()
    db.session.refresh(row)
    assert row.retries == 0 and row.error_message == "archive down"
    stopped = status_of(instance_id)
    assert stopped.status == "incident" and "archive down" in stopped.incident["message"]
    with pytest.raises(NoExternalTaskFound):
        worker(server).fetch_and_execute("archive", failing)
    details = requests.get(f"{server}/external-task/{row.id}/errorDetails", headers=basic("hana"))
    assert details.text == "connection refused by archive.example.com"
    page = act.as_("hana").get("/paths/incidents").get_data(as_text=True)
    assert "archive down" in page
    assert act.as_("hana").post(f"/paths/{instance_id}/retry").status_code == 302
    worker(server).fetch_and_execute("archive", lambda task: task.complete({}))
    assert status_of(instance_id).status == "running"  # on to the training message


def test_a_bpmn_error_from_a_real_worker_takes_the_error_boundary(server, archive):
    instance_id = start(archive)
    worker(server).fetch_and_execute("archive", lambda task: task.bpmn_error(
        "ARCHIVE_REFUSED", "the archive refuses plans without a signature", {"refusal": "unsigned"}))
    fix = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    assert fix.element_id == "fix_archive"
    assert Runtime(db.session).current_data(status_of(instance_id))["refusal"] == "unsigned"


def test_long_polling_waits_without_a_database_connection_and_answers_when_a_task_arrives(server, archive):
    body = {"workerId": "w", "maxTasks": 1, "asyncResponseTimeout": 5000,
            "topics": [{"topicName": "archive", "lockDuration": 1000}]}
    answers = []
    poll = threading.Thread(target=lambda: answers.append(
        requests.post(f"{server}/external-task/fetchAndLock", json=body, headers=basic("archiver"), timeout=10)))
    began = time.monotonic()
    poll.start()
    time.sleep(0.5)
    db.session.commit()
    assert db.engine.pool.checkedout() == 0  # the waiting request holds no connection
    start(archive)
    poll.join(timeout=10)
    waited = time.monotonic() - began
    assert answers[0].status_code == 200 and answers[0].json()[0]["topicName"] == "archive"
    assert 0.5 <= waited < 4, waited


def test_an_empty_long_poll_ends_at_its_timeout(server, archive):
    body = {"workerId": "w", "maxTasks": 1, "asyncResponseTimeout": 600,
            "topics": [{"topicName": "archive", "lockDuration": 1000}]}
    began = time.monotonic()
    answer = requests.post(f"{server}/external-task/fetchAndLock", json=body, headers=basic("archiver"))
    assert answer.json() == [] and 0.5 <= time.monotonic() - began < 3


def test_rest_errors_workers_see(server, archive):
    start(archive)
    url = f"{server}/external-task"
    body = {"workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "archive", "lockDuration": 60_000}]}
    assert requests.post(f"{url}/fetchAndLock", json=body, headers=basic("ada")).status_code == 403
    missing = requests.post(f"{url}/fetchAndLock", json={"maxTasks": 1, "topics": []}, headers=basic("archiver"))
    assert missing.status_code == 400 and "workerId" in missing.json()["message"]
    (task,) = requests.post(f"{url}/fetchAndLock", json=body, headers=basic("archiver")).json()
    assert task["retries"] is None and task["workerId"] == "w1" and task["variables"]["employee"]["type"] == "String"
    wrong = requests.post(f"{url}/{task['id']}/complete", json={"workerId": "w2"}, headers=basic("archiver"))
    assert wrong.status_code == 400 and wrong.json()["type"] == "BadUserRequestException"
    assert "locked by worker 'w1'" in wrong.json()["message"]
    assert requests.post(f"{url}/999999/complete", json={"workerId": "w1"},
                         headers=basic("archiver")).status_code == 404
    extend = requests.post(f"{url}/{task['id']}/extendLock", json={"workerId": "w1", "newDuration": 120_000},
                           headers=basic("archiver"))
    assert extend.status_code == 204
    listed = requests.get(url, params={"locked": "true", "topicName": "archive"}, headers=basic("hana")).json()
    assert [t["id"] for t in listed] == [task["id"]] and listed[0]["lockExpirationTime"]
    assert requests.get(f"{url}/count", headers=basic("hana")).json() == {"count": 1}
    assert requests.get(f"{url}/count", headers=basic("ben")).json() == {"count": 0}  # not ben's path
    assert requests.get(f"{url}/{task['id']}", headers=basic("ben")).status_code == 404
    assert requests.post(f"{url}/{task['id']}/unlock", headers=basic("archiver")).status_code == 204
    again = requests.post(f"{url}/fetchAndLock", json=dict(body, workerId="w2"), headers=basic("archiver")).json()
    assert [t["id"] for t in again] == [task["id"]]
    retries = requests.put(f"{url}/{task['id']}/retries", json={"retries": 5}, headers=basic("hana"))
    assert retries.status_code == 204 and requests.get(f"{url}/{task['id']}", headers=basic("hana")).json()[
        "retries"] == 5


def test_message_correlation_errors_are_camundas(server, archive):
    url = f"{server}/message"
    none = requests.post(url, json={"messageName": "training-done"}, headers=basic("archiver"))
    assert none.status_code == 400 and none.json()["type"] == "MismatchingMessageCorrelationException"
    assert "No process definition or execution matches" in none.json()["message"]
    nameless = requests.post(url, json={"businessKey": "ada"}, headers=basic("archiver"))
    assert nameless.status_code == 400 and "messageName" in nameless.json()["message"]
    bad = requests.post(url, json={"messageName": "x", "processVariables": {"a": {"value": "x", "type": "Integer"}}},
                        headers=basic("archiver"))
    assert bad.status_code == 400 and "processVariables.a" in bad.json()["errors"]
    assert requests.post(url, json={"messageName": "x"}).status_code == 401
    signal = requests.post(f"{server}/signal", json={}, headers=basic("archiver"))
    assert signal.status_code == 400 and "name" in signal.json()["message"]
    assert requests.post(f"{server}/signal", json={"name": "nobody-waits"}, headers=basic("archiver")).status_code == 204
