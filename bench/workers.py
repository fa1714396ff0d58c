"""Long-polling external-task workers must not starve page requests: the inbox p95 with 50 idle workers waiting
in fetchAndLock, beside the inbox p95 with none. (Run as the `workers` section of bench/run.py.)

Each waiting fetchAndLock holds one server thread but no database connection (it waits on a notification or a
short poll between one-statement transactions), so the server is started with enough threads per worker process
for the waiting workers plus page requests.
"""
import http.client
import json
import secrets
import statistics
import threading
import time

import sqlalchemy as sa

from bench.report import percentile

IDLE_WORKERS = 50
WAIT_MS = 20_000
SAMPLES = 200


def _worker_token(app):
    """A member of `workers` with an API token (bearer: no password hashing per request)."""
    from engine.store.models import ApiToken, Group, User
    from web.extensions import db
    from web.auth.api_tokens import token_hash
    token = secrets.token_urlsafe(24)
    with app.app_context():
        group = db.session.scalars(sa.select(Group).where(Group.name == "workers")).one()
        user = User(username="bench-worker", name="Bench worker", groups=[group])
        db.session.add(user)
        db.session.flush()
        db.session.add(ApiToken(user_id=user.id, name="bench", token_hash=token_hash(token)))
        db.session.commit()
    return token


def _inbox_timings(browser):
    timings = []
    for index in range(SAMPLES + 20):
        started = time.perf_counter()
        status, _body = browser.request("GET", "/")
        assert status == 200, status
        if index >= 20:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_workers(app, url, results, gunicorn, browser_class, port):
    """Inbox p50/p95 alone, then with IDLE_WORKERS long polls waiting on an empty topic."""
    token = _worker_token(app)
    stop = threading.Event()
    waiting = {"now": 0, "answers": 0, "errors": 0}
    lock = threading.Lock()
    body = json.dumps({"workerId": "idle", "maxTasks": 1, "asyncResponseTimeout": WAIT_MS,
                       "topics": [{"topicName": "nothing-to-do", "lockDuration": 10_000}]})

    def idle_worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_MS / 1000 + 30)
        while not stop.is_set():
            with lock:
                waiting["now"] += 1
            try:
                connection.request("POST", "/engine-rest/external-task/fetchAndLock", body,
                                   {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                response = connection.getresponse()
                response.read()
                with lock:
                    waiting["answers" if response.status == 200 else "errors"] += 1
            except OSError:
                if not stop.is_set():  # the server stopping at the end is no error
                    with lock:
                        waiting["errors"] += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_MS / 1000 + 30)
            finally:
                with lock:
                    waiting["now"] -= 1

    threads_per_process = IDLE_WORKERS // 2 + 8
    with gunicorn(url, workers=2, threads=threads_per_process):
        browser = browser_class("mia")
        alone = _inbox_timings(browser)
        pollers = [threading.Thread(target=idle_worker, daemon=True) for _ in range(IDLE_WORKERS)]
        for poller in pollers:
            poller.start()
        time.sleep(2)  # all of them are waiting now
        busy = _inbox_timings(browser)
        in_flight = waiting["now"]
        stop.set()
    figure = {"alone_p50": statistics.median(alone), "alone_p95": percentile(alone, 0.95),
              "busy_p50": statistics.median(busy), "busy_p95": percentile(busy, 0.95),
              "waiting": in_flight, "errors": waiting["errors"], "threads": threads_per_process}
    results["workers"] = figure
    print(f"inbox alone: p50 {figure['alone_p50']:.1f} ms p95 {figure['alone_p95']:.1f} ms; with {in_flight} "
          f"long-polling workers waiting: p50 {figure['busy_p50']:.1f} ms p95 {figure['busy_p95']:.1f} ms "
          f"(ratio {figure['busy_p95'] / figure['alone_p95']:.2f}x; 2 gunicorn processes x {threads_per_process} "
          f"threads; {figure['errors']} worker errors)", flush=True)
