"""People around a task: claim, release, delegate, hand back, substitutes, notifications, comments, inbox filters."""
import base64
from datetime import date, timedelta

import sqlalchemy as sa

from engine.store.models import Absence, Comment, HumanTask, Notification
from web.extensions import db

from ..helpers import OBJECTIVES, run_to_leadership

LEO = {"Authorization": "Basic " + base64.b64encode(b"leo:demo").decode()}


def at_leadership(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    return instance, act.task(instance, "leadership_approval")


def test_a_group_task_must_be_claimed_before_it_is_completed(act):
    instance, approval = at_leadership(act)
    page = act.as_("leo").get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "Claim this task" in page and "<fieldset class=\"plain-fieldset\" disabled>" in page
    response = act.submit("leo", approval, {"leadership_decision": "approve", "leadership_comments": "Go"})
    assert response.status_code == 409 and "claim it first" in response.get_data(as_text=True)
    assert act.task(instance, "leadership_approval").status == "open"

    assert act.as_("leo").post(f"/tasks/{approval.id}/claim").status_code == 302
    db.session.expire_all()
    row = db.session.get(HumanTask, approval.id)
    assert row.assignee.username == "leo" and row.claimed_by.username == "leo"
    assert "Release to the Leadership group" in act.as_("leo").get(f"/tasks/{approval.id}").get_data(as_text=True)
    response = act.submit("leo", approval, {"leadership_decision": "approve", "leadership_comments": "Go"})
    assert response.status_code == 302
    kinds = [e.kind for e in act.events(instance) if e.human_task_id == approval.id]
    assert kinds == ["task_created", "task_claimed", "task_completed"]


def test_release_gives_the_task_back_to_the_group(act):
    instance, approval = at_leadership(act)
    act.claim("leo", approval)
    assert act.as_("leo").post(f"/tasks/{approval.id}/release").status_code == 302
    db.session.expire_all()
    row = db.session.get(HumanTask, approval.id)
    assert row.assignee_id is None and row.claimed_by_id is None
    assert act.events(instance, "task_released")[0].message == "Leo Martin released “Leadership approval: round 1” to leadership"
    # only the claimer may release; nobody else can claim a claimed task
    act.claim("leo", approval)
    assert act.as_("hana").post(f"/tasks/{approval.id}/claim").status_code == 404  # not offered to hana


def test_delegate_then_the_delegate_hands_it_back_or_completes_it(act):
    instance = act.start_path("ada")
    objectives = act.task(instance, "career_objectives_meeting")
    response = act.as_("ada").post(f"/tasks/{objectives.id}/delegate", data={"user": "mia"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(HumanTask, objectives.id)
    assert (row.assignee.username, row.owner.username) == ("mia", "ada")
    assert "delegated by Ada Lovelace" in act.as_("mia").get("/").get_data(as_text=True)
    assert "You delegated this task to Mia Hoffmann" in act.as_("ada").get(f"/tasks/{row.id}").get_data(as_text=True)
    assert act.submit("ada", row, OBJECTIVES).status_code == 403  # it is Mia's now
    mia_note = db.session.scalars(sa.select(Notification).where(Notification.subject.like("Delegated to you%"))).one()
    assert mia_note.user.username == "mia" and mia_note.human_task_id == row.id

    assert act.as_("mia").post(f"/tasks/{row.id}/hand-back").status_code == 302
    db.session.expire_all()
    row = db.session.get(HumanTask, objectives.id)
    assert (row.assignee.username, row.owner_id) == ("ada", None)
    act.as_("ada").post(f"/tasks/{row.id}/delegate", data={"user": "mia"})
    assert act.submit("mia", row, OBJECTIVES).status_code == 302  # the delegate completes it
    assert [e.kind for e in act.events(instance) if e.human_task_id == row.id] == [
        "task_created", "task_delegated", "task_handed_back", "task_delegated", "task_completed"]
    assert act.as_("ada").post(f"/tasks/{row.id}/delegate", data={"user": "nobody"}).status_code == 409


def test_moves_through_the_api(act, client):
    instance, approval = at_leadership(act)
    completed = client.post(f"/api/v1/tasks/{approval.id}/complete", headers=LEO,
                            json={"data": {"leadership_decision": "approve", "leadership_comments": "ok"}})
    assert completed.status_code == 409 and completed.json["code"] == "claim_required"
    claimed = client.post(f"/api/v1/tasks/{approval.id}/claim", headers=LEO)
    assert claimed.status_code == 200 and claimed.json["assignee"] == "leo"
    assert client.post(f"/api/v1/tasks/{approval.id}/release", headers=LEO).json["assignee"] is None
    client.post(f"/api/v1/tasks/{approval.id}/claim", headers=LEO)
    delegated = client.post(f"/api/v1/tasks/{approval.id}/delegate", headers=LEO, json={"user": "hana"})
    assert delegated.status_code == 200
    assert (delegated.json["assignee"], delegated.json["delegated_by"]) == ("hana", "leo")
    assert client.post(f"/api/v1/tasks/{approval.id}/delegate", headers=LEO, json={}).status_code == 422
    hana = {"Authorization": "Basic " + base64.b64encode(b"hana:demo").decode()}
    back = client.post(f"/api/v1/tasks/{approval.id}/hand-back", headers=hana)
    assert back.status_code == 200 and back.json["assignee"] == "leo"
    assert client.post(f"/api/v1/tasks/{approval.id}/hand-back", headers=LEO).status_code == 409


def test_tasks_assigned_during_an_absence_go_to_the_substitute_visibly(act):
    today = date.today()
    response = act.as_("ada").post("/settings/absences", data={
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=5)).isoformat(), "substitute": "ben"})
    assert response.status_code == 302
    instance = act.start_path("ada")
    row = act.task(instance, "career_objectives_meeting")
    assert (row.assignee.username, row.substitute_for.username) == ("ben", "ada")
    assert "standing in for Ada Lovelace" in act.as_("ben").get("/").get_data(as_text=True)
    assert "You stand in for Ada Lovelace" in act.as_("ben").get(f"/tasks/{row.id}").get_data(as_text=True)
    created = act.events(instance, "task_created")[0].message
    assert created.startswith("“Career objectives meeting” is waiting for Ben Okafor (standing in for Ada Lovelace")
    # a bad period is refused with a message and changes nothing
    bad = act.as_("ada").post("/settings/absences", data={"starts_on": "2026-12-10", "ends_on": "2026-12-01",
                                                          "substitute": "ada"})
    assert bad.status_code == 422 and "cannot be before" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Absence)) == 1


