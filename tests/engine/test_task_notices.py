"""Task subjects from the diagram, messages of withdrawn tasks, and fields required on a condition."""
import sqlalchemy as sa

from engine.forms.formjs import schema_problems, validate_submission
from engine.store.models import HumanTask, Notification
from engine.runtime.runner import Runtime
from engine.runtime.task_notices import what_became_of
from engine.runtime.worker import fire_due_timers
from web.extensions import db

from .test_timers import Clock, deploy_small, flows, open_rows, small, timer


def test_a_withdrawn_task_clears_its_message_and_says_what_became_of_it(org):
    clock = Clock()
    xml = small("expires", '<bpmn:startEvent id="s"/>'
                '<bpmn:userTask id="answer" name="Answer" camunda:formRef="note" camunda:assignee="ada">'
                '<bpmn:extensionElements><camunda:properties>'
                '<camunda:property name="subject" value="question ${number} from ${asker}"/>'
                '</camunda:properties></bpmn:extensionElements></bpmn:userTask>'
                f'<bpmn:boundaryEvent id="expired" attachedToRef="answer">{timer("timeDate", "2026-11-03T08:00:00Z")}'
                '</bpmn:boundaryEvent>'
                '<bpmn:userTask id="chase" name="Chase" camunda:formRef="note" camunda:assignee="mia"/>'
                '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
                + flows(("s", "answer"), ("answer", "e1"), ("expired", "chase"), ("chase", "e2")))
    version = deploy_small(xml)
    instance = Runtime(db.session, clock).start_version(version, org["ada"], org["hana"],
                                                        variables={"number": 7, "asker": "Mia"}).instance
    db.session.commit()
    [answer] = open_rows(instance)
    assert answer.subject == "question 7 from Mia" and answer.title == "Answer: question 7 from Mia"
    note = db.session.scalars(sa.select(Notification).where(Notification.human_task_id == answer.id)).one()
    assert note.subject == "New task: Answer: question 7 from Mia" and note.read_at is None
    clock.move(days=1, seconds=1)
    fire_due_timers(db.session, clock)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    row = db.session.get(HumanTask, answer.id)
    text = what_became_of(db.session, row, org["ada"])
    assert text.startswith("“Answer: question 7 from Mia” was withdrawn on 2026-11-03 08:00 UTC: the path moved on")
    assert what_became_of(db.session, open_rows(instance)[0], org["mia"]) is None  # still hers to do


def test_a_subject_that_cannot_be_evaluated_leaves_the_task_without_one(org):
    xml = small("unsure", '<bpmn:startEvent id="s"/>'
                '<bpmn:userTask id="answer" name="Answer" camunda:formRef="note" camunda:assignee="ada">'
                '<bpmn:extensionElements><camunda:properties>'
                '<camunda:property name="subject" value="${nothing_here[\'title\']}"/>'
                '</camunda:properties></bpmn:extensionElements></bpmn:userTask>'
                '<bpmn:endEvent id="e1"/>' + flows(("s", "answer"), ("answer", "e1")))
    instance = Runtime(db.session, Clock()).start_version(deploy_small(xml), org["ada"], org["ada"]).instance
    [row] = open_rows(instance)
    assert row.subject is None and row.title == "Answer"


FORM = {"id": "decide", "components": [
    {"type": "radio", "key": "decision", "label": "Decision", "validate": {"required": True},
     "values": [{"label": "Yes", "value": "yes"}, {"label": "Change", "value": "change"}]},
    {"type": "textarea", "key": "reason", "label": "Reason", "properties": {"requiredWhen": '=decision = "change"'}},
]}


def test_a_field_is_required_when_its_condition_holds():
    assert validate_submission(FORM, {"decision": "change", "reason": ""})[1] == {"reason": "Reason is required."}
    assert validate_submission(FORM, {"decision": "yes", "reason": ""})[1] == {}
    assert validate_submission(FORM, {"decision": "change", "reason": "Because"})[1] == {}
    juel = {"id": "j", "components": [dict(FORM["components"][0]), dict(
        FORM["components"][1], properties={"requiredWhen": "${decision == 'change'}"})]}
    assert validate_submission(juel, {"decision": "change"})[1] == {"reason": "Reason is required."}
    assert schema_problems(FORM) == []


def test_an_unreadable_condition_is_refused_at_deploy():
    bad = {"id": "bad", "components": [{"type": "textfield", "key": "a", "id": "Field_a",
                                        "properties": {"requiredWhen": "=a = = ("}}]}
    [problem] = schema_problems(bad)
    assert problem.startswith('Field_a: the custom property requiredWhen "a = = (" is not an expression')
    assert "SyntaxError" not in problem
