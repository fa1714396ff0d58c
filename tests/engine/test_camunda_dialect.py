"""Camunda dialect as Camunda Modeler writes it: DMN with FEEL tests and hit policies,
resultVariable, camunda:inputOutput and camunda:in/out on call activities."""
import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.diagrams.dmn import parse_dmn
from engine.scripts.feel import feel_to_python, unary_tests_to_python
from engine.scripts.expressions import ExpressionSyntaxError
from engine.diagrams.validation import check_files

from ..bpmn import decision_table, linear_process, run

RULE_TASK = '<bpmn:businessRuleTask id="decide" camunda:decisionRef="{ref}"{extra}/>'

LEVELS = decision_table(
    "level",
    inputs=[("Years", "years"), ("Track", "track")],
    outputs=["level", "band"],
    rules=[
        (["< 2", '"engineering","data"'], ['"junior"', "1"]),
        (["[2..5]", "-"], ['"mid"', "2"]),
        (["]5..10)", 'not("sales")'], ['"senior"', "3"]),
        ([">= 10", "-"], ['"principal"', "4"]),
    ],
)


def decide(table, data, extra=""):
    process = linear_process("p", RULE_TASK.format(ref=table.split('decision id="')[1].split('"')[0], extra=extra))
    return run(process, "p", data, dmn=[table])


@pytest.mark.parametrize("years, track, expected", [
    (1, "data", "junior"), (2, "sales", "mid"), (5, "x", "mid"), (7, "engineering", "senior"), (12, "sales", "principal"),
])
def test_feel_unary_tests_lists_comparisons_ranges_any_and_not(years, track, expected):
    assert decide(LEVELS, {"years": years, "track": track})["level"] == expected


def test_no_matching_rule_leaves_the_outputs_unset():
    assert "level" not in decide(LEVELS, {"years": 7, "track": "sales"})


def test_unique_with_two_matches_is_an_error_naming_the_rules():
    table = decision_table("t", [("x", "x")], ["y"], [([">= 1"], ['"a"']), (["< 5"], ['"b"'])])
    with pytest.raises(WorkflowTaskException, match="rules 1, 2 all match"):
        decide(table, {"x": 3})


def test_first_stops_at_the_first_match_and_any_needs_agreement():
    first = decision_table("t", [("x", "x")], ["y"], [([">= 1"], ['"a"']), (["< 5"], ['"b"'])], hit_policy="FIRST")
    assert decide(first, {"x": 3})["y"] == "a"
    agreeing = decision_table("t", [("x", "x")], ["y"], [([">= 1"], ['"a"']), (["< 5"], ['"a"'])], hit_policy="ANY")
    assert decide(agreeing, {"x": 3})["y"] == "a"
    disagreeing = agreeing.replace("<text>\"a\"</text></outputEntry></rule></decisionTable>",
                                   "<text>\"b\"</text></outputEntry></rule></decisionTable>")
    with pytest.raises(WorkflowTaskException, match="different outputs"):
        decide(disagreeing, {"x": 3})


SKILLS = [(['"python","sql"'], ["10"]), (['"python"'], ["5"]), (['"excel"'], ["2"])]


def test_collect_and_rule_order_list_every_match():
    collect = decision_table("t", [("skill", "skill")], ["points"], SKILLS, hit_policy="COLLECT")
    assert decide(collect, {"skill": "python"})["points"] == [10, 5]
    ordered = decision_table("t", [("skill", "skill")], ["points"], SKILLS, hit_policy="RULE ORDER")
    assert decide(ordered, {"skill": "python"})["points"] == [10, 5]


@pytest.mark.parametrize("aggregation, expected", [("SUM", 15), ("MIN", 5), ("MAX", 10), ("COUNT", 2)])
def test_collect_aggregations(aggregation, expected):
    table = decision_table("t", [("skill", "skill")], ["points"], SKILLS, hit_policy="COLLECT", aggregation=aggregation)
    assert decide(table, {"skill": "python"})["points"] == expected


@pytest.mark.parametrize("mapping, expected", [
    (None, [{"level": "mid", "band": 2}]),
    ("resultList", [{"level": "mid", "band": 2}]),
    ("singleResult", {"level": "mid", "band": 2}),
])
def test_result_variable_with_map_decision_result(mapping, expected):
    extra = ' camunda:resultVariable="outcome"' + (f' camunda:mapDecisionResult="{mapping}"' if mapping else "")
    data = decide(LEVELS, {"years": 3, "track": "x"}, extra)
    assert data["outcome"] == expected and "level" not in data


def test_single_entry_and_collect_entries():
    collect = decision_table("t", [("skill", "skill")], ["points"], SKILLS, hit_policy="COLLECT")
    assert decide(collect, {"skill": "python"},
                  ' camunda:resultVariable="p" camunda:mapDecisionResult="collectEntries"')["p"] == [10, 5]
    assert decide(collect, {"skill": "excel"},
                  ' camunda:resultVariable="p" camunda:mapDecisionResult="singleEntry"')["p"] == 2


