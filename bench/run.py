"""Career Pathing benchmarks: figures and ratios, all measured in one run on PostgreSQL.

    make bench                       # everything, default sizes
    BENCH_PATHS=20000 make bench     # smaller history for a quick look
    BENCH_ONLY=engine,http make bench  # some sections only (deploy, engine, state, http, pages, rest, timers,
                                       # sandbox, workers, credentials, people)

Each section prints as it finishes; the table at the end compares with the targets.
Nothing here is a test: timings depend on the machine.
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.report import percentile, print_table  # noqa: E402

PATHS = int(os.environ.get("BENCH_PATHS", 100_000))
TASKS_PER_PATH = 10
HTTP_CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
HTTP_COMPLETIONS = int(os.environ.get("BENCH_COMPLETIONS", 1500))
TIMERS = int(os.environ.get("BENCH_TIMERS", 10_000))
WORKER_PATHS = int(os.environ.get("BENCH_WORKER_PATHS", 5_000))  # history under the `workers` section alone
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PORT = int(os.environ.get("BENCH_PORT", 5077))
OBJECTIVES = dict(meeting_date="2026-11-20", career_goals="Grow into technical leadership.",
                  five_year_vision="Yes, as a staff engineer.", target_role="Staff Engineer")

results = {}


def say(text):
    print(text, flush=True)


@contextmanager
def fresh_database():
    """A new PostgreSQL database for this run, dropped afterwards."""
    name = f"pathing_bench_{int(time.time())}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url):
    from web import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def pathing(url, *args, **popen):
    env = dict(os.environ, DATABASE_URL=url, PATHING_INSTANCE=tempfile.mkdtemp(prefix="bench-instance-"))
    command = [os.path.join(os.path.dirname(sys.executable), "pathing"), *args]
    if popen:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)


# --- deploy ---------------------------------------------------------------------------------------------

def bench_deploy(url):
    from engine.diagrams.deployment import read_paths
    from engine.diagrams.validation import check_files
    started = time.perf_counter()
    pathing(url, "demo")
    shipped = time.perf_counter() - started
    corpus = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
    files = [os.path.join(root, name) for root, _d, names in os.walk(corpus) for name in names
             if name.endswith(".bpmn")]
    started = time.perf_counter()
    for path in files:
        check_files(read_paths([path]))
    corpus_seconds = time.perf_counter() - started
    results["deploy"] = {"shipped_s": shipped, "corpus_files": len(files), "corpus_s": corpus_seconds}
    say(f"deploy: migrate + deploy shipped + seed {shipped:.2f} s; validate {len(files)} corpus files "
        f"{corpus_seconds:.2f} s")


# --- engine floor -----------------------------------------------------------------------------------------

def waiting_paths(app, count, username="ada"):
    """`count` paths of `username` waiting at their first task; returns their open task ids."""
    from engine.store.models import HumanTask, User
    from engine.runtime.runner import Runtime
    from web.extensions import db
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == username)).one()
        runtime = Runtime(db.session)
        ids = []
        for index in range(count):
            outcome = runtime.start("career_pathing", user, user)
            ids.append(outcome.opened[0].id)
            if index % 200 == 199:
                db.session.commit()
        db.session.commit()
        return ids, db.session.get(HumanTask, ids[0]).instance_id


def bench_engine_floor(app, rounds=300):
    """Restore + complete one user task + engine steps + serialize, bare SpiffWorkflow, no database: from the
    state's JSON text as stored, back to JSON text."""
    from SpiffWorkflow.util.task import TaskState

    from engine.store.models import ProcessInstance
    from engine.scripts.scripting import CareerScriptEngine
    from engine.diagrams.specs import dump_state, load_state
    from web.extensions import db
    _ids, instance_id = waiting_paths(app, 1)
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        version, text = instance.process_version, json.dumps(instance.state)
        load_state(version, json.loads(text), CareerScriptEngine())  # parse and cache the spec first
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            workflow = load_state(version, json.loads(text), CareerScriptEngine())
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(OBJECTIVES)
            task.run()
            workflow.do_engine_steps()
            json.dumps(dump_state(workflow))
            timings.append((time.perf_counter() - started) * 1000)
    results["engine_ms"] = statistics.median(timings)
    say(f"engine floor: median {results['engine_ms']:.2f} ms per completion ({rounds} rounds)")


# --- HTTP -------------------------------------------------------------------------------------------------

