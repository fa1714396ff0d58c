"""Who may start which process, as the diagram says: pages, /api/v1 and /engine-rest alike."""
import base64
import json

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.store.models import ProcessInstance
from web.extensions import db

from ..bpmn import linear_process
from .test_pilot import new_cohort
from .test_processes import career_xml

NOTE_FORM = {"type": "default", "id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]}


def basic(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def deploy_process(key, attributes="", start=""):
    """A one-task process whose <bpmn:process> carries `attributes` (and whose start event `start`)."""
    xml = linear_process(key, '<bpmn:userTask id="work" name="Work" camunda:formRef="note"/>', lane="Employee")
    xml = xml.replace('isExecutable="true"', f'isExecutable="true" {attributes}')
    if start:
        xml = xml.replace('<bpmn:startEvent id="start"/>', start)
    version = deploy(db.session, {f"{key}.bpmn": xml, "note.form": json.dumps(NOTE_FORM)}).created[0]
    db.session.commit()
    return version


def started(act, username, key, **body):
    return act.as_(username).post("/api/v1/process-instances", json={"process_key": key, **body})


def count_paths():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance))


def startable(act, username):
    return {d["key"] for d in act.as_(username).get("/api/v1/process-definitions").json if d["startable"]}


def test_processes_called_by_others_are_not_offered_and_cannot_be_started_on_their_own(act, client):
    for who in ("ada", "hana"):
        response = started(act, who, "milestone")
        assert response.status_code == 403
        assert response.json["message"] == ("\u201cMilestone\u201d is started by the processes that call it; it "
                                            "cannot be started on its own. Nothing was started.")
    rest = client.post("/engine-rest/process-definition/key/milestone/start", json={}, headers=basic("hana"))
    assert rest.status_code == 403 and "cannot be started on its own" in rest.json["message"]
    assert count_paths() == 0
    # pilot_feedback is called too, but its diagram lets HR start it (HR asks a cohort for feedback)
    assert startable(act, "ada") == {"career_pathing"}
    assert startable(act, "hana") == {"career_pathing", "pilot_feedback"}
    assert started(act, "ada", "pilot_feedback").status_code == 403
    flags = {d["key"]: d["startableInTasklist"] for d in client.get(
        "/engine-rest/process-definition?latestVersion=true", headers=basic("hana")).json}
    assert flags == {"career_pathing": True, "milestone": False, "pilot_feedback": True}


def test_the_cohort_form_offers_only_what_may_be_started(act):
    form = act.as_("hana").get("/pilot/cohorts/new").get_data(as_text=True)
    assert 'value="career_pathing:newest"' in form and 'value="milestone:newest"' not in form
    response = new_cohort(act, version="milestone:newest")
    assert response.status_code in (200, 422)
    assert "started by the processes that call it" in response.get_data(as_text=True)


def test_the_career_path_is_started_by_the_employee_or_her_manager(act):
    assert started(act, "ben", "career_pathing", employee="ada").status_code == 403  # not her manager
    assert started(act, "mia", "career_pathing", employee="ada").status_code == 201  # ${manager}
    assert started(act, "ben", "career_pathing").status_code == 201  # ${employee}
    assert "Start my career path" in act.as_("sam").get("/").get_data(as_text=True)


def test_without_starters_only_hr_and_process_owners_start(act):
    deploy_process("hr_only")
    response = started(act, "ada", "hr_only")
    assert response.status_code == 403
    assert response.json["message"] == "Only HR and process owners may start \u201cHr_Only\u201d. Nothing was started."
    assert "hr_only" not in startable(act, "ada") and "hr_only" in startable(act, "hana")
    assert started(act, "hana", "hr_only").status_code == 201


