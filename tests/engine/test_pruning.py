"""Finished task history is dropped before a workflow is stored; what runs next must not notice."""
import itertools
import json
from types import SimpleNamespace

from SpiffWorkflow.util.task import TaskState

from engine.diagrams.pruning import pruned_elements
from engine.scripts.scripting import CareerScriptEngine
from engine.diagrams.specs import dump_state, load_state, new_workflow

from ..bpmn import HEADER

# prepare -> (a || b) -> decide [non-interrupting reminder timer] -> again? back to prepare : end
LOOP_WITH_PARALLEL_BRANCHES = HEADER + """
<bpmn:process id="looping" name="Looping" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:exclusiveGateway id="merge"/>
  <bpmn:userTask id="prepare" name="Prepare"/>
  <bpmn:parallelGateway id="split"/>
  <bpmn:userTask id="a" name="Branch A"/>
  <bpmn:userTask id="b" name="Branch B"/>
  <bpmn:parallelGateway id="join"/>
  <bpmn:userTask id="decide" name="Decide"/>
  <bpmn:boundaryEvent id="reminder" attachedToRef="decide" cancelActivity="false">
    <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:boundaryEvent>
  <bpmn:endEvent id="reminded"/>
  <bpmn:exclusiveGateway id="again_gateway" default="to_end"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>
  <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="prepare"/>
  <bpmn:sequenceFlow id="f3" sourceRef="prepare" targetRef="split"/>
  <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="a"/>
  <bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="b"/>
  <bpmn:sequenceFlow id="f6" sourceRef="a" targetRef="join"/>
  <bpmn:sequenceFlow id="f7" sourceRef="b" targetRef="join"/>
  <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="decide"/>
  <bpmn:sequenceFlow id="f9" sourceRef="reminder" targetRef="reminded"/>
  <bpmn:sequenceFlow id="f10" sourceRef="decide" targetRef="again_gateway"/>
  <bpmn:sequenceFlow id="again" sourceRef="again_gateway" targetRef="merge">
    <bpmn:conditionExpression>again</bpmn:conditionExpression>
  </bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="to_end" sourceRef="again_gateway" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"""

_ids = itertools.count(-1000, -1)


def version_of(bpmn, key):
    """A stand-in for a deployed ProcessVersion (the spec cache needs only these)."""
    return SimpleNamespace(id=next(_ids), checksum="test", key=key, sources={"bpmn": {f"{key}.bpmn": bpmn}})


def stored(version, workflow):
    """Store and restore, as every user action does: the JSON text and the workflow read back from it."""
    text = json.dumps(dump_state(workflow))
    return text, load_state(version, json.loads(text), CareerScriptEngine())


def complete(version, workflow, element_id, **data):
    task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.bpmn_id == element_id)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return stored(version, workflow)


def ready(workflow):
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def test_a_loop_with_parallel_branches_keeps_working_and_its_state_stops_growing():
    version = version_of(LOOP_WITH_PARALLEL_BRANCHES, "looping")
    workflow = new_workflow(version, CareerScriptEngine())
    workflow.do_engine_steps()
    _text, workflow = stored(version, workflow)
    sizes, task_counts = [], []
    for round_number in range(1, 7):
        _text, workflow = complete(version, workflow, "prepare", round=round_number)
        assert ready(workflow) == ["a", "b"]
        # (each round answers new variables: SpiffWorkflow's join lets the last branch's inherited copy of a
        # variable the other branch rewrote win, with or without pruning)
        _text, workflow = complete(version, workflow, "a", **{f"a{round_number}": "from a"})
        assert ready(workflow) == ["b"], "the join must wait for the other branch"
        _text, workflow = complete(version, workflow, "b", **{f"b{round_number}": "from b"})
        assert ready(workflow) == ["decide"]
        decide = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        assert (decide.data[f"a{round_number}"], decide.data[f"b{round_number}"]) == ("from a", "from b")
        assert len(workflow.get_tasks(spec_name="reminder", state=TaskState.WAITING)) == 1
        text, workflow = complete(version, workflow, "decide", again=round_number < 6)
        sizes.append(len(text))
        task_counts.append(len(workflow.tasks))
    assert workflow.completed
    assert workflow.last_task.data["round"] == 6 and workflow.last_task.data["b6"] == "from b"
    # Without pruning every round adds a dozen tasks (about 4 KB); with it a round adds only what changed.
    assert max(task_counts[:-1]) == min(task_counts[:-1]), task_counts
    assert sizes[4] - sizes[1] < 3 * 200, sizes
    assert {"prepare", "a", "b", "decide", "join"} <= pruned_elements(workflow)


def test_pruning_keeps_everything_a_waiting_join_needs():
    """One branch has finished and waits at the join; the finished branch must survive storing."""
    version = version_of(LOOP_WITH_PARALLEL_BRANCHES, "looping")
    workflow = new_workflow(version, CareerScriptEngine())
    workflow.do_engine_steps()
    _text, workflow = complete(version, workflow, "prepare", round=1)
    _text, workflow = complete(version, workflow, "b", answer_b="first b")
    for _ in range(3):  # stored and restored again and again while waiting
        _text, workflow = stored(version, workflow)
    assert ready(workflow) == ["a"]
    _text, workflow = complete(version, workflow, "a", answer_a="late a")
    decide = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    assert decide.task_spec.bpmn_id == "decide"
    assert (decide.data["answer_a"], decide.data["answer_b"]) == ("late a", "first b")