class Browser:
    """One logged-in client on a kept-alive connection (session cookie and CSRF token, as a browser has)."""

    def __init__(self, username):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookie = ""
        page = self.request("GET", "/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": username, "password": "demo", "csrf_token": token})
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login failed for {username}: {status}"
        inbox = self.request("GET", "/")[1]
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', inbox).group(1)

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def complete(self, task_id, data):
        body = json.dumps({"data": data})
        return self.request("POST", f"/api/v1/tasks/{task_id}/complete", body,
                            {"Content-Type": "application/json", "X-CSRFToken": self.csrf})[0]


@contextmanager
def gunicorn(url, workers=2, threads=4):
    server = pathing(url, "serve", "--port", str(PORT), "--workers", str(workers), "--threads", str(threads),
                     "--no-worker", popen=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(timeout=20)


def bench_http(app, url):
    """Completions through the JSON API with gunicorn and PostgreSQL; concurrent clients."""
    task_ids, _ = waiting_paths(app, HTTP_COMPLETIONS + HTTP_CLIENTS * 5)
    with gunicorn(url):
        warm = Browser("ada")
        for task_id in task_ids[-HTTP_CLIENTS * 5:]:
            warm.complete(task_id, OBJECTIVES)
        # the floor of any request here: HTTP through gunicorn and one database round trip (GET /health)
        health = []
        for _ in range(300):
            started = time.perf_counter()
            assert warm.request("GET", "/health")[0] == 200
            health.append((time.perf_counter() - started) * 1000)
        # one client alone: latency without queueing
        single = []
        for task_id in task_ids[:100]:
            started = time.perf_counter()
            assert warm.complete(task_id, OBJECTIVES) == 200
            single.append((time.perf_counter() - started) * 1000)
        queue = list(task_ids[100:HTTP_COMPLETIONS])
        lock, latencies, failures = threading.Lock(), [], []
        browsers = [Browser("ada") for _ in range(HTTP_CLIENTS)]  # logged in before the clock starts

        def client(browser):
            while True:
                with lock:
                    if not queue:
                        return
                    task_id = queue.pop()
                started = time.perf_counter()
                status = browser.complete(task_id, OBJECTIVES)
                with lock:
                    (latencies if status == 200 else failures).append((time.perf_counter() - started) * 1000)

        threads = [threading.Thread(target=client, args=(browser,)) for browser in browsers]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    results["http"] = {"health_p50": statistics.median(health[50:]),
                       "single_p50": statistics.median(single), "single_p95": percentile(single, 0.95),
                       "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
                       "per_second": len(latencies) / elapsed, "failures": len(failures)}
    h = results["http"]
    say(f"HTTP + one database round trip (GET /health): p50 {h['health_p50']:.2f} ms")
    say(f"HTTP completion: one client p50 {h['single_p50']:.1f} ms p95 {h['single_p95']:.1f} ms; "
        f"{HTTP_CLIENTS} clients p50 {h['p50']:.1f} ms p95 {h['p95']:.1f} ms, {h['per_second']:.0f}/s, "
        f"{h['failures']} failed")


# --- state growth -----------------------------------------------------------------------------------------

def bench_state_growth(app, per_round=9):
    """Stored state after 1, 5 and 10 revise-and-resubmit rounds, and the time of a leadership completion in those
    rounds. Three groups of `per_round` paths are taken to the approval of round 1, 5 and 10; their completions
    are then timed interleaved, so a slower moment of the machine weighs on every round alike."""
    from engine.store.models import HumanTask, ProcessInstance, User
    from engine.runtime.runner import Runtime
    from engine.runtime.task_actions import TaskActions
    from tests.helpers import (ALIGNMENT, CAREER_PATH, JOB_DESCRIPTION, PATH_REVIEW, REVIEW, SKILLS)
    from web.extensions import db
    rounds = (1, 5, 10)
    with app.app_context():
        people = {u.username: u for u in db.session.scalars(sa.select(User))}
        groups = {number: [Runtime(db.session).start("career_pathing", people["ada"], people["ada"]).instance.id
                           for _ in range(per_round)] for number in rounds}
        db.session.commit()

        def do(instance_id, element_id, username, data):
            """Complete `element_id` in one path; returns the time of the completion and its commit (ms)."""
            row = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                                HumanTask.element_id == element_id,
                                                                HumanTask.status == "open")).first()
            if row.assignee_id is None:
                TaskActions(db.session).claim(row.id, people[username])
                db.session.commit()
            started = time.perf_counter()
            Runtime(db.session).complete(row.id, data, people[username])
            db.session.commit()
            return (time.perf_counter() - started) * 1000

        def stored_size(instance_id):
            db.session.expire_all()
            return len(json.dumps(db.session.get(ProcessInstance, instance_id).state))

        def approval(number):
            return {"leadership_decision": "modify",
                    "leadership_comments": f"Round {number}: please add a stretch milestone."}

        def revise(instance_id, number):
            do(instance_id, "leadership_approval", "leo", approval(number))
            do(instance_id, "draft_career_path", "mia", CAREER_PATH)
            do(instance_id, "review_career_path", "ada", PATH_REVIEW)

        everyone = [instance_id for ids in groups.values() for instance_id in ids]
        for element_id, username, data in [
                ("career_objectives_meeting", "ada", OBJECTIVES), ("draft_job_description", "ada", JOB_DESCRIPTION),
                ("select_stakeholders", "mia", {"stakeholders": ["sam"], "review_focus": "Fit"}),
                ("stakeholder_review", "sam", REVIEW), ("alignment_meeting", "mia", ALIGNMENT),
                ("confirm_job_description", "ada", {"jd_decision": "accept"}), ("skills_evaluation", "ada", SKILLS),
                ("draft_career_path", "mia", CAREER_PATH), ("review_career_path", "ada", PATH_REVIEW)]:
            for instance_id in everyone:
                do(instance_id, element_id, username, data)
        sizes = {}
        for number in range(1, 10):  # every group goes on until it waits for the approval of its own round
            for group, ids in groups.items():
                if group > number:
                    for instance_id in ids:
                        revise(instance_id, number)
            sizes[number] = statistics.median(stored_size(instance_id) for instance_id in groups[10])
        timings = {number: [] for number in rounds}
        for index in range(per_round):
            for number in rounds:
                timings[number].append(do(groups[number][index], "leadership_approval", "leo", approval(number)))
        for instance_id in groups[10]:
            do(instance_id, "draft_career_path", "mia", CAREER_PATH)
            do(instance_id, "review_career_path", "ada", PATH_REVIEW)
        sizes[10] = statistics.median(stored_size(instance_id) for instance_id in groups[10])
    figures = {number: {"bytes": sizes[number], "approve_ms": statistics.median(timings[number]),
                        "per_round": sizes[number] - sizes[number - 1] if number > 1 else None}
               for number in rounds}
    results["state"] = figures
    for number, figure in figures.items():
        growth = f" ({figure['per_round'] / 1024:+.1f} KB that round)" if figure["per_round"] is not None else ""
        say(f"state after {number} round(s): {figure['bytes'] / 1024:.1f} KB{growth}; a leadership completion in "
            f"round {number}: {figure['approve_ms']:.1f} ms (median of {per_round}, timed interleaved)")


