"""What validation checks beyond the engine: people, forms, gateways, functions, variables, timers."""
import glob
import json
import os
import re
import subprocess
import sys

import pytest

from engine.diagrams.validation import check_files

from ..bpmn import linear_process
from ..helpers import shared_corpus

FORM = json.dumps({"id": "choice", "components": [
    {"type": "radio", "key": "decision", "label": "Decision", "validate": {"required": True},
     "values": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}]}]})
USER_TASK = '<bpmn:userTask id="ask" name="Ask" camunda:formRef="choice" camunda:candidateGroups="hr"/>'


def gateway_process(conditions, default=None):
    flows = "".join(
        f'<bpmn:sequenceFlow id="to_{i}" sourceRef="gw" targetRef="end_{i}"><bpmn:conditionExpression '
        f'xsi:type="bpmn:tFormalExpression">{c}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id="end_{i}"/>'
        for i, c in enumerate(conditions))
    flows += '<bpmn:sequenceFlow id="to_default" sourceRef="gw" targetRef="end_d"/><bpmn:endEvent id="end_d"/>' \
        if default else ""
    gateway = '<bpmn:exclusiveGateway id="gw" default="to_default"/>' if default else '<bpmn:exclusiveGateway id="gw"/>'
    process = linear_process("p", USER_TASK, extra=flows).replace('targetRef="end"/>', 'targetRef="gw"/>').replace(
        '<bpmn:endEvent id="end"/>', gateway)
    return process.replace("<bpmn:definitions ", '<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')


def problems(files):
    return {(p.element_id, p.message) for p in check_files(files).problems}


def warnings_of(files, element_id):
    return " | ".join(p.message for p in check_files(files).warnings if p.element_id == element_id)


def messages_of(files, element_id):
    return " | ".join(message for element, message in problems(files) if element == element_id)


def test_gateway_whose_conditions_may_all_be_false_needs_a_default():
    partial = gateway_process(["${decision == 'yes'}"])
    assert "may all be false" in warnings_of({"p.bpmn": partial, "choice.form": FORM}, "gw")
    assert messages_of({"p.bpmn": partial, "choice.form": FORM}, "gw") == ""  # a warning: it deploys
    assert messages_of({"p.bpmn": gateway_process(["${decision == 'yes'}"], default=True),
                        "choice.form": FORM}, "gw") == ""
    # every option of a required field is covered: no default needed
    assert messages_of({"p.bpmn": gateway_process(["${decision == 'yes'}", "${decision eq 'no'}"]),
                        "choice.form": FORM}, "gw") == ""
    assert warnings_of({"p.bpmn": gateway_process(["${ok}", "${!ok}"]), "choice.form": FORM}, "gw").count(
        "uses ok") == 2


