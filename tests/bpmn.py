"""Small BPMN and DMN documents for tests, and a way to run them without a database."""
import re

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.diagrams.parser import AppParser
from engine.scripts.scripting import CareerScriptEngine

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://example.org">')


def linear_process(process_id, *elements, lane=None, extra=""):
    """start -> elements (XML strings, each with an id) -> end, all in one process."""
    ids = ["start", *[re.search(r'\bid="([^"]+)"', e).group(1) for e in elements], "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
                    for a, b in zip(ids, ids[1:]))
    lanes = ""
    if lane:
        refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
        lanes = f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
    return (f'{HEADER}<bpmn:process id="{process_id}" name="{process_id.title()}" isExecutable="true">'
            f'{lanes}<bpmn:startEvent id="start"/>{"".join(elements)}<bpmn:endEvent id="end"/>{flows}{extra}'
            f"</bpmn:process></bpmn:definitions>")


def decision_table(decision_id, inputs, outputs, rules, hit_policy="UNIQUE", aggregation=None):
    """A DMN 1.3 file with one decision table. inputs: [(label, expression)]; outputs: [name];
    rules: [([input entries], [output entries])]."""
    attributes = f' hitPolicy="{hit_policy}"' + (f' aggregation="{aggregation}"' if aggregation else "")
    columns = "".join(f'<input id="in{i}" label="{label}"><inputExpression id="ie{i}" typeRef="string">'
                      f"<text>{_escape(expression)}</text></inputExpression></input>"
                      for i, (label, expression) in enumerate(inputs))
    columns += "".join(f'<output id="out{i}" name="{name}" typeRef="string"/>' for i, name in enumerate(outputs))
    rows = ""
    for r, (tests, values) in enumerate(rules):
        rows += f'<rule id="rule{r}">'
        rows += "".join(f'<inputEntry id="r{r}i{i}"><text>{_escape(t)}</text></inputEntry>' for i, t in enumerate(tests))
        rows += "".join(f'<outputEntry id="r{r}o{i}"><text>{_escape(v)}</text></outputEntry>'
                        for i, v in enumerate(values))
        rows += "</rule>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn" name="D" '
            'namespace="http://camunda.org/schema/1.0/dmn">'
            f'<decision id="{decision_id}" name="{decision_id.title()}">'
            f'<decisionTable id="table_{decision_id}"{attributes}>{columns}{rows}</decisionTable>'
            "</decision></definitions>")


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(bpmn, process_id, data=None, dmn=(), functions=None):
    """Run a process (which must not wait for people) and return its final data."""
    parser = AppParser()
    for index, text in enumerate(dmn):
        parser.add_dmn_str(text.encode("utf-8"), filename=f"d{index}.dmn")
    for index, text in enumerate([bpmn] if isinstance(bpmn, str) else bpmn):
        parser.add_bpmn_str(text.encode("utf-8"), filename=f"p{index}.bpmn")
    workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id),
                            script_engine=CareerScriptEngine(functions))
    workflow.get_next_task(spec_name="Start").set_data(**(data or {}))
    workflow.do_engine_steps()
    assert workflow.completed, "the process did not finish"
    return workflow.data
