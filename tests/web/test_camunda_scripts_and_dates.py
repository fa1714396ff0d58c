"""Modeler-style diagrams with JavaScript, cron and date values, deployed and started over HTTP; a start that
fails is rolled back whole, the starter is told, and HR can start it again."""
import os
import re

import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.store.models import HumanTask, Notification, ProcessInstance, StartFailure
from engine.runtime.runner import Runtime
from web import PROJECT_ROOT
from web.extensions import db

from .test_engine_rest import HANA, modeler_deploy

CORPUS = os.path.join(os.path.dirname(__file__), "..", "corpus", "camunda")


def corpus(name):
    with open(os.path.join(CORPUS, name), encoding="utf-8") as handle:
        return handle.read()


def counts():
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count(ProcessInstance.id))),
            db.session.scalar(sa.select(sa.func.count(HumanTask.id))))


def test_javascript_routing_deploys_and_runs_end_to_end_over_engine_rest(client, org):
    response = modeler_deploy(client, "js_score_routing.bpmn", corpus("js_score_routing.bpmn"))
    assert response.status_code == 200, response.json
    [definition] = response.json["deployedProcessDefinitions"].values()
    for points, route, grade in ((3, "low", "B"), (7, "high", "A")):
        started = client.post(f"/engine-rest/process-definition/{definition['id']}/start", headers=HANA,
                              json={"businessKey": "ada", "variables": {"points": {"value": points,
                                                                                   "type": "Integer"}}})
        assert started.status_code == 200, started.json
        assert started.json["ended"] is True
        instance = db.session.get(ProcessInstance, int(started.json["id"]))
        data = Runtime(db.session).current_data(instance)
        assert (data["route"], data["grade"], data["score"]) == (route, grade, points * 2)
        assert data["summary"] == f"grade {grade} for ada" and data["checkedFor"] == "ada"


def test_what_cannot_run_is_refused_at_deploy_naming_element_and_line(client, org):
    cases = {
        "js_groovy_refused.bpmn": ("Activity_groovy", 7, "written in groovy, which does not run here"),
        "js_bad_syntax.bpmn": ("Activity_typo", 7, "JavaScript that cannot be read: line 2: SyntaxError"),
        "cron_bad_values.bpmn": ("Event_five_fields", 11, "has five fields"),
        "dates_bad_values.bpmn": ("Activity_review", 7, 'the due date (camunda:dueDate) "banana" cannot be read'),
    }
    for name, (element, line, words) in cases.items():
        response = modeler_deploy(client, name, corpus(name), attachments=[("cron_note.form",
                                                                            corpus("cron_note.form"))])
        assert response.status_code == 400, name
        problems = response.json["errors"]["problems"]
        assert any(p["element_id"] == element and p["line"] == line and words in p["message"]
                   for p in problems), (name, problems)
    dates = modeler_deploy(client, "dates_bad_values.bpmn", corpus("dates_bad_values.bpmn"),
                           attachments=[("cron_note.form", corpus("cron_note.form"))]).json["errors"]["problems"]
    assert {p["element_id"] for p in dates} == {"Activity_review", "Event_late", "Event_wait"}
    assert all("write an ISO 8601" in p["message"] for p in dates)


def _broken_career_pathing(org):
    """The shipped process, but its first task's due date comes from the job title: it fails at the start."""
    with open(os.path.join(PROJECT_ROOT, "processes", "career_pathing.bpmn"), encoding="utf-8") as handle:
        xml = handle.read()
    xml = xml.replace('<bpmn:userTask id="career_objectives_meeting" ',
                      '<bpmn:userTask id="career_objectives_meeting" camunda:dueDate="${job_title}" ', 1)
    deploy(db.session, {"career_pathing.bpmn": xml}, deployed_by=org["hana"])
    db.session.commit()


