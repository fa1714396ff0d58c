"""Concurrent completions on a real PostgreSQL with real threads: one winner for one task, nothing lost for many."""
import base64
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent
from engine.runtime.runner import Runtime
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES, REVIEW

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")


def basic(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def at_once(app, calls):
    """Run (username, url, json) calls in threads released together; returns their statuses."""
    barrier = threading.Barrier(len(calls))
    statuses, errors = [None] * len(calls), []

    def run(index, username, url, payload):
        client = app.test_client()
        try:
            barrier.wait()
            statuses[index] = client.post(url, json=payload, headers=basic(username)).status_code
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return statuses


def test_fifty_simultaneous_completions_of_one_task_have_one_winner(postgres, act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    statuses = at_once(act.app, [("ada", f"/api/v1/tasks/{task.id}/complete", {"data": OBJECTIVES})] * 50)
    assert Counter(statuses) == {200: 1, 409: 49}
    db.session.expire_all()
    completions = db.session.scalars(sa.select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "task_completed")).all()
    assert len(completions) == 1
    assert [t.element_id for t in act.open_tasks(instance)] == ["draft_job_description"]


def test_parallel_reviews_completed_at_the_same_moment_all_count(postgres, act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    reviewers = ["sam", "sol", "leo", "ben", "hana"]
    act.complete("mia", instance, "select_stakeholders", stakeholders=reviewers, review_focus="Fit")
    reviews = {t.assignee.username: t for t in act.open_tasks(instance, "stakeholder_review")}
    assert sorted(reviews) == sorted(reviewers)
    statuses = at_once(act.app, [(name, f"/api/v1/tasks/{reviews[name].id}/complete",
                                  {"data": dict(REVIEW, feedback=f"from {name}")}) for name in reviewers])
    assert statuses == [200] * len(reviewers)
    [alignment] = act.open_tasks(instance)
    assert alignment.element_id == "alignment_meeting"
    data = Runtime(db.session).task_data(alignment)
    assert sorted(r["feedback"] for r in data["stakeholder_reviews"]) == sorted(f"from {n}" for n in reviewers)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.element_id == "stakeholder_review",
        HumanTask.status == "completed")) == len(reviewers)