@pytest.mark.parametrize("attributes, allowed, refused", [
    ('camunda:candidateStarterGroups="leadership"', ["leo"], ["ada", "mia"]),
    ('camunda:candidateStarterUsers="ben, sam"', ["ben", "sam"], ["ada", "leo"]),
    ('camunda:candidateStarterUsers="${employee}"', ["ada", "sam"], []),
])
def test_candidate_starters_decide(act, attributes, allowed, refused):
    deploy_process("chosen", attributes)
    for who in allowed:
        assert "chosen" in startable(act, who)
        assert started(act, who, "chosen").status_code == 201, who
    for who in refused:
        assert "chosen" not in startable(act, who)
        response = started(act, who, "chosen")
        assert response.status_code == 403 and "you are not among them" in response.json["message"]


def test_the_start_button_follows_the_diagram(act):
    assert "Start my career path" in act.as_("ada").get("/").get_data(as_text=True)
    no_starters = career_xml().replace(' camunda:candidateStarterUsers="${employee}, ${manager}"', "")
    assert no_starters != career_xml()
    deploy(db.session, {"career_pathing.bpmn": no_starters, **{
        f"{name}.bpmn": open(f"processes/{name}.bpmn", encoding="utf-8").read()
        for name in ("milestone", "pilot_feedback")}} | _forms_and_decisions())
    db.session.commit()
    assert "Start my career path" not in act.as_("ada").get("/").get_data(as_text=True)
    response = act.as_("ada").post("/paths/start")
    assert response.status_code == 403 and "Only HR and process owners" in response.get_data(as_text=True)
    assert count_paths() == 0


def _forms_and_decisions():
    import os
    from web import PROJECT_ROOT
    files = {}
    for folder in ("forms", "processes"):
        for name in os.listdir(os.path.join(PROJECT_ROOT, folder)):
            if name.endswith((".form", ".dmn")):
                with open(os.path.join(PROJECT_ROOT, folder, name), encoding="utf-8") as handle:
                    files[name] = handle.read()
    return files


def test_a_called_process_may_be_made_startable_by_its_diagram(act):
    callee = linear_process("callee", '<bpmn:userTask id="work" name="Work" camunda:formRef="note"/>', lane="Employee")
    caller = linear_process("caller", '<bpmn:callActivity id="call" calledElement="callee"/>').replace(
        'isExecutable="true"', 'isExecutable="true" camunda:candidateStarterUsers="${employee}"')
    files = {"caller.bpmn": caller, "callee.bpmn": callee, "note.form": json.dumps(NOTE_FORM)}
    deploy(db.session, files)
    db.session.commit()
    assert started(act, "hana", "callee").status_code == 403  # only called
    files["callee.bpmn"] = callee.replace('isExecutable="true"', 'isExecutable="true" camunda:isStartableInTasklist="true"')
    deploy(db.session, files)
    db.session.commit()
    assert "callee" in startable(act, "hana") and "callee" not in startable(act, "ada")
    assert started(act, "hana", "callee").status_code == 201
    deploy_process("hidden", 'camunda:isStartableInTasklist="false"')
    assert "hidden" not in startable(act, "hana")
    assert started(act, "hana", "hidden").status_code == 201  # not offered, yet HR may start it


def test_start_variables_are_what_the_start_form_declares(act):
    form_data = ('<bpmn:startEvent id="start"><bpmn:extensionElements><camunda:formData>'
                 '<camunda:formField id="topic" label="Topic" type="string"/></camunda:formData>'
                 '</bpmn:extensionElements></bpmn:startEvent>')
    deploy_process("with_form", 'camunda:candidateStarterUsers="${employee}"', start=form_data)
    assert started(act, "ada", "with_form", variables={"topic": "Growth"}).status_code == 201
    extra = started(act, "ada", "with_form", variables={"topic": "Growth", "approved": True})
    assert extra.status_code == 403 and "variables.approved" in extra.json["errors"]
    assert "does not ask for \u201capproved\u201d" in extra.json["message"]
    hr = started(act, "hana", "with_form", variables={"approved": True})
    assert hr.status_code == 403  # a start form limits HR too
