"""`pathing serve --workers N` runs gunicorn with N worker processes on the configured database, and serves the
JSON API the way the benchmark and production use it."""
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from web import PROJECT_ROOT

from ..helpers import OBJECTIVES


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid):
    """Process ids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.fixture
def served(database_url, org, deployed):
    """`pathing serve --workers 2` on the test database; yields (port, server process)."""
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc to see gunicorn's worker processes")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, PATHING_INSTANCE=tempfile.mkdtemp(prefix="pathing-serve-"),
               SECRET_KEY="serve-test")
    command = [os.path.join(os.path.dirname(sys.executable), "pathing"), "serve", "--port", str(port),
               "--workers", "2", "--threads", "2", "--no-worker"]
    server = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and server.poll() is None:
            try:
                if call(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            output = server.stdout.read().decode() if server.poll() is not None else ""
            pytest.fail(f"pathing serve did not answer /health: {output[-2000:]}")
        yield port, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def call(port, method, path, body=None, username=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if username:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload) if payload else None


def test_gunicorn_serves_the_api_with_the_workers_asked_for(served):
    port, server = served
    deadline = time.time() + 30  # the first worker may answer before the second is up
    while len(children_of(server.pid)) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert len(children_of(server.pid)) == 2  # the gunicorn master (pathing serve) and its two workers
    status, started = call(port, "POST", "/api/v1/process-instances", {"process_key": "career_pathing"}, "ada")
    assert status == 201, started
    task = started["open_tasks"][0]
    assert task["element_id"] == "career_objectives_meeting"
    status, done = call(port, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": OBJECTIVES}, "ada")
    assert status == 200, done
    assert [t["element_id"] for t in done["next_tasks"]] == ["draft_job_description"]
    status, again = call(port, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": OBJECTIVES}, "ada")
    assert status == 409 and again["code"] == "task_already_completed"
