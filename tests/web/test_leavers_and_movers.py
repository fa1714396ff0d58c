"""Leavers and movers: a person deactivated (page or CSV) can no longer sign in and their open tasks are handed
over with a message and a history entry; a new manager takes over the manager steps of running paths."""
import base64
import io

import pytest
import sqlalchemy as sa

from engine.people import csv_import, leavers, movers
from engine.diagrams.deployment import deploy
from engine.errors import Conflict
from engine.store.models import ApiToken, HumanTask, InstanceEvent, Notification, User
from engine.runtime.runner import Runtime
from engine.runtime.task_actions import TaskActions
from web.extensions import db
from web.auth.api_tokens import token_hash

from ..bpmn import linear_process
from ..helpers import ALIGNMENT, JOB_DESCRIPTION, OBJECTIVES, REVIEW


def person(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def edit(act, username, **changes):
    """Hana saves `username`'s page on Admin › People with `changes` (active=False unticks Active)."""
    user = person(username)
    data = {"username": user.username, "name": user.name, "email": user.email or "",
            "department": user.department or "", "job_title": user.job_title or "",
            "manager": user.manager.username if user.manager else "", "groups": sorted(user.group_names), "active": "y"}
    data.update(changes)
    if data["active"] is False:
        del data["active"]
    response = act.as_("hana").post(f"/admin/users/{user.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return act.as_("hana").get("/admin/users").get_data(as_text=True)


def at_manager_step(act):
    """Ada's path waiting for her manager to choose stakeholders."""
    path = act.start_path("ada")
    act.complete("ada", path, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", path, "draft_job_description", **JOB_DESCRIPTION)
    return path, act.task(path, "select_stakeholders")


def messages_of(username, subject_start):
    db.session.expire_all()
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == person(username).id,
                                                            Notification.subject.startswith(subject_start))).all()


def variables(path):
    db.session.expire_all()
    return Runtime(db.session).current_data(db.session.get(type(path), path.id))


def basic(username, password="demo"):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_a_deactivated_person_can_no_longer_sign_in_in_any_way(act):
    mia = act.as_("mia")
    assert mia.get("/").status_code == 200
    db.session.add(ApiToken(user_id=person("mia").id, name="laptop", token_hash=token_hash("mias-token")))
    db.session.commit()
    bearer = {"Authorization": "Bearer mias-token"}
    assert act.app.test_client().get("/engine-rest/task", headers=bearer).status_code == 200
    page = edit(act, "mia", active=False)
    assert "Deactivated: they can no longer sign in; they held no open tasks." in page
    assert mia.get("/").status_code == 302  # the session she had ended
    fresh = act.app.test_client()
    assert fresh.post("/login", data={"username": "mia", "password": "demo"}).status_code == 401
    assert fresh.get("/api/v1/tasks", headers=basic("mia")).status_code == 401
    assert fresh.get("/engine-rest/task", headers=bearer).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    edit(act, "mia", active="y")
    assert person("mia").active
    assert fresh.post("/login", data={"username": "mia", "password": "demo"}).status_code == 302


def test_a_leavers_open_task_goes_to_their_manager_with_a_message_and_history(act):
    path, task = at_manager_step(act)
    mia = person("mia")
    mia.manager = person("sol")
    db.session.commit()
    page = edit(act, "mia", active=False)
    assert "1 open task handed over (1 to Sol Rivera)" in page
    db.session.expire_all()
    moved = db.session.get(HumanTask, task.id)
    assert moved.status == "open" and moved.assignee.username == "sol"
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.message == ("Mia Hoffmann was deactivated by Hana Kim on Admin › People: \u201cChoose stakeholders"
                             "\u201d went to Sol Rivera, Mia Hoffmann's manager")
    assert event.actor.username == "hana" and event.human_task_id == task.id
    assert event.data["source"] == "page" and event.data["to"] == "sol"
    [message] = messages_of("sol", "Handed over to you")
    assert message.human_task_id == task.id and "Mia Hoffmann has left" in message.body
    assert "Handed over" in act.as_("sol").get("/notifications").get_data(as_text=True)
    act.complete("sol", path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")


def test_without_an_active_manager_the_task_is_offered_to_hr(act):
    path, task = at_manager_step(act)
    edit(act, "mia", active=False)  # Mia has no manager
    db.session.expire_all()
    moved = db.session.get(HumanTask, task.id)
    assert moved.assignee_id is None and moved.candidate_groups == ["hr"]
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.message.endswith("\u201cChoose stakeholders\u201d is offered to HR to claim")
    assert messages_of("hana", "Task available: Choose stakeholders")
    act.complete("hana", path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")


def test_a_leavers_task_never_goes_to_the_person_whose_path_it_decides_on(act):
    """Sam reviews Ada's goals, and Sam reports to Ada: when Sam leaves, the review goes to HR, not to Ada."""
    path, _task = at_manager_step(act)
    act.complete("mia", path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    sam = person("sam")
    sam.manager = person("ada")
    db.session.commit()
    review = next(t for t in act.open_tasks(path, "stakeholder_review") if t.assignee.username == "sam")
    parsed = csv_import.read(db.session, "username,name,active\nsam,Sam Patel,no\n", actor=person("hana"))
    summary = csv_import.apply(db.session, parsed, actor=person("hana"))
    db.session.commit()
    assert summary.describe() == "0 created, 1 updated, 0 unchanged; 1 deactivated, 0 reactivated; 1 open task moved"
    db.session.expire_all()
    moved = db.session.get(HumanTask, review.id)
    assert moved.assignee_id is None and moved.candidate_groups == ["hr"] and moved.decides_on.username == "ada"
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.message.startswith("Sam Patel was deactivated by the CSV import: ")
    assert not messages_of("ada", "Task available")
    assert act.as_("ada").post(f"/tasks/{review.id}/claim").status_code == 403


def test_claimed_group_tasks_go_back_to_the_group_and_candidates_just_lose_the_leaver(org, deployed):
    hana, runtime = org["hana"], Runtime(db.session)
    deploy(db.session, {"offered.bpmn": linear_process("offered", '<bpmn:userTask id="pick" name="Pick" '
                                                                  'camunda:candidateUsers="sam, sol"/>'),
                        "grouped.bpmn": linear_process("grouped", '<bpmn:userTask id="decide" name="Decide" '
                                                                  'camunda:candidateGroups="leadership"/>'),
                        "alone.bpmn": linear_process("alone", '<bpmn:userTask id="check" name="Check" '
                                                              'camunda:candidateUsers="sam"/>')})
    org["ben"].groups.append(org["leo"].groups[0])  # a second member of leadership
    offered = runtime.start("offered", org["ada"], hana).opened[0]
    grouped = runtime.start("grouped", org["ada"], hana).opened[0]
    alone = runtime.start("alone", org["ada"], hana).opened[0]
    passed_on = runtime.start("alone", org["ben"], hana).opened[0]
    db.session.commit()
    TaskActions(db.session).claim(grouped.id, org["leo"])
    TaskActions(db.session).claim(passed_on.id, org["sam"])
    TaskActions(db.session).delegate(passed_on.id, org["sam"], org["sol"])
    db.session.commit()
    leavers.deactivate_person(db.session, org["sam"], hana, "page")
    leavers.deactivate_person(db.session, org["leo"], hana, "page")
    db.session.commit()
    db.session.expire_all()
    offered, grouped, alone = (db.session.get(HumanTask, row.id) for row in (offered, grouped, alone))
    assert offered.candidate_users == ["sol"] and offered.assignee_id is None
    assert grouped.assignee_id is None and grouped.claimed_by_id is None and grouped.candidate_groups == ["leadership"]
    assert alone.candidate_groups == ["hr"] and alone.candidate_users == []
    passed_on = db.session.get(HumanTask, passed_on.id)
    assert (passed_on.assignee.username, passed_on.owner_id, passed_on.candidate_users) == ("sol", None, [])
    kinds = {row.human_task_id: row.message for row in db.session.scalars(
        sa.select(InstanceEvent).where(InstanceEvent.kind == leavers.REASSIGNED))}
    assert offered.id not in kinds  # dropping one of several candidates moves nothing
    assert kinds[grouped.id].endswith("\u201cDecide\u201d went back to leadership to claim")
    assert messages_of("ben", "Task available: Decide")


def test_a_new_task_for_someone_who_left_goes_to_their_manager_or_hr(act):
    path = act.start_path("ada")
    act.complete("ada", path, "career_objectives_meeting", **OBJECTIVES)
    edit(act, "mia", active=False)
    act.complete("ada", path, "draft_job_description", **JOB_DESCRIPTION)
    task = act.task(path, "select_stakeholders")
    assert task.assignee_id is None and task.candidate_groups == ["hr"]
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.message == ("\u201cChoose stakeholders\u201d was for Mia Hoffmann, who was deactivated; "
                             "the HR group takes it on")


def test_a_new_manager_takes_over_the_manager_steps_of_running_paths(act):
    path, task = at_manager_step(act)
    page = edit(act, "ada", manager="leo")
    assert "New manager: Leo Martin; 1 open manager step of running paths moved." in page
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee.username == "leo"
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.message == ("Ada Lovelace's manager changed by Hana Kim on Admin › People: \u201cChoose "
                             "stakeholders\u201d moved from Mia Hoffmann to Leo Martin")
    [changed] = act.events(path, "manager_changed")
    assert changed.data == {"from": "mia", "to": "leo", "source": "page"}
    assert (variables(path)["manager"], variables(path)["manager_name"]) == ("leo", "Leo Martin")
    [message] = messages_of("leo", "Your report's task")
    assert message.human_task_id == task.id
    assert not [m for m in messages_of("mia", "New task: Choose stakeholders") if m.read_at is None]
    # the manager steps still to come go to the new manager too
    act.complete("leo", path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    for reviewer in ("sam", "sol"):
        review = next(t for t in act.open_tasks(path, "stakeholder_review") if t.assignee.username == reviewer)
        assert act.submit(reviewer, review, REVIEW).status_code == 302
    assert act.task(path, "alignment_meeting").assignee.username == "leo"
    act.complete("leo", path, "alignment_meeting", **ALIGNMENT)


def test_a_manager_change_by_file_moves_once_and_the_second_import_writes_nothing(act):
    path, task = at_manager_step(act)
    text = "username,name,manager\nada,Ada Lovelace,sol\n"
    first = csv_import.apply(db.session, csv_import.read(db.session, text))
    db.session.commit()
    assert first.describe() == ("0 created, 1 updated, 0 unchanged; 1 running path follow a new manager; "
                                "1 open task moved")
    assert db.session.get(HumanTask, task.id).assignee.username == "sol"
    events = len(act.events(path))
    second = csv_import.apply(db.session, csv_import.read(db.session, text))
    db.session.commit()
    assert second.describe() == "0 created, 0 updated, 1 unchanged"
    assert len(act.events(path)) == events


def test_without_a_new_manager_the_step_goes_to_hr_and_a_delegated_step_keeps_its_delegate(act):
    path, task = at_manager_step(act)
    assert act.as_("mia").post(f"/tasks/{task.id}/delegate", data={"user": "ben"}).status_code == 302
    move = movers.change_manager(db.session, person("ada"), person("leo"), person("hana"), "scim")
    db.session.commit()
    row = db.session.get(HumanTask, task.id)
    assert (row.assignee.username, row.owner.username) == ("ben", "leo")
    assert move.describe() == "1 open manager step of running paths moved"
    assert act.events(path, leavers.REASSIGNED)[-1].message.startswith("Ada Lovelace's manager changed by SCIM "
                                                                       "provisioning: the new manager Leo Martin")
    movers.change_manager(db.session, person("ada"), None, person("hana"), "page")
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert row.assignee_id is None and row.owner_id is None and row.candidate_groups == ["hr"]
    assert variables(path)["manager"] is None


def test_an_assignee_expression_for_the_manager_follows_the_new_manager(org, deployed):
    deploy(db.session, {"sign.bpmn": linear_process("sign", '<bpmn:userTask id="sign_off" name="Sign" '
                                                            'camunda:assignee="${manager}"/>'
                                                            '<bpmn:userTask id="file" name="File" '
                                                            'camunda:assignee="mia"/>')})
    row = Runtime(db.session).start("sign", org["ada"], org["hana"]).opened[0]
    db.session.commit()
    assert row.assignee.username == "mia"
    movers.change_manager(db.session, org["ada"], org["sol"], org["hana"], "page")
    db.session.commit()
    assert db.session.get(HumanTask, row.id).assignee.username == "sol"
    assert movers.is_for_manager({"assignee": "mia"}, None) is False
    assert movers.is_for_manager({"candidateGroups": "hr"}, "Manager") is False
    assert movers.is_for_manager({}, "Manager") is True


def test_the_page_refuses_a_deactivated_manager_and_reporting_loops(act):
    edit(act, "sol", active=False)
    ada = person("ada")
    response = act.as_("hana").post(f"/admin/users/{ada.id}", data={"username": "ada", "name": "Ada Lovelace",
                                                                    "manager": "sol", "active": "y"})
    assert response.status_code == 422 and "Sol Rivera is deactivated" in response.get_data(as_text=True)
    assert person("ada").manager.username == "mia"
    with pytest.raises(Conflict, match="reporting loop"):
        movers.change_manager(db.session, person("mia"), person("ada"), None, "scim")
    with pytest.raises(Conflict, match="your own account"):
        leavers.deactivate_person(db.session, person("hana"), person("hana"), "page")


def test_uploading_a_file_that_deactivates_someone_hands_over_their_tasks(act):
    path, task = at_manager_step(act)
    response = act.as_("hana").post("/admin/users/import", data={
        "file": (io.BytesIO(b"username,name,active\nmia,Mia Hoffmann,no\n"), "leavers.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert not person("mia").active
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).candidate_groups == ["hr"]


def test_a_task_delegated_to_a_leaver_goes_back_to_whoever_delegated_it(act):
    path, task = at_manager_step(act)
    assert act.as_("mia").post(f"/tasks/{task.id}/delegate", data={"user": "ben"}).status_code == 302
    edit(act, "ben", active=False)
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert (row.assignee.username, row.owner_id) == ("mia", None)
    assert act.events(path, leavers.REASSIGNED)[-1].message.endswith(
        "\u201cChoose stakeholders\u201d went back to Mia Hoffmann, who delegated it")
    assert messages_of("mia", "Handed over to you: Choose stakeholders")


def _scim(act):
    from ..scim import Scim, provisioning_token
    return Scim(act.app.test_client(), provisioning_token())


def test_a_leaver_deactivated_by_scim_hands_their_tasks_over(act):
    path, task = at_manager_step(act)
    mia = person("mia")
    mia.manager = person("sol")
    db.session.commit()
    scim = _scim(act)
    assert scim.patch(f"/Users/{mia.id}", {"op": "replace", "path": "active", "value": False}).status_code == 204
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee.username == "sol"
    [event] = act.events(path, leavers.REASSIGNED)
    assert event.data["source"] == "scim" and event.data["to"] == "sol" and event.actor is None
    assert messages_of("sol", "Handed over to you")


def test_a_manager_changed_by_scim_takes_over_the_manager_steps(act):
    from ..scim import ENTERPRISE
    path, task = at_manager_step(act)
    leo, ada = person("leo"), person("ada")
    scim = _scim(act)
    response = scim.patch(f"/Users/{ada.id}", {"op": "replace", "path": f"{ENTERPRISE}:manager",
                                               "value": {"value": str(leo.id)}})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee.username == "leo"
    [changed] = act.events(path, "manager_changed")
    assert changed.data == {"from": "mia", "to": "leo", "source": "scim"}
    assert variables(path)["manager"] == "leo"