def test_feel_translation():
    assert feel_to_python('status = "open" and count >= 2') == 'status == "open" and count >= 2'
    assert feel_to_python("true") == "True" and feel_to_python("null") == "None"
    assert feel_to_python("${a && !b}") == "a and not b"
    assert unary_tests_to_python("-") is None and unary_tests_to_python("") is None
    assert unary_tests_to_python("[1..5)") == "(1 <= cellInput < 5)"
    with pytest.raises(ExpressionSyntaxError):
        unary_tests_to_python("[1..")


def test_unreadable_entries_and_unsupported_policies_are_named_by_element_and_line():
    table = decision_table("t", [("x", "x")], ["y"], [(["[1..5"], ['"a"'])], hit_policy="PRIORITY")
    decisions, problems = parse_dmn(table, "t.dmn")
    messages = {p.element_id: p.message for p in problems}
    assert "PRIORITY is not supported" in messages["table_t"]
    assert "rule 1: the input entry '[1..5' cannot be read" in messages["r0i0"]
    checked = check_files({"p.bpmn": linear_process("p", RULE_TASK.format(ref="t", extra=""), lane="HR"),
                           "t.dmn": table})
    assert {(p.file, p.element_id) for p in checked.problems} >= {("t.dmn", "table_t"), ("t.dmn", "r0i0")}


def test_a_decision_neither_deployed_nor_among_the_files_is_named():
    checked = check_files({"p.bpmn": linear_process("p", RULE_TASK.format(ref="missing", extra=""))})
    [problem] = checked.problems
    assert problem.element_id == "decide" and 'the decision "missing" is neither deployed' in problem.message


INPUT_OUTPUT = """<bpmn:scriptTask id="calc" scriptFormat="python"><bpmn:extensionElements><camunda:inputOutput>
<camunda:inputParameter name="factor">${weight * 2}</camunda:inputParameter>
<camunda:inputParameter name="label">fixed text</camunda:inputParameter>
<camunda:inputParameter name="tags"><camunda:list><camunda:value>a</camunda:value><camunda:value>${weight}</camunda:value></camunda:list></camunda:inputParameter>
<camunda:outputParameter name="score">${result + factor}</camunda:outputParameter>
</camunda:inputOutput></bpmn:extensionElements><bpmn:script>result = factor * 10
seen = label + str(len(tags)) + str(tags[1])</bpmn:script></bpmn:scriptTask>"""


def test_input_output_parameters_are_local_to_the_task():
    data = run(linear_process("p", INPUT_OUTPUT), "p", {"weight": 3})
    assert data["score"] == 66 and data["seen"] == "fixed text23"
    assert "factor" not in data and "label" not in data and "tags" not in data


CHILD = linear_process("child", '<bpmn:scriptTask id="work" scriptFormat="python"><bpmn:script>'
                                 'total = amount * 2\nsecret = 1</bpmn:script></bpmn:scriptTask>')


def call(mappings):
    return linear_process("parent", f'<bpmn:callActivity id="call" calledElement="child"><bpmn:extensionElements>'
                                    f"{mappings}</bpmn:extensionElements></bpmn:callActivity>")


def test_call_activity_in_and_out_mappings_pass_only_what_they_name():
    mapped = call('<camunda:in source="price" target="amount"/><camunda:in sourceExpression="${price + 1}" '
                  'target="unused"/><camunda:out source="total" target="doubled"/>')
    data = run([mapped, CHILD], "parent", {"price": 4, "private": "x"})
    assert data["doubled"] == 8 and "secret" not in data and "total" not in data and data["private"] == "x"


def test_call_activity_all_variables_and_no_mappings():
    everything = call('<camunda:in variables="all"/><camunda:out variables="all"/>')
    assert run([everything, CHILD], "parent", {"amount": 5})["total"] == 10
    assert run([call(""), CHILD], "parent", {"amount": 5})["secret"] == 1


def timer_process(kind, text):
    event = (f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:{kind} '
             f'xsi:type="bpmn:tFormalExpression">{text}</bpmn:{kind}></bpmn:timerEventDefinition>'
             f'</bpmn:intermediateCatchEvent>')
    return linear_process("p", event).replace(
        "<bpmn:definitions ", '<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')


@pytest.mark.parametrize("kind, text, waits", [
    ("timeDuration", "PT0S", False), ("timeDate", "2020-01-01T00:00:00Z", False), ("timeCycle", "R1/PT0S", False),
    ("timeDuration", "P7D", True), ("timeDuration", "PT2S", True), ("timeCycle", "R3/PT10M", True),
    ("timeDate", "2999-01-01T09:00:00Z", True),
])
def test_unquoted_timer_texts_as_camunda_modeler_writes_them_run(kind, text, waits):
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from engine.diagrams.parser import AppParser
    from engine.scripts.scripting import CareerScriptEngine

    parser = AppParser()
    parser.add_bpmn_str(timer_process(kind, text).encode(), filename="t.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=CareerScriptEngine())
    workflow.do_engine_steps()
    for _ in range(3):
        workflow.refresh_timers()
        workflow.do_engine_steps()
    assert workflow.completed is not waits
    if waits:
        [waiting] = workflow.get_tasks(state=TaskState.WAITING, spec_name="wait")
        assert waiting.internal_data["event_value"]
