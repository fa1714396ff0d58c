"""403, 409 and 422: a clear answer, and nothing changes."""
import html

import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent, ProcessInstance
from web.extensions import db

from ..helpers import OBJECTIVES


def snapshot(instance):
    db.session.expire_all()
    current = db.session.get(ProcessInstance, instance.id)
    return (current.lock_version, current.state,
            db.session.scalar(sa.select(sa.func.count()).select_from(InstanceEvent)),
            [(t.id, t.status) for t in db.session.scalars(sa.select(HumanTask).order_by(HumanTask.id))])


def test_someone_else_cannot_open_or_complete_a_task(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    before = snapshot(instance)
    # ben may not see ada's path: the task's existence is not revealed
    assert act.as_("ben").get(f"/tasks/{task.id}").status_code == 404
    assert act.submit("ben", task, OBJECTIVES).status_code == 404
    # mia (her manager) sees the path, so she is told whose task it is
    response = act.submit("mia", task, OBJECTIVES)
    assert response.status_code == 403
    assert "is for Ada Lovelace; you cannot open it" in response.get_data(as_text=True)
    api = act.as_("mia").post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES})
    assert api.status_code == 403 and api.get_json()["code"] == "forbidden"
    assert snapshot(instance) == before


def test_completing_twice_is_a_conflict(act):
    instance = act.start_path("ada")
    task = act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    before = snapshot(instance)
    again = act.as_("ada").post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES})
    assert again.status_code == 409
    body = again.get_json()
    assert body["code"] == "task_already_completed" and "already completed by Ada Lovelace" in body["message"]
    form = act.submit("ada", task, OBJECTIVES)
    assert form.status_code == 409 and "already completed by Ada Lovelace" in form.get_data(as_text=True)
    shown = act.as_("ada").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Completed by Ada Lovelace" in shown and "Staff Engineer" in shown
    assert snapshot(instance) == before


def test_invalid_answers_come_back_with_messages_and_typed_values(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    before = snapshot(instance)
    response = act.submit("ada", task, dict(OBJECTIVES, career_goals="short", meeting_date="tomorrow"))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Your career goals must be at least 10 characters." in page
    assert '"tomorrow" is not a valid date; use YYYY-MM-DD' in page
    assert "Staff Engineer" in page  # what was typed is kept
    api = act.as_("ada").post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"career_goals": 5}})
    assert api.status_code == 422
    errors = api.get_json()["errors"]
    assert errors["career_goals"] == "must be text" and errors["target_role"] == "Future role you are aiming for is required."
    assert snapshot(instance) == before


def test_unknown_task_and_path_are_404(act):
    assert act.as_("ada").get("/tasks/999999").status_code == 404
    assert act.as_("ada").get("/paths/999999").status_code == 404
    assert act.as_("ada").post("/api/v1/tasks/999999/complete", json={"data": {}}).status_code == 404


def test_other_peoples_paths_are_hidden(act):
    instance = act.start_path("ada")
    assert act.as_("ben").get(f"/paths/{instance.id}").status_code == 404
    assert act.as_("mia").get(f"/paths/{instance.id}").status_code == 200  # her report
    assert act.as_("hana").get(f"/paths/{instance.id}").status_code == 200  # HR
    assert act.as_("ben").get(f"/api/v1/process-instances/{instance.id}").status_code == 404


def test_a_task_no_longer_in_the_workflow_is_a_conflict_not_a_crash(act):
    """An open row whose step the workflow no longer has (finished history is pruned) answers 409."""
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    task.task_guid = "00000000-0000-4000-8000-000000000000"
    db.session.commit()
    response = act.as_("ada").post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES})
    assert response.status_code == 409
    assert "no longer waiting" in response.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "open"
