"""The runtime: state without spec, restore in a fresh process, incidents roll the step back."""
import json

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.errors import IncidentRaised, TaskAlreadyCompleted
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance
from engine.runtime.runner import Runtime
from engine.diagrams.specs import SPECS
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES, REVIEW

FORM = json.dumps({"id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})


def small_process(script):
    """A process: user task (lane Employee) -> script -> user task."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="small" name="Small" isExecutable="true" camunda:candidateStarterUsers="${{employee}}">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Employee">
      <bpmn:flowNodeRef>first</bpmn:flowNodeRef><bpmn:flowNodeRef>second</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="first" name="First" camunda:formRef="note"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="compute" name="Compute" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="second" name="Second" camunda:formRef="note"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="second"/>
    <bpmn:sequenceFlow id="f4" sourceRef="second" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def open_task(instance, element_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.element_id == element_id,
        HumanTask.status == "open")).all()


def test_state_is_stored_without_the_spec(org, deployed):
    outcome = Runtime(db.session).start("career_pathing", org["ada"], org["ada"])
    db.session.commit()
    state = outcome.instance.state
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 8000


def test_multi_instance_survives_a_fresh_spec_cache(org, deployed):
    """Each worker parses specs itself: completing reviews in 'another process' still merges answers."""
    runtime = Runtime(db.session)
    instance = runtime.start("career_pathing", org["ada"], org["ada"]).instance
    for element, data, who in (("career_objectives_meeting", OBJECTIVES, "ada"),
                               ("draft_job_description", JOB_DESCRIPTION, "ada"),
                               ("select_stakeholders", {"stakeholders": ["sam", "sol"]}, "mia")):
        SPECS.clear()
        runtime.complete(open_task(instance, element)[0].id, data, org[who])
        db.session.commit()
    for task in open_task(instance, "stakeholder_review"):
        SPECS.clear()
        runtime.complete(task.id, dict(REVIEW, feedback=f"by {task.assignee.username}"), task.assignee)
        db.session.commit()
    alignment = open_task(instance, "alignment_meeting")[0]
    reviews = runtime.task_data(alignment)["stakeholder_reviews"]
    assert sorted(r["feedback"] for r in reviews) == ["by sam", "by sol"]
    with pytest.raises(TaskAlreadyCompleted):
        runtime.complete(db.session.scalars(sa.select(HumanTask).where(
            HumanTask.element_id == "stakeholder_review")).first().id, REVIEW, org["sam"])


def test_a_failing_script_raises_an_incident_and_changes_nothing(org):
    deploy(db.session, {"small.bpmn": small_process("result = 1 / 0"), "note.form": FORM})
    db.session.commit()
    runtime = Runtime(db.session)
    instance = runtime.start("small", org["ada"], org["ada"]).instance
    db.session.commit()
    first = open_task(instance, "first")[0]
    with pytest.raises(IncidentRaised) as raised:
        runtime.complete(first.id, {"note": "hello"}, org["ada"])
    assert raised.value.errors["element_id"] == "compute"
    assert "division by zero" in raised.value.message
    db.session.rollback()
    runtime.record_incident(instance.id, "compute", raised.value.message)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ProcessInstance, instance.id)
    assert stored.status == "incident" and stored.incident["element_id"] == "compute"
    assert [t.status for t in open_task(instance, "first")] == ["open"]  # the step was rolled back


def test_unknown_assignee_goes_to_the_process_owners_and_is_recorded(org):
    deploy(db.session, {"small.bpmn": small_process("employee = 'nobody'"), "note.form": FORM})
    db.session.commit()
    runtime = Runtime(db.session)
    instance = runtime.start("small", org["ada"], org["ada"]).instance
    db.session.commit()
    runtime.complete(open_task(instance, "first")[0].id, {"note": "x"}, org["ada"])
    db.session.commit()
    second = open_task(instance, "second")[0]
    assert second.assignee is None and second.candidate_groups == ["process-owners"]
    assert db.session.get(ProcessInstance, instance.id).status == "running"
    flagged = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.human_task_id == second.id,
                                                                InstanceEvent.kind == "assignee_unknown")).one()
    assert flagged.message == ("\u201cSecond\u201d was assigned to nobody, who is not in the directory; offered to "
                               "process owners")