SECTIONS = ("deploy", "engine", "state", "http", "pages", "rest", "timers", "sandbox", "workers", "credentials",
            "people")


def main():
    only = [name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        sys.exit(f"BENCH_ONLY names unknown sections: {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    wanted = set(only or SECTIONS)
    with fresh_database() as url:
        say(f"Career Pathing benchmarks on {url.rsplit('@', 1)[-1]}")
        if "deploy" in wanted:
            bench_deploy(url)
        else:
            pathing(url, "demo")
        app = make_app(url)
        if "engine" in wanted or "http" in wanted:  # the HTTP ratio needs the floor
            bench_engine_floor(app)
        if "state" in wanted:
            bench_state_growth(app)
        if "http" in wanted:
            bench_http(app, url)
        from bench.scale import bench_pages, bench_timers
        if "pages" in wanted:
            bench_pages(app, url, results, gunicorn, Browser, PATHS, TASKS_PER_PATH)
        if "rest" in wanted:
            from bench.engine_rest import bench_engine_rest
            bench_engine_rest(app, url, results, gunicorn, PORT, PATHS, TASKS_PER_PATH)
        if "timers" in wanted:
            bench_timers(app, url, results, pathing, TIMERS)
        if "sandbox" in wanted:
            from bench.sandbox import bench_sandbox
            bench_sandbox(results, say=say)
        if "workers" in wanted:
            from bench.workers import bench_workers
            if "history" not in results:  # the inbox is measured over a history; a small one keeps this short
                from bench.scale import fill_history
                fill_history(app, WORKER_PATHS, TASKS_PER_PATH)
            bench_workers(app, url, results, gunicorn, Browser, PORT)
        if "credentials" in wanted:
            from bench.credentials import bench_credentials
            from web import create_app
            bench_credentials(create_app({"SQLALCHEMY_DATABASE_URI": url}), results, say=say)  # production hashing
        if "people" in wanted:  # last: the 2,000 people it adds change no other figure
            from bench.people_import import bench_people_import
            bench_people_import(app, url, results, pathing, say=say)
        print_table(results)


if __name__ == "__main__":
    main()