def test_new_tasks_notify_their_people_and_the_bell_counts_unread(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    inbox = act.as_("ada").get("/").get_data(as_text=True)
    # the message about the meeting she just completed needs nothing more from her: only the new task counts
    assert 'aria-label="Notifications, 1 unread"' in inbox
    page = act.as_("ada").get("/notifications").get_data(as_text=True)
    assert "New task: Draft future-role job description" in page and "It is due" in page
    note = db.session.scalars(sa.select(Notification).where(
        Notification.subject == "New task: Draft future-role job description")).one()
    response = act.as_("ada").post(f"/notifications/{note.id}/open")
    assert response.headers["Location"].endswith(f"/tasks/{note.human_task_id}")
    assert 'aria-label="Notifications"' in act.as_("ada").get("/").get_data(as_text=True)
    act.as_("ada").post("/notifications/read-all")
    assert 'aria-label="Notifications"' in act.as_("ada").get("/").get_data(as_text=True)
    assert act.as_("ben").post(f"/notifications/{note.id}/open").status_code == 404
    # group tasks tell every member
    other = act.start_path("ben")
    run_to_leadership(act, other, employee="ben")
    assert db.session.scalars(sa.select(Notification).where(
        Notification.subject == "New task: Leadership approval: round 1 (Ben Okafor)")).one().user.username == "leo"


def test_comments_on_a_path_and_a_task_are_shown_to_who_may_see_it(act, client):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    assert act.as_("mia").post(f"/paths/{instance.id}/comments", data={"body": "We meet **Tuesday**"}
                               ).status_code == 302
    act.as_("ada").post(f"/paths/{instance.id}/comments", data={"body": "<script>x</script> ok", "task_id": task.id})
    page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "<strong>Tuesday</strong>" in page and "&lt;script&gt;x&lt;/script&gt; ok" in page
    assert "Mia Hoffmann commented: We meet **Tuesday**" in page  # in the history
    assert "&lt;script&gt;" in act.as_("ada").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert act.as_("sam").post(f"/paths/{instance.id}/comments", data={"body": "hi"}).status_code == 404
    empty = act.as_("ada").post(f"/paths/{instance.id}/comments", data={"body": "  "})
    assert empty.status_code == 302 and db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 2
    ada = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}
    listed = client.get(f"/api/v1/process-instances/{instance.id}/comments", headers=ada)
    assert [c["author"] for c in listed.json] == ["mia", "ada"] and listed.json[1]["task_id"] == task.id
    posted = client.post(f"/api/v1/process-instances/{instance.id}/comments", headers=ada, json={"body": "via API"})
    assert posted.status_code == 201 and posted.json["body"] == "via API"
    assert client.post(f"/api/v1/process-instances/{instance.id}/comments", headers=ada,
                       json={"body": ""}).status_code == 422


def test_inbox_sorts_and_filters(act):
    first = act.start_path("ada")
    second = act.start_path("ben")
    act.complete("ada", first, "career_objectives_meeting", **OBJECTIVES)
    mia = act.as_("mia")
    act.as_("ada").post(f"/tasks/{act.task(first, 'draft_job_description').id}/delegate", data={"user": "mia"})
    act.as_("ben").post(f"/tasks/{act.task(second, 'career_objectives_meeting').id}/delegate", data={"user": "mia"})
    everything = mia.get("/").get_data(as_text=True)
    assert "Draft future-role job description" in everything and "Career objectives meeting" in everything
    only_step = mia.get("/?step=Career+objectives+meeting").get_data(as_text=True)
    assert "Career objectives meeting</a>" in only_step and "Draft future-role job description</a>" not in only_step
    only_path = mia.get(f"/?path={first.id}").get_data(as_text=True)
    assert "Draft future-role job description</a>" in only_path and "Career objectives meeting</a>" not in only_path
    assert "No task matches these filters." in mia.get("/?overdue=1").get_data(as_text=True)
    by_step = mia.get("/?sort=step").get_data(as_text=True)
    assert by_step.index("Career objectives meeting</a>") < by_step.index("Draft future-role job description</a>")
    assert mia.get("/?sort=nonsense&path=abc").status_code == 200


def test_settings_turn_email_off_and_on(act):
    assert act.as_("ada").post("/settings/email", data={}).status_code == 302
    db.session.expire_all()
    from engine.store.models import User
    ada = db.session.scalars(sa.select(User).where(User.username == "ada")).one()
    assert ada.email_notifications is False
    act.as_("ada").post("/settings/email", data={"email_notifications": "on"})
    db.session.expire_all()
    assert db.session.get(User, ada.id).email_notifications is True
    page = act.as_("ada").get("/settings").get_data(as_text=True)
    assert "Out of office" in page and "ada@example.com" in page
