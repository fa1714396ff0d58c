"""JUEL as Camunda Modeler writes it becomes Python; scripts run restricted."""
import sys

import pytest

from engine.scripts.expressions import ExpressionSyntaxError, is_timer_text, to_python
from engine.scripts.scripting import RestrictedEnvironment
from engine.scripts.restricted import ScriptTimeout


@pytest.mark.parametrize("juel, python", [
    ("${approved}", "approved"),
    ("${decision == 'revise'}", "decision == 'revise'"),
    ("#{amount > 100 && !vip}", "amount > 100 and not vip"),
    ("${a eq 'x && y' or b ne 2}", "a == 'x && y' or b != 2"),
    ("${x != null || y}", "x != None or y"),
    ("${!empty items}", "not is_empty(items)"),
    ("${flag == true}", "flag == True"),
    ("plain_python and x", "plain_python and x"),
])
def test_juel_is_translated(juel, python):
    assert to_python(juel) == python


@pytest.mark.parametrize("text, expected", [
    ("P7D", True), ("PT2S", True), ("R3/PT10M", True), ("2026-01-01T10:00:00Z", True),
    ("2026-12-01", True), ("P", False), ("approved", False), ("", False),
])
def test_timer_texts(text, expected):
    assert is_timer_text(text) is expected


def evaluate(expression, **data):
    return RestrictedEnvironment().evaluate(expression, data)


def test_expressions_evaluate_against_task_data():
    assert evaluate("${decision == 'modify'}", decision="modify") is True
    assert evaluate("#{amount > 100 && !vip}", amount=150, vip=False) is True
    assert evaluate("${review.reviewer}", review={"reviewer": "sam"}) == "sam"
    assert evaluate("${empty items}", items=[]) is True
    assert evaluate("P7D") == "P7D"


def test_scripts_write_back_variables_and_cannot_import():
    env = RestrictedEnvironment(functions={"double": lambda x: x * 2})
    data = {"stakeholders": ["sam", "sol"], "n": 2}
    env.execute("reviews = [{'reviewer': s} for s in stakeholders]\nn = double(n)\nn += 1", data)
    assert data["reviews"] == [{"reviewer": "sam"}, {"reviewer": "sol"}] and data["n"] == 5
    assert "double" not in data
    with pytest.raises(ExpressionSyntaxError):
        env.execute("import os", {})
    with pytest.raises(ExpressionSyntaxError):
        env.execute("x = ().__class__", {})


def test_runaway_scripts_are_stopped():
    env = RestrictedEnvironment(time_limit=0.2)
    with pytest.raises(ScriptTimeout):
        env.execute("n = 0\nwhile True:\n    n = n + 1", {})


def test_script_functions_run_untraced_but_code_handed_to_them_is_still_limited():
    """Our functions run at full speed under a script; a generator the script hands them stays limited."""
    calls = []

    def slow_lookup(names):
        calls.append(sys._getframe().f_trace)  # no trace function follows our own function's lines
        return sorted(set(names))

    env = RestrictedEnvironment({"lookup": slow_lookup}, time_limit=0.2)
    context = {}
    env.execute("found = lookup(['b', 'a', 'b'])", context)
    assert context["found"] == ["a", "b"] and calls == [None]
    endless = "def forever():\n    while True:\n        yield 'x'\nfound = lookup(forever())"
    with pytest.raises(ScriptTimeout):
        env.execute(endless, {})
