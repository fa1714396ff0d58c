"""Every SpiffWorkflow parser message has a plain rewording; internal failures become "not supported (kind)"
on their element and go to the log in full."""
import glob
import logging
import os
import re

import SpiffWorkflow

from engine.diagrams import validation
from engine.diagrams.parser_messages import reword
from engine.diagrams.validation import check_files

from ..bpmn import linear_process

# Message texts SpiffWorkflow's BPMN and Camunda parsers raise, found in its sources.
RAISED = re.compile(r"(?:ValidationException|raise_validation_exception)\(\s*f?(['\"])(?P<text>[^'\"]{8,})\1")


def spiff_parser_messages():
    root = os.path.dirname(SpiffWorkflow.__file__)
    found = set()
    for folder in ("bpmn/parser", "camunda/parser", "dmn/parser"):
        for path in glob.glob(os.path.join(root, folder, "*.py")):
            with open(path, encoding="utf-8") as handle:
                found.update(match["text"] for match in RAISED.finditer(handle.read()))
    return found


def test_every_known_spiffworkflow_parser_message_is_reworded():
    messages = spiff_parser_messages()
    assert len(messages) > 20
    for message in messages:
        sample = re.sub(r"\{[^}]*\}", "3", message).replace("%r", "'3'")
        text, _name, known = reword(sample)
        assert known and text != sample.rstrip(". "), message


def test_an_internal_failure_is_a_construct_not_supported_and_is_logged(monkeypatch, caplog):
    def broken(task_spec, checked, known_forms):
        if task_spec.bpmn_id == "ask":
            raise TypeError("unexpected internal detail")
        return []

    monkeypatch.setattr(validation, "_check_task_spec", broken)
    task = '<bpmn:userTask id="ask" name="Ask" camunda:formRef="f" camunda:assignee="ada"/>'
    with caplog.at_level(logging.ERROR, logger="engine.diagrams.parser_messages"):
        checked = check_files({"p.bpmn": linear_process("p", task)})
    [problem] = [p for p in checked.problems if p.element_id == "ask"]
    assert problem.message.startswith("this construct is not supported (userTask)") and problem.line == 2
    assert "unexpected internal detail" not in problem.message
    assert "unexpected internal detail" in caplog.text and "TypeError" in caplog.text


def test_a_library_error_wrapped_as_a_parser_message_is_not_shown_raw():
    text, _name, known = reword("KeyError('Flow_1')")
    assert not known
    boundary = ('<bpmn:boundaryEvent id="late" attachedToRef="ask"/>')
    task = '<bpmn:userTask id="ask" name="Ask" camunda:formRef="f" camunda:assignee="ada"/>'
    checked = check_files({"p.bpmn": linear_process("p", task, extra=boundary)})
    [problem] = [p for p in checked.problems if p.element_id == "late"]
    assert problem.message.startswith("this boundary event has no event type that can run here")
    assert "NotImplementedError" not in str(problem) and "b'<" not in str(problem)
