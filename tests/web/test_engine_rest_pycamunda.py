"""The Camunda 7 REST API driven by a real client, pycamunda, against a live server: deploy, start with typed
variables (Date and Json in Camunda's formats), task list/claim/complete, variables and the instance list.

Message correlation through pycamunda (`pycamunda.message.CorrelateSingle`) belongs with the message resource;
its tests can reuse the `engine_rest` fixture below (import it) or `tests.live_server.EngineRest`.
"""
import datetime as dt
import json

import pytest
import pycamunda.deployment
import pycamunda.incident
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task

from engine.store.models import ProcessInstance
from web.extensions import db

from ..live_server import EngineRest, live_server

CHECK_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="budget_check" name="Budget check" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve_budget" name="Approve the training budget" camunda:candidateGroups="leadership">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="approved" label="Approved" type="boolean" />
        <camunda:formField id="comment" label="Comment" type="string" />
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="book_training" name="Book the training" camunda:assignee="${employee}">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="booked" label="Booked" type="boolean" />
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve_budget" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve_budget" targetRef="book_training" />
    <bpmn:sequenceFlow id="f3" sourceRef="book_training" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def engine_rest(app, org, deployed):
    """A live server for real Camunda clients."""
    with live_server(app) as base:
        yield EngineRest(base)


