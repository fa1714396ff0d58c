"""`pathing serve --workers N` on PostgreSQL: no database connection crosses a fork. A gunicorn worker killed
with SIGKILL under load, or every database connection cut under load, gives errors for at most a second; after
that every request succeeds, no socket to the database is shared between processes, and every acknowledged
completion is stored exactly once."""
import collections
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, User
from engine.runtime.runner import Runtime
from web import PROJECT_ROOT
from web.extensions import db

from .test_production_serving import call, free_port
from .test_sandbox import deploy_unchecked

pytestmark = pytest.mark.postgres
PATHS = 100  # the load completes what it can of these, then keeps asking /health
POSTGRES_PORT = 5432


@pytest.fixture
def paths(app, org):
    """PATHS paths of a small process, each waiting for ada's first task (the next step runs a script)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")
    version = deploy_unchecked("x = 1")
    ada = db.session.scalars(sa.select(User).where(User.username == "ada")).one()
    for _ in range(PATHS):
        Runtime(db.session).start_version(version, ada, ada)
    db.session.commit()
    return [row.id for row in db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "open"))]


@pytest.fixture
def server(database_url, paths):
    """`pathing serve --workers 2` with its embedded timer and email threads; yields (port, master pid)."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, PATHING_INSTANCE=tempfile.mkdtemp(prefix="pathing-fork-"),
               SECRET_KEY="fork-test")
    command = [os.path.join(os.path.dirname(sys.executable), "pathing"), "serve", "--port", str(port),
               "--workers", "2", "--threads", "2"]
    master = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(descendants(master.pid)) < 2 or not _answers(port):
            assert master.poll() is None and time.monotonic() < deadline, "pathing serve did not start"
            time.sleep(0.1)
        yield port, master.pid
    finally:
        master.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        master.wait(timeout=30)


def _answers(port):
    try:
        return call(port, "GET", "/health")[0] == 200
    except OSError:
        return False


def descendants(pid):
    """Process ids below `pid` (children, their children...), read from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def gunicorn_workers(master):
    return [pid for pid in descendants(master) if _parent(pid) == master]


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def database_sockets(pids):
    """{socket inode: [pids holding it]} for the TCP sockets to PostgreSQL that these processes hold."""
    to_postgres = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == POSTGRES_PORT:
                    to_postgres.add(fields[9])
    holders = collections.defaultdict(list)
    for pid in pids:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in to_postgres:
                holders[target[8:-1]].append(pid)
    return holders


class Load:
    """Clients completing ada's tasks (and asking /health) until stopped; every answer is kept with its time."""

    def __init__(self, port, tasks, clients=4, until_done=False):
        self.port, self.tasks, self.until_done = port, collections.deque(tasks), until_done
        self.answers = []  # (monotonic time, status or 0 for a broken connection, task id or None)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def _client(self):
        while not self.stop.is_set():
            try:
                task_id = self.tasks.popleft()
            except IndexError:
                if self.until_done:
                    return
                task_id = None
            try:
                if task_id is None:
                    status = call(self.port, "GET", "/health")[0]
                else:
                    status = call(self.port, "POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"note": "go"}},
                                  "ada")[0]
            except (OSError, ValueError) as exc:  # the worker serving it was killed, or its answer was cut
                status = 0
            self.answers.append((time.monotonic(), status, task_id))

    def __exit__(self, *exc):
        if not self.until_done:
            self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def failures_after(self, moment):
        return [(round(at - moment, 2), status) for at, status, _task in self.answers
                if at > moment and (status == 0 or status >= 500)]

    def acknowledged(self):
        return [task for _at, status, task in self.answers if task is not None and status == 200]


def assert_each_acknowledged_completion_stored_once(load):
    acknowledged = load.acknowledged()
    assert len(acknowledged) >= 10, "the load completed too little to show anything"
    db.session.expire_all()
    completed = {row.id for row in db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "completed"))}
    assert set(acknowledged) <= completed
    events = collections.Counter(db.session.scalars(sa.select(InstanceEvent.human_task_id).where(
        InstanceEvent.kind == "task_completed")))
    assert all(count == 1 for count in events.values()) and set(events) == completed
    for task_id in acknowledged:  # the step after it ran (the script) and its next task is open
        instance_id = db.session.get(HumanTask, task_id).instance_id
        assert db.session.get(ProcessInstance, instance_id).status == "running"


def warmed_up(port):
    """Open tasks, after a few completions gave both workers their parsed process and warm script sandbox."""
    tasks = server_tasks()
    db.session.rollback()  # this test's connection goes back to the pool (one test cuts every connection)
    with Load(port, tasks[:8], until_done=True):
        pass
    return tasks[8:]


def test_a_worker_killed_under_load_is_replaced_without_errors_or_shared_sockets(server):
    port, master = server
    with Load(port, warmed_up(port)) as load:
        time.sleep(1)
        victim = gunicorn_workers(master)[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(3)
        holders = database_sockets([master] + descendants(master))
    assert victim not in descendants(master) and len(gunicorn_workers(master)) == 2
    assert holders, "the workers hold no connection to PostgreSQL: nothing was checked"
    assert not any(master in pids for pids in holders.values()), "the gunicorn master holds a database socket"
    shared = {inode: pids for inode, pids in holders.items() if len(set(pids)) > 1}
    assert not shared, f"database sockets shared between processes: {shared}"
    assert not load.failures_after(killed_at + 1)
    assert_each_acknowledged_completion_stored_once(load)


def test_database_connections_cut_under_load_cost_at_most_a_second(server):
    port, _master = server
    with Load(port, warmed_up(port)) as load:
        time.sleep(1)
        with db.engine.connect() as connection:
            cut = connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        cut_at = time.monotonic()
        time.sleep(3)
    assert cut >= 2  # at least one connection of each worker was cut
    assert not load.failures_after(cut_at + 1)
    assert_each_acknowledged_completion_stored_once(load)


def server_tasks():
    return [row for row in db.session.scalars(sa.select(HumanTask.id).where(HumanTask.status == "open"))]