def test_unknown_variables_functions_timers_and_people():
    script = '<bpmn:scriptTask id="calc" scriptFormat="python"><bpmn:script>x = send_mail(employee)</bpmn:script></bpmn:scriptTask>'
    timer = ('<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>in a week'
             '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    nobody = '<bpmn:userTask id="lonely" camunda:formRef="choice" camunda:dueDate="${deadline}"/>'
    found = problems({"p.bpmn": linear_process("p", script, timer, nobody), "choice.form": FORM})
    text = " | ".join(f"{e}: {m}" for e, m in sorted(found))
    assert 'calc: the script calls "send_mail", which is not a function diagrams may use' in text
    assert 'wait: the duration timer "in a week" cannot be read: write an ISO 8601 duration' in text
    assert "lonely: nobody" not in text  # a task that names nobody deploys: the process owners get it
    warnings = {(w.element_id, w.message) for w in check_files({"p.bpmn": linear_process("p", nobody),
                                                                 "choice.form": FORM}).warnings}
    assert ("lonely", "nobody is named for this task: it will be offered to the process owners' group "
                      '("process-owners") to claim; set an assignee or candidate groups, or put it in a '
                      "lane") in warnings
    assert "lonely: the dueDate expression '${deadline}' uses deadline" in text


def test_forms_listeners_and_mappings_that_cannot_run():
    listener = ('<bpmn:userTask id="ask" camunda:formRef="nope" camunda:assignee="${employee}"><bpmn:extensionElements>'
                '<camunda:taskListener class="org.Example" event="create"/><camunda:inputOutput>'
                '<camunda:inputParameter name="s"><camunda:script scriptFormat="groovy">1</camunda:script>'
                '</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>')
    assert "task listeners do not run here" in messages_of({"p.bpmn": linear_process("p", listener)}, "ask")
    clean = listener.replace("<camunda:taskListener class=\"org.Example\" event=\"create\"/>", "")
    text = messages_of({"p.bpmn": linear_process("p", clean)}, "ask")
    assert 'the form "nope" is not deployed' in text and "camunda:script in groovy, which is not supported" in text


def test_a_boundary_event_attached_to_nothing_is_named():
    timer = ('<bpmn:boundaryEvent id="late" attachedToRef="gone" cancelActivity="false"><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    text = messages_of({"p.bpmn": linear_process("p", USER_TASK, extra=timer), "choice.form": FORM}, "late")
    assert text == 'this boundary event is attached to "gone", which is not an activity of the diagram: attach it ' \
                   'to a task or remove it'


def test_validate_command_prints_file_line_element_message_and_exit_codes(tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text(linear_process("p", '<bpmn:userTask id="ask" camunda:formRef="nope" camunda:assignee="ada"/>'))
    (tmp_path / "choice.form").write_text(FORM)
    command = [sys.executable, "-m", "web.cli", "validate"]
    result = subprocess.run(command + [str(tmp_path)], capture_output=True, text=True, cwd=os.getcwd())
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == f'{tmp_path}/bad.bpmn:2: ask: the form "nope" is not deployed and not ' \
                                    f'among the files; add the .form file whose id is "nope"'  # FILE as given
    bad.write_text(linear_process("p", '<bpmn:userTask id="ask" camunda:formRef="choice" camunda:assignee="ada"/>'))
    result = subprocess.run(command + [str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("ok: 2 files")
    # an unreadable file is one line of its own; the other files are still answered
    (tmp_path / "binary.bpmn").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "z_broken.bpmn").write_text("<bpmn:definitions")
    result = subprocess.run(command + [str(tmp_path)], capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 2, result.stdout
    assert lines[0].startswith(f"{tmp_path}/binary.bpmn:0: -: the file is not")
    assert lines[1].startswith(f"{tmp_path}/z_broken.bpmn:1: -: not well-formed XML")
    # nothing readable at all: exit 2
    result = subprocess.run(command + [str(tmp_path / "binary.bpmn"), str(tmp_path / "gone.bpmn")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [f"{tmp_path}/binary.bpmn:0: -: the file is not utf-16-le text: save it as "
                                          f"UTF-8, or declare its encoding in the XML declaration",
                                          f"{tmp_path}/gone.bpmn:0: -: cannot be read: no such file or folder"]


CORPUS = shared_corpus()
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<element>[^:]+): (?P<message>\S.+)$")


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared corpus not present")
def test_validate_command_answers_every_corpus_file_with_ok_or_element_level_messages():
    from click.testing import CliRunner

    from web.cli import main

    runner = CliRunner()
    paths = sorted(glob.glob(os.path.join(CORPUS, "*", "*.bpmn")))
    assert len(paths) > 40
    for path in paths:
        result = runner.invoke(main, ["validate", path])
        assert result.exception is None or isinstance(result.exception, SystemExit), (path, result.exception)
        assert result.exit_code in (0, 1), (path, result.output)
        lines = result.output.strip().splitlines()
        if result.exit_code == 0:
            assert lines[-1].startswith("ok: 1 file"), path
            continue
        assert lines, path
        for line in lines:
            match = PROBLEM_LINE.match(line)
            assert match, (path, line)
            assert match["file"] == path and int(match["line"]) > 0, (path, line)  # FILE as given
        assert [int(PROBLEM_LINE.match(line)["line"]) for line in lines] == sorted(
            int(PROBLEM_LINE.match(line)["line"]) for line in lines), path


def test_warnings_deploy_and_are_reported_apart_from_errors(monkeypatch):
    """A check message marked as a warning is reported with the element's name and does not stop a deploy."""
    from engine.diagrams import validation
    from engine.errors import Warn

    original = validation._check_task_spec

    def with_warning(task_spec, checked, known_forms):
        messages = original(task_spec, checked, known_forms)
        if task_spec.bpmn_id == "career_objectives_meeting":
            messages.append(Warn("worth knowing"))
            messages.append(Warn("worth knowing"))  # reported once
        return messages

    monkeypatch.setattr(validation, "_check_task_spec", with_warning)
    from engine.diagrams.deployment import read_paths

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = read_paths([os.path.join(root, "processes"), os.path.join(root, "forms")])
    checked = check_files(files)
    assert checked.problems == []
    [warning] = checked.warnings
    assert warning.is_warning and warning.name == "Career objectives meeting"
    assert str(warning) == (f"processes/career_pathing.bpmn:{warning.line}: career_objectives_meeting "
                            f"(Career objectives meeting): warning: worth knowing")
    assert warning.as_dict()["severity"] == "warning"
