"""The Camunda 7 REST lists at company scale: /engine-rest task and process-instance lists and counts, with the
same history as the inbox benchmark (BENCH_PATHS paths, 10 task rows each), for a manager, leadership and HR."""
import hashlib
import http.client
import json
import statistics
import time

import sqlalchemy as sa

from bench.report import percentile

# (label, user, method, path, body): what a script or a Camunda client asks most
REQUESTS = (
    ("version (floor: token check, no query)", "mia", "GET", "/engine-rest/version", None),
    ("task list (manager)", "mia", "GET", "/engine-rest/task?maxResults=50", None),
    ("task count (manager)", "mia", "GET", "/engine-rest/task/count", None),
    ("task list by due date (HR)", "hana", "POST", "/engine-rest/task?maxResults=50",
     {"sorting": [{"sortBy": "dueDate", "sortOrder": "asc"}]}),
    ("task count overdue (HR)", "hana", "GET", "/engine-rest/task/count?dueBefore=2030-01-01T00:00:00.000%2B0000",
     None),
    ("task list candidate group (leadership)", "leo", "GET",
     "/engine-rest/task?candidateGroup=leadership&maxResults=50", None),
    ("instance list (manager)", "mia", "GET", "/engine-rest/process-instance?maxResults=50", None),
    ("instance count (manager)", "mia", "GET", "/engine-rest/process-instance/count", None),
    ("instance list (leadership)", "leo", "GET", "/engine-rest/process-instance?maxResults=50", None),
    ("instance list (HR)", "hana", "GET", "/engine-rest/process-instance?maxResults=50&sortBy=instanceId&sortOrder=desc",
     None),
    ("instance count (HR)", "hana", "GET", "/engine-rest/process-instance/count", None),
    ("instance list by business key (HR)", "hana", "GET", "/engine-rest/process-instance?businessKey=p77", None),
)


def _tokens(app, usernames):
    """A bearer token per user (what scripts use: no password hashing per request)."""
    from engine.store.models import ApiToken, User
    from web.extensions import db
    tokens = {}
    with app.app_context():
        for username in usernames:
            user = db.session.scalars(sa.select(User).where(User.username == username)).one()
            token = f"bench-{username}-{time.time_ns()}"
            db.session.add(ApiToken(user_id=user.id, name="bench", token_hash=hashlib.sha256(token.encode()).hexdigest()))
            tokens[username] = token
        db.session.commit()
    return tokens


def bench_engine_rest(app, url, results, gunicorn, port, paths, tasks_per_path, rounds=220):
    """p50/p95 of each request in REQUESTS on a kept-alive connection, after the history is written."""
    from bench.scale import fill_history
    from engine.store.models import HumanTask
    from web.extensions import db
    if "history" not in results:
        seconds = fill_history(app, paths, tasks_per_path)
        with app.app_context():
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask))
        results["history"] = {"paths": paths, "tasks": rows}
        print(f"history: {paths} paths and {rows} task rows written in {seconds:.0f} s", flush=True)
    tokens = _tokens(app, {user for _label, user, *_rest in REQUESTS})
    figures = {}
    with gunicorn(url):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for label, user, method, path, body in REQUESTS:
            headers = {"Authorization": f"Bearer {tokens[user]}", "Content-Type": "application/json"}
            timings, size = [], None
            for index in range(rounds):
                started = time.perf_counter()
                connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                   headers=headers)
                response = connection.getresponse()
                data = response.read()
                assert response.status == 200, (label, response.status, data[:300])
                if index >= 20:  # the first ones warm caches
                    timings.append((time.perf_counter() - started) * 1000)
                size = json.loads(data)
            found = size.get("count", 1) if isinstance(size, dict) else len(size)  # /version answers one object
            figures[label] = {"p50": statistics.median(timings), "p95": percentile(timings, 0.95), "rows": found}
            print(f"engine-rest {label}: p50 {figures[label]['p50']:.1f} ms, p95 {figures[label]['p95']:.1f} ms "
                  f"({found} {'counted' if isinstance(size, dict) else 'listed'})", flush=True)
    results["engine_rest"] = figures
