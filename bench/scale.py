"""Benchmarks that need volume: pages with a large history, and many waiting timers."""
import json
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.report import percentile


def fill_history(app, paths, tasks_per_path, people=20_000):
    """A company's history: `people` employees (reporting to 1 in 10 of them), `paths` paths over them (a third
    still running), `tasks_per_path` task rows each; the demo manager (mia) leads 20 of the running paths' people."""
    from web.extensions import db
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(sa.text("""
            INSERT INTO "user" (username, name, email, department, job_title, password_hash, active,
                                email_notifications)
            SELECT 'p' || g, 'Person ' || g, 'p' || g || '@example.com', 'Dept ' || (g % 40), 'Role', NULL, true, true
            FROM generate_series(1, :people) g"""), {"people": people})
        db.session.execute(sa.text("""
            UPDATE "user" u SET manager_id = m.id FROM "user" m
            WHERE u.username LIKE 'p%' AND m.username = 'p' || (1 + (substr(u.username, 2)::int % (:people / 10)))
              AND u.username <> m.username"""), {"people": people})
        db.session.execute(sa.text("""
            UPDATE "user" SET manager_id = (SELECT id FROM "user" WHERE username = 'mia')
            WHERE username IN (SELECT 'p' || g FROM generate_series(1, 20) g)"""))
        db.session.execute(sa.text("""
            INSERT INTO process_instance (process_version_id, business_key, employee_id, started_by_id, status,
                                          state, lock_version, started_at)
            SELECT 1, u.username, u.id, u.id, CASE WHEN g % 3 = 0 THEN 'running' ELSE 'completed' END, '{}'::json, 1,
                   now() - (g || ' minutes')::interval
            FROM generate_series(1, :paths) g
            JOIN "user" u ON u.username = 'p' || (1 + (g % :people))"""), {"paths": paths, "people": people})
        db.session.execute(sa.text("""
            INSERT INTO human_task (instance_id, task_guid, element_id, process_key, name, lane, form_ref, assignee_id,
                                    candidate_users, candidate_groups, status, due_at, created_at, completed_at,
                                    completed_by_id)
            SELECT i.id, md5(i.id::text || '-' || s), 'step_' || s, 'career_pathing', 'Step ' || s, 'Employee', 'x',
                   CASE WHEN s % 2 = 0 THEN i.employee_id ELSE e.manager_id END, '[]'::json, '[]'::json,
                   CASE WHEN s < :tasks - 1 OR i.status = 'completed' THEN 'completed' ELSE 'open' END,
                   i.started_at + ((s + 7) || ' days')::interval, i.started_at + (s || ' hours')::interval,
                   CASE WHEN s < :tasks - 1 OR i.status = 'completed'
                        THEN i.started_at + ((s + 1) || ' hours')::interval END,
                   i.employee_id
            FROM process_instance i JOIN "user" e ON e.id = i.employee_id, generate_series(0, :tasks - 1) s
            WHERE i.state::text = '{}'"""), {"tasks": tasks_per_path})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))
        return time.perf_counter() - started


def bench_pages(app, url, results, gunicorn, browser_class, paths, tasks_per_path):
    """Inbox and path page p50/p95 with a large history in the database."""
    from engine.store.models import HumanTask, ProcessInstance
    from web.extensions import db
    seconds = fill_history(app, paths, tasks_per_path) if "history" not in results else None
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask))
        real_path = db.session.scalar(sa.select(sa.func.min(ProcessInstance.id)).where(
            sa.cast(ProcessInstance.state, sa.String) != "{}"))
    if seconds is not None:
        print(f"history: {paths} paths and {rows} task rows written in {seconds:.0f} s", flush=True)
    figures = {}
    with gunicorn(url):
        browser = browser_class("mia")
        for name, path in (("inbox", "/"), ("path page", f"/paths/{real_path}")):
            timings = []
            for index in range(220):
                started = time.perf_counter()
                status, _body = browser.request("GET", path)
                assert status == 200, (path, status)
                if index >= 20:  # the first ones warm caches
                    timings.append((time.perf_counter() - started) * 1000)
            figures[name] = {"p50": statistics.median(timings), "p95": percentile(timings, 0.95)}
            print(f"{name}: p50 {figures[name]['p50']:.1f} ms, p95 {figures[name]['p95']:.1f} ms", flush=True)
    results["pages"] = figures
    results["history"] = {"paths": paths, "tasks": rows}


TIMER_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="bench">
  <bpmn:process id="bench_timer" name="Bench timer" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeDuration>
    </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def bench_timers(app, url, results, pathing, count, window=60):
    """`count` paths wait on timers due over the next `window` seconds; two worker processes fire them."""
    from engine.diagrams.deployment import deploy
    from engine.store.models import InstanceEvent, ProcessInstance, User, utcnow
    from engine.runtime.runner import Runtime
    from web.extensions import db
    with app.app_context():
        version = deploy(db.session, {"bench_timer.bpmn": TIMER_PROCESS}).created[0]
        db.session.commit()
        ada = db.session.scalars(sa.select(User).where(User.username == "ada")).one()
        template = Runtime(db.session).start_version(version, ada, ada).instance
        db.session.commit()
        text = json.dumps(template.state)
        marker = json.dumps(template.next_timer_at.isoformat() + "+00:00")[1:-1]
        assert marker in text, "the timer's due time is not where expected in the state"
        start = utcnow() + timedelta(seconds=60)  # writing the paths takes a while; none may be due before
        due = {}
        rows = []
        for index in range(count):
            at = start + timedelta(seconds=window * index / count)
            rows.append({"v": version.id, "k": "ada", "e": ada.id, "s": text.replace(marker, at.isoformat() + "+00:00"),
                         "n": at})
        db.session.execute(sa.text(
            "INSERT INTO process_instance (process_version_id, business_key, employee_id, started_by_id, status, "
            "state, lock_version, next_timer_at, started_at) VALUES (:v, :k, :e, :e, 'running', CAST(:s AS json), 1, "
            ":n, now())"), rows)
        template.status = "cancelled"  # the template itself waits an hour; it is not measured
        db.session.commit()
        ids = db.session.execute(sa.select(ProcessInstance.id, ProcessInstance.next_timer_at).where(
            ProcessInstance.process_version_id == version.id, ProcessInstance.status == "running")).all()
        due = {instance_id: at for instance_id, at in ids}
    workers = [pathing(url, "worker", "--interval", "0.2", popen=True) for _ in range(2)]
    try:
        deadline = time.time() + window + 150
        while time.time() < deadline:
            time.sleep(2)
            with app.app_context():
                left = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance).where(
                    ProcessInstance.process_version_id == version.id, ProcessInstance.status == "running"))
            if not left:
                break
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=20)
    with app.app_context():
        fired = dict(db.session.execute(sa.select(InstanceEvent.instance_id, InstanceEvent.at).where(
            InstanceEvent.kind == "timer_fired", InstanceEvent.instance_id.in_(list(due)))).all())
    lateness = [(fired[i] - due[i]).total_seconds() for i in due if i in fired]
    results["timers"] = {"count": count, "fired": len(lateness),
                         "p50": statistics.median(lateness) if lateness else None,
                         "p95": percentile(lateness, 0.95) if lateness else None}
    t = results["timers"]
    print(f"timers: {t['fired']} of {count} fired; lateness p50 {t['p50']:.2f} s, p95 {t['p95']:.2f} s"
          if lateness else "timers: none fired", flush=True)
