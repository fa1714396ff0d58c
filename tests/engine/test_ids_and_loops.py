"""Deploy refuses what SpiffWorkflow accepts but cannot run: two elements with one id, and a multi-instance
marker whose collection, element variable, cardinality or completion condition cannot be read; each refusal names
the element and its line. A collection written as Camunda Modeler does (`${stakeholders}`) runs."""
import json

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import DeploymentRejected, deploy
from engine.store.models import HumanTask
from engine.runtime.runner import Runtime
from engine.diagrams.validation import check_files
from web.extensions import db

from ..bpmn import linear_process

NOTE = json.dumps({"id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})


def review(loop):
    """A process whose user task `review` carries the multi-instance marker `loop` (on line 4)."""
    return linear_process(
        "reviews", '<bpmn:scriptTask id="choose"><bpmn:script>stakeholders = ["sam", "sol"]</bpmn:script>'
                   '</bpmn:scriptTask>',
        '<bpmn:userTask id="review" name="Review" camunda:assignee="${reviewer}" camunda:formRef="note">\n'
        f'{loop}</bpmn:userTask>').replace("<bpmn:process ", "\n<bpmn:process ", 1)


def errors(text):
    return [(p.element_id, p.line, p.message) for p in check_files({"p.bpmn": text, "note.form": NOTE}).problems]


def test_two_elements_with_one_id_are_refused_at_the_line_of_the_second():
    text = linear_process("p", '<bpmn:userTask id="ask" name="Ask" camunda:candidateGroups="hr"/>\n',
                          '<bpmn:userTask id="ask" name="Ask again" camunda:candidateGroups="hr"/>')
    assert errors(text) == [("ask", 3, 'the id "ask" is also the id of the element on line 2: give each element '
                                       "an id of its own")]
    with pytest.raises(DeploymentRejected) as refused:
        deploy(db.session, {"p.bpmn": text})
    assert str(refused.value.problems[0]).startswith("p.bpmn:3: ask (Ask again): the id \"ask\"")


@pytest.mark.parametrize("loop, line, message", [
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${" camunda:elementVariable="reviewer"/>', 4,
     "the multi-instance collection '${' (camunda:collection) cannot be read"),
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${stakeholders" camunda:elementVariable="r"/>', 4,
     "the multi-instance collection '${stakeholders' (camunda:collection) cannot be read"),
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${people(exclude=[employee])}" '
     'camunda:elementVariable="reviewer"/>', 4, "must name a variable"),
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection=" " camunda:elementVariable="reviewer"/>', 4,
     "the multi-instance collection (camunda:collection) is empty"),
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="stakeholders" camunda:elementVariable="a b"/>', 4,
     "the element variable 'a b' (camunda:elementVariable) cannot name a variable"),
    ('<bpmn:multiInstanceLoopCharacteristics>\n<bpmn:loopCardinality>${</bpmn:loopCardinality>'
     '</bpmn:multiInstanceLoopCharacteristics>', 5, "the loop cardinality '${' cannot be read"),
    ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="stakeholders" camunda:elementVariable="reviewer">'
     '\n\n<bpmn:completionCondition>${nrOfCompletedInstances &gt;</bpmn:completionCondition>'
     '</bpmn:multiInstanceLoopCharacteristics>', 6,
     "the completion condition '${nrOfCompletedInstances >' cannot be read"),
])
def test_a_multi_instance_marker_that_cannot_work_is_refused_naming_element_and_line(loop, line, message):
    found = errors(review(loop))
    assert [(element, at) for element, at, _message in found] == [("review", line)], found
    assert message in found[0][2]


def test_a_collection_written_as_camunda_modeler_does_runs_once_per_item(org):
    text = review('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${stakeholders}" '
                  'camunda:elementVariable="reviewer"/>')
    assert errors(text) == []
    deploy(db.session, {"reviews.bpmn": text, "note.form": NOTE})
    db.session.commit()
    instance = Runtime(db.session).start("reviews", org["ada"], org["hana"]).instance
    db.session.commit()
    tasks = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    assert sorted(task.assignee.username for task in tasks) == ["sam", "sol"]
