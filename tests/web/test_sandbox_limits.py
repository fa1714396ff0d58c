"""Scripts run in sandbox worker processes with OS limits: operations that run in C for a long time or allocate
hundreds of megabytes in one call are stopped within the limit plus a second, become an incident, and the web
process keeps answering meanwhile."""
import base64
import http.client
import threading
import time

import pytest
from werkzeug.serving import make_server

from engine.diagrams.deployment import checksum_of
from engine.store.models import ProcessInstance, ProcessVersion
from engine.scripts.sandbox.pool import SandboxPool
from engine.scripts.restricted import SCRIPT_TIME_LIMIT
from web.extensions import db

from ..engine.test_runtime import small_process
from .test_sandbox import FORM, deploy_unchecked

SQUARING = "x = 3\n" + "x = x * x\n" * 40  # each line doubles the number; one multiplication runs for seconds
BREACHES = [
    (SQUARING, "big-int squaring"),
    ("n = len('%800000000d' % 1)", "percent formatting"),
    ("n = len(f'{1:>800000000}')", "f-string"),
    ("n = len('x'.ljust(800000000))", "ljust"),
    ("s = 'x' * 1000000\nn = len(s.replace('x', s))", "replace"),
    ("s = 'x' * 1000000\nn = len(''.join([s] * 1000))", "join"),
]
STOPPED = ("longer than 2 seconds", "MB of memory")


def complete_first(act, username="ada"):
    started = act.as_(username).post("/api/v1/process-instances", json={"process_key": "small"})
    assert started.status_code == 201, started.json
    return started.json["id"], started.json["open_tasks"][0]["id"]


@pytest.fixture
def sandbox_runs(monkeypatch):
    """The wall-clock seconds of each script run in the sandbox, from sending it to the worker being stopped
    (or back in the pool): the request around it also loads and stores the path, which a busy machine slows."""
    durations = []
    run = SandboxPool.run

    def timed(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return run(self, *args, **kwargs)
        finally:
            durations.append(time.monotonic() - started)

    monkeypatch.setattr(SandboxPool, "run", timed)
    return durations


@pytest.mark.parametrize("script", [b[0] for b in BREACHES], ids=[b[1] for b in BREACHES])
def test_c_level_breaches_stop_within_the_limit_and_become_an_incident(act, script, sandbox_runs):
    deploy_unchecked(script)
    instance_id, task_id = complete_first(act)
    response = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "go"}})
    assert response.status_code == 409 and response.json["code"] == "incident", response.json
    assert any(reason in response.json["message"] for reason in STOPPED), response.json["message"]
    assert len(sandbox_runs) == 1 and sandbox_runs[0] <= SCRIPT_TIME_LIMIT + 1, sandbox_runs
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "incident" and instance.incident["element_id"] == "compute"
    assert act.task(instance, "first").status == "open"  # the step was rolled back


def test_the_pool_works_on_after_a_worker_was_killed(act):
    deploy_unchecked("while True:\n    pass")
    _instance_id, task_id = complete_first(act)
    assert act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "go"}}).status_code == 409
    deploy_unchecked("total = sum([i * i for i in range(1000)])", version=2)
    instance_id, task_id = complete_first(act)
    response = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "go"}})
    assert response.status_code == 200, response.json
    assert [t["element_id"] for t in response.json["next_tasks"]] == ["second"]
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).state  # stored with the script's result


@pytest.fixture
def live_server(app):
    """The app served by werkzeug on a free port in a background thread (threaded, as `pathing serve`)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


def request(port, method, path, body=None, username=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if username:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@pytest.mark.parametrize("script", [SQUARING, "while True:\n    pass"], ids=["big-int squaring", "endless loop"])
def test_health_answers_within_100_ms_while_a_script_runs(act, live_server, script):
    deploy_unchecked(script)
    _instance_id, task_id = complete_first(act)
    assert request(live_server, "GET", "/health") == 200  # the connection pool is warm
    outcome = {}

    def complete():
        outcome["status"] = request(live_server, "POST", f"/api/v1/tasks/{task_id}/complete",
                                    b'{"data": {"note": "go"}}', "ada")

    runner = threading.Thread(target=complete)
    runner.start()
    time.sleep(0.3)  # the script is running in its worker now
    timings = []
    while runner.is_alive():
        started = time.monotonic()
        assert request(live_server, "GET", "/health", timeout=5) == 200
        timings.append(time.monotonic() - started)
        time.sleep(0.02)
    runner.join(SCRIPT_TIME_LIMIT + 5)
    assert outcome["status"] == 409
    # Before the sandbox, /health waited for the whole C-level operation (26 s). Now an answer takes a few
    # milliseconds: the median is held to 100 ms, and the slowest to 1 s, because on a shared, overloaded test
    # machine any thread (or the database) can be descheduled for longer than 100 ms now and then.
    timings.sort()
    assert len(timings) >= 10 and timings[len(timings) // 2] < 0.1 and timings[-1] < 1, timings


def test_a_gateway_condition_that_allocates_is_stopped_in_the_sandbox_and_becomes_an_incident(act, sandbox_runs):
    gateway = ('<bpmn:exclusiveGateway id="compute" default="plain"><bpmn:incoming>f2</bpmn:incoming>'
               '</bpmn:exclusiveGateway>'
               '<bpmn:sequenceFlow id="costly" sourceRef="compute" targetRef="second"><bpmn:conditionExpression>'
               "${len('%800000000d' % 1) > 0 and note == 'costly'}</bpmn:conditionExpression></bpmn:sequenceFlow>"
               '<bpmn:sequenceFlow id="plain" sourceRef="compute" targetRef="second"/>')
    xml = small_process("x = 1")
    start = xml.index('<bpmn:scriptTask id="compute"')
    end = xml.index("</bpmn:scriptTask>") + len("</bpmn:scriptTask>")
    xml = xml[:start] + gateway + xml[end:]
    xml = xml.replace('<bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="second"/>', "")
    sources = {"bpmn": {"small.bpmn": xml}, "dmn": {}, "forms": {"note": FORM}}
    db.session.add(ProcessVersion(key="small", name="Small", version=1, checksum=checksum_of(sources),
                                  sources=sources))
    db.session.commit()
    instance_id, task_id = complete_first(act)
    response = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "go"}})
    assert response.status_code == 409 and response.json["code"] == "incident", response.json
    assert response.json["errors"]["element_id"] == "compute" and "Error evaluating expression" in \
        response.json["message"]
    assert len(sandbox_runs) == 1 and sandbox_runs[0] <= SCRIPT_TIME_LIMIT + 1, sandbox_runs
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "incident"