def test_pycamunda_deploys_starts_claims_completes_and_reads_variables(engine_rest, tmp_path):
    url = engine_rest.url
    diagram = tmp_path / "budget_check.bpmn"
    diagram.write_text(CHECK_DIAGRAM)
    create = pycamunda.deployment.Create(url, name="budget", source="pycamunda", enable_duplicate_filtering=True)
    with open(diagram, "rb") as handle:
        create.add_resource(handle)
        deployment = engine_rest.call(create, "hana")
    definition = next(iter(deployment.deployed_process_definitions.values()))
    assert definition.key == "budget_check" and definition.version == 1
    found = engine_rest.call(pycamunda.deployment.GetList(url, name="budget"), "hana")
    assert [d.id_ for d in found] == [deployment.id_]

    with pytest.raises(pycamunda.PyCamundaException):  # only process owners deploy
        raw = pycamunda.deployment.Create(url, name="again", source="pycamunda")
        raw.add_resource(CHECK_DIAGRAM.encode())
        engine_rest.call(raw, "ada")

    deadline = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    start = pycamunda.processdef.StartInstance(url, key="budget_check", business_key="ada",
                                               with_variables_in_return=True)
    start.add_variable("deadline", pycamunda.base.isoformat(deadline), "Date")
    start.add_variable("plan", json.dumps({"courses": ["system design"], "budget": 1200}), "Json")
    start.add_variable("amount", 1200.5, "Double")
    start.add_variable("note", "first round")  # untyped, as pycamunda sends it by default
    instance = engine_rest.call(start, "hana")  # HR starts it for Ada
    assert instance.business_key == "ada" and instance.definition_id == definition.id_
    assert instance.variables["deadline"].type_ == "Date"
    assert pycamunda.base.from_isoformat(instance.variables["deadline"].value) == deadline
    assert json.loads(instance.variables["plan"].value) == {"courses": ["system design"], "budget": 1200}

    tasks = engine_rest.call(pycamunda.task.GetList(url, candidate_group="leadership"), "leo")
    assert [t.task_definition_key for t in tasks] == ["approve_budget"]
    task = tasks[0]
    assert task.process_instance_id == instance.id_ and task.assignee is None
    assert engine_rest.call(pycamunda.task.GetList(url, candidate_group="leadership"), "sam") == ()  # not his
    engine_rest.call(pycamunda.task.Claim(url, id_=task.id_, user_id="leo"), "leo")
    assert engine_rest.call(pycamunda.task.Get(url, id_=task.id_), "leo").assignee == "leo"
    complete = pycamunda.task.Complete(url, id_=task.id_, with_variables_in_return=True)
    complete.add_variable("approved", True, "Boolean")
    complete.add_variable("comment", "Go ahead")
    returned = engine_rest.call(complete, "leo")
    assert returned["approved"].value is True and returned["comment"].value == "Go ahead"
    assert returned["deadline"].value == "2026-12-01T08:30:00.000+0000"  # the Date, in UTC

    listed = engine_rest.call(pycamunda.processinst.GetList(url, business_key="ada",
                                                            process_definition_key="budget_check"), "ada")
    assert [i.id_ for i in listed] == [instance.id_]
    filtered = engine_rest.call(pycamunda.processinst.GetList(url, variables="approved_eq_true"), "hana")
    assert [i.id_ for i in filtered] == [instance.id_]
    assert engine_rest.call(pycamunda.processinst.GetList(url), "sam") == ()
    variables = engine_rest.call(pycamunda.processinst.VariablesGetList(url, process_instance_id=instance.id_),
                                 "ada")
    assert variables["amount"].type_ == "Double" and variables["amount"].value == 1200.5
    assert variables["note"].value == "first round" and variables["approved"].type_ == "Boolean"
    update = pycamunda.processinst.VariablesUpdate(url, process_instance_id=instance.id_, var_name="amount",
                                                   value=900, type_="Integer")
    engine_rest.call(update, "hana")
    modify = pycamunda.processinst.VariablesModify(url, process_instance_id=instance.id_, deletions=["note"])
    modify.add_variable("room", "B-12", "String")
    engine_rest.call(modify, "hana")
    amount = engine_rest.call(pycamunda.processinst.VariablesGet(url, process_instance_id=instance.id_,
                                                                 var_name="amount"), "ada")
    assert (amount.value, amount.type_) == (900, "Integer")
    with pytest.raises(pycamunda.PyCamundaException):  # the employee may not change her path's variables
        engine_rest.call(pycamunda.processinst.VariablesModify(url, process_instance_id=instance.id_,
                                                               deletions=["room"]), "ada")
    with pytest.raises(pycamunda.PyCamundaException):  # invisible to Sam: not found
        engine_rest.call(pycamunda.processinst.Get(url, id_=instance.id_), "sam")

    mine = engine_rest.call(pycamunda.task.GetList(url, assignee="ada", process_instance_id=instance.id_), "ada")
    assert [t.task_definition_key for t in mine] == ["book_training"]
    sneaky = pycamunda.task.Complete(url, id_=mine[0].id_)
    sneaky.add_variable("employee", "sam", "String")  # not a field of the form: refused, nothing saved
    with pytest.raises(pycamunda.PyCamundaException) as refused:
        engine_rest.call(sneaky, "ada")
    assert "employee" in str(refused.value)
    done = pycamunda.task.Complete(url, id_=mine[0].id_)
    done.add_variable("booked", True, "Boolean")
    engine_rest.call(done, "ada")
    assert engine_rest.call(pycamunda.processinst.GetList(url, business_key="ada",
                                                          process_definition_key="budget_check"), "ada") == ()
    assert db.session.get(ProcessInstance, int(instance.id_)).status == "completed"
    assert engine_rest.call(pycamunda.incident.GetList(url), "hana") == ()


def test_pycamunda_sees_camunda_errors(engine_rest):
    url = engine_rest.url
    with pytest.raises(pycamunda.PyCamundaException) as missing:
        engine_rest.call(pycamunda.processdef.StartInstance(url, key="nothing_deployed"), "hana")
    assert "nothing_deployed" in str(missing.value)
    start = pycamunda.processdef.StartInstance(url, key="career_pathing")
    start.add_variable("review_on", "next week", "Date")
    with pytest.raises(pycamunda.PyCamundaException) as bad_date:
        engine_rest.call(start, "ada")
    assert "review_on" in str(bad_date.value)
    assert db.session.query(ProcessInstance).count() == 0