def test_a_failed_start_tells_the_starter_keeps_nothing_and_hr_can_start_it_again(act, org):
    _broken_career_pathing(org)
    before = counts()
    response = act.as_("ada").post("/paths/start")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Already done" not in page and "Your path could not start" in page
    assert re.search(r"Your path could not start: nobody could be assigned to .*Career objectives meeting.*"
                     r"HR has been told\.", page)
    assert counts() == before  # no path, no task rows
    [failure] = db.session.scalars(sa.select(StartFailure)).all()
    assert (failure.employee.username, failure.started_by.username, failure.element_id) == \
        ("ada", "ada", "career_objectives_meeting")
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "incident")).all()
    assert {n.user.username for n in told} == {"hana"} and "Ada Lovelace" in told[0].subject

    assert "could not start" in act.as_("ada").get("/paths/").get_data(as_text=True)
    incidents = act.as_("hana").get("/paths/incidents").get_data(as_text=True)
    assert "Paths that could not start" in incidents and "career_objectives_meeting" in incidents
    assert "Start again" in incidents and "Ada Lovelace" in incidents
    assert act.as_("ada").post(f"/paths/start-failures/{failure.id}/start-again").status_code == 403

    again = act.as_("hana").post(f"/paths/start-failures/{failure.id}/start-again")
    assert again.status_code == 409 and "The path of Ada Lovelace could not start" in again.get_data(as_text=True)
    db.session.expire_all()
    assert [f.resolved_at is None for f in db.session.scalars(sa.select(StartFailure).order_by(StartFailure.id))] \
        == [False, True]  # the retry replaced the first failure
    latest = db.session.scalars(sa.select(StartFailure).order_by(StartFailure.id.desc())).first()

    with open(os.path.join(PROJECT_ROOT, "processes", "career_pathing.bpmn"), encoding="utf-8") as handle:
        deploy(db.session, {"career_pathing.bpmn": handle.read().replace("Career objectives meeting",
                                                                          "Career objectives talk", 1)})
    db.session.commit()
    fixed = act.as_("hana").post(f"/paths/start-failures/{latest.id}/start-again")
    assert fixed.status_code == 302
    db.session.expire_all()
    instance = db.session.scalars(sa.select(ProcessInstance)).one()
    assert fixed.headers["Location"].endswith(f"/paths/{instance.id}")
    assert instance.employee.username == "ada" and db.session.get(StartFailure, latest.id).instance_id == instance.id
    assert "Every path that was asked for has started" in act.as_("hana").get("/paths/incidents").get_data(
        as_text=True)


def test_api_and_engine_rest_starts_that_fail_answer_409_without_an_instance_id(act, client, org):
    _broken_career_pathing(org)
    before = counts()
    api = act.as_("hana").post("/api/v1/process-instances", json={"process_key": "career_pathing",
                                                                   "employee": "ben"})
    assert api.status_code == 409 and api.json["code"] == "start_failed"
    assert api.json["message"].startswith("The path of Ben Okafor could not start: ")
    assert api.json["message"].endswith("HR has been told.")
    rest = client.post("/engine-rest/process-definition/key/career_pathing/start", headers=HANA,
                       json={"businessKey": "ada"})
    assert rest.status_code == 409 and "could not start" in rest.json["message"]
    for body in (api.json, rest.json):
        assert "instance_id" not in str(body) and "id" not in body
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count(StartFailure.id))) == 2


def test_a_failing_javascript_step_during_a_start_is_a_start_failure(act, client, org):
    xml = corpus("js_score_routing.bpmn").replace('execution.setVariable("route", "high");',
                                                  'execution.setVariable("route", missing.value);')
    assert modeler_deploy(client, "js_score_routing.bpmn", xml).status_code == 200
    rest = client.post("/engine-rest/process-definition/key/js_score_routing/start", headers=HANA,
                       json={"businessKey": "ada", "variables": {"points": {"value": 9, "type": "Integer"}}})
    assert rest.status_code == 409
    assert "Activity_high" in rest.json["message"] and "ReferenceError: missing is not defined" in rest.json["message"]
    [failure] = db.session.scalars(sa.select(StartFailure)).all()
    assert failure.element_id == "Activity_high" and failure.started_by.username == "hana"


def test_failed_starts_through_the_json_api(act, org):
    _broken_career_pathing(org)
    assert act.as_("ada").post("/paths/start").status_code == 409
    [mine] = act.as_("ada").get("/api/v1/start-failures").json
    assert (mine["employee"], mine["started_by"], mine["process_key"], mine["element_id"]) == \
        ("ada", "ada", "career_pathing", "career_objectives_meeting")
    assert act.as_("ben").get("/api/v1/start-failures").json == []
    assert [f["id"] for f in act.as_("hana").get("/api/v1/start-failures").json] == [mine["id"]]
    refused = act.as_("ada").post(f"/api/v1/start-failures/{mine['id']}/start-again")
    assert refused.status_code == 403
    with open(os.path.join(PROJECT_ROOT, "processes", "career_pathing.bpmn"), encoding="utf-8") as handle:
        deploy(db.session, {"career_pathing.bpmn": handle.read().replace("Career objectives meeting",
                                                                          "Career objectives talk", 1)})
    db.session.commit()
    started = act.as_("hana").post(f"/api/v1/start-failures/{mine['id']}/start-again")
    assert started.status_code == 201 and started.json["business_key"] == "ada"
    assert act.as_("hana").get("/api/v1/start-failures").json == []
    again = act.as_("hana").post(f"/api/v1/start-failures/{mine['id']}/start-again")
    assert again.status_code == 409 and "already dealt with" in again.json["message"]
    assert act.as_("hana").post("/api/v1/start-failures/999999/start-again").status_code == 404
