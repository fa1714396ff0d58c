"""JavaScript scripts and conditions: the sandboxed V8 runner, its limits, and how diagrams use it."""
import time

import pytest

from engine.scripts.javascript import (
    JavaScriptError, JavaScriptLimits, javascript_assigned_names, javascript_syntax_error, run_javascript,
)
from engine.diagrams.validation import check_files

from ..bpmn import linear_process


def test_variables_are_read_by_name_and_through_execution_and_written_only_through_set_variable():
    result, variables = run_javascript(
        'var doubled = points * 2;\nexecution.setVariable("score", doubled + execution.getVariable("bonus"));\n'
        'ignored = 1;\nexecution.getBusinessKey() + ":" + execution.getProcessInstanceId()',
        {"points": 4, "bonus": 1}, execution={"businessKey": "ada", "processInstanceId": "7"})
    assert result == "ada:7"
    assert variables == {"points": 4, "bonus": 1, "score": 9}


def test_a_condition_is_its_last_expression_and_data_crosses_as_json():
    from datetime import date
    assert run_javascript("score > 5", {"score": 6})[0] is True
    assert run_javascript("typeof when + ':' + when", {"when": date(2026, 12, 1)})[0] == "string:2026-12-01"
    assert run_javascript("execution.getVariables()", {"a": [1, {"b": None}]})[0] == {"a": [1, {"b": None}]}


def test_errors_name_the_line_and_what_went_wrong():
    with pytest.raises(JavaScriptError) as caught:
        run_javascript("var a = 1;\nmissing.value", {})
    assert str(caught.value) == "line 2: ReferenceError: missing is not defined" and caught.value.line == 2
    with pytest.raises(JavaScriptError, match="cannot be stored as JSON"):
        run_javascript("var o = {}; o.self = o; o", {})


def test_an_endless_loop_stops_within_the_time_limit_and_a_second():
    started = time.monotonic()
    with pytest.raises(JavaScriptError, match="ran longer than 0.5 seconds"):
        run_javascript("while (true) {}", {}, JavaScriptLimits(seconds=0.5))
    assert time.monotonic() - started < 1.5


def test_a_huge_allocation_stops_at_the_memory_limit_within_the_time_limit_and_a_second():
    started = time.monotonic()
    with pytest.raises(JavaScriptError, match="used more than 32 MB"):
        run_javascript("var a = []; while (true) { a.push(new Array(100000).fill(1)); }", {},
                       JavaScriptLimits(seconds=5, memory_bytes=32 * 1024 * 1024))
    assert time.monotonic() - started < 6


def test_nothing_leaks_from_one_run_to_the_next():
    run_javascript("var leaked = 1; globalThis.also = 2;", {})
    assert run_javascript("typeof leaked + typeof also", {})[0] == "undefinedundefined"


def test_syntax_is_checked_without_running():
    assert javascript_syntax_error("while (true) {}") is None  # compiled, never run
    error = javascript_syntax_error("var a = 1;\nvar b = ;")
    assert str(error) == "line 2: SyntaxError: Unexpected token ';'"
    assert javascript_assigned_names('execution.setVariable("total", 1); execution.setVariable(name, 2)') == {"total"}


def _problems(*elements, extra=""):
    return [(p.element_id, p.message) for p in check_files({"p.bpmn": linear_process("p", *elements, extra=extra)})
            .problems]


def test_groovy_and_other_languages_are_refused_naming_the_element_and_the_alternatives():
    for language in ("groovy", "Jython", "jruby"):
        [(element, message)] = _problems(f'<bpmn:scriptTask id="calc" scriptFormat="{language}">'
                                         f'<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')
        assert element == "calc"
        assert message == (f'this script is written in {language}, which does not run here: write it in Python '
                           f'(scriptFormat="python") or JavaScript (scriptFormat="javascript")')


def test_javascript_in_every_spelling_validates_and_a_typo_is_reported_with_its_line():
    for language in ("javascript", "JavaScript", "ecmascript", "js"):
        assert _problems(f'<bpmn:scriptTask id="calc" scriptFormat="{language}"><bpmn:script>'
                         f'execution.setVariable("x", 1)</bpmn:script></bpmn:scriptTask>') == []
    [(element, message)] = _problems('<bpmn:scriptTask id="calc" scriptFormat="javascript"><bpmn:script>'
                                     'var a = 1;\nvar b = ;</bpmn:script></bpmn:scriptTask>')
    assert (element, message) == ("calc", "the script is JavaScript that cannot be read: line 2: SyntaxError: "
                                          "Unexpected token ';'")


def test_an_inline_camunda_script_with_a_typo_is_reported_without_internals():
    task = ('<bpmn:scriptTask id="calc" scriptFormat="javascript"><bpmn:extensionElements><camunda:inputOutput>'
            '<camunda:outputParameter name="label"><camunda:script scriptFormat="javascript">"a" +</camunda:script>'
            '</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>'
            '<bpmn:script>1</bpmn:script></bpmn:scriptTask>')
    [(element, message)] = _problems(task)
    assert element == "calc" and message.startswith('the output parameter "label" is JavaScript that cannot be read: '
                                                    'line 1: SyntaxError')
    assert "//@javascript" not in message


def test_a_condition_in_groovy_is_refused_naming_the_flow():
    gateway = '<bpmn:exclusiveGateway id="choose" default="flow_choose_end"/>'
    xml_extra = ('<bpmn:endEvent id="other"/><bpmn:sequenceFlow id="odd" sourceRef="choose" targetRef="other">'
                 '<bpmn:conditionExpression language="groovy">x &gt; 1</bpmn:conditionExpression>'
                 '</bpmn:sequenceFlow>')
    problems = _problems(gateway, extra=xml_extra)
    assert ("odd", 'this flow\'s condition is written in groovy, which does not run here: write it in Python '
                   '(scriptFormat="python") or JavaScript (scriptFormat="javascript")') in problems


def test_scripts_from_resource_files_are_refused_asking_for_inline_scripts():
    [(element, message)] = _problems('<bpmn:scriptTask id="calc" scriptFormat="javascript" '
                                     'camunda:resource="deployment://calc.js"/>')
    assert element == "calc" and message.startswith(
        'this script is loaded from "deployment://calc.js" (camunda:resource), which is not supported here')
