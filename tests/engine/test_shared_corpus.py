"""The whole shared corpus (../shared/corpus: the BPMN MIWG reference models and their Camunda Modeler
exports) is answered file by file with element-level messages and no internal error, as drawn and with every
process ticked "Executable" (which takes the parser deeper into each diagram)."""
import os
import re

import pytest
from lxml import etree

from engine.diagrams.batch import check_each
from engine.diagrams.deployment import read_each

from ..helpers import shared_corpus

CORPUS = shared_corpus()
pytestmark = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared corpus not present")
# What an internal error looks like when it leaks into a message.
RAW = re.compile(r"Error\(|Exception\(|Traceback|raise_validation_exception|Expected 1 result|%r|b'<|"
                 r"NotImplementedError|TypeError|AssertionError|KeyError|AttributeError")


def corpus_files():
    return sorted(os.path.join(root, name) for root, _dirs, names in os.walk(CORPUS) for name in names
                  if name.endswith(".bpmn"))


BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"


def made_executable(tmp_path):
    """Copies of the corpus as a process owner would fix them following the first messages: every process
    executable, data stores and associations removed, decisions named, timers and collections filled in."""
    copies = []
    for path in corpus_files():
        tree = etree.parse(path)
        root = tree.getroot()
        for process in root.iter(f"{BPMN}process"):
            process.set("isExecutable", "true")
        for tag in ("dataStoreReference", "dataInputAssociation", "dataOutputAssociation", "dataStore"):
            for node in list(root.iter(f"{BPMN}{tag}")):
                node.getparent().remove(node)
        for node in root.iter(f"{BPMN}businessRuleTask"):
            node.set(f"{CAMUNDA}decisionRef", "some_decision")
        for node in root.iter(f"{BPMN}timerEventDefinition"):
            if len(node) == 0:
                etree.SubElement(node, f"{BPMN}timeDuration").text = "P1D"
        for node in root.iter(f"{BPMN}multiInstanceLoopCharacteristics"):
            node.set(f"{CAMUNDA}collection", "${items}")
        copy = tmp_path / f"{os.path.basename(os.path.dirname(path))}-{os.path.basename(path)}"
        tree.write(str(copy), xml_declaration=True, encoding="UTF-8")
        copies.append(str(copy))
    return copies


def assert_answered_plainly(paths):
    result = check_each(read_each(paths, as_given=True))
    assert result.answered == len(paths) and result.unreadable == 0
    answered = {p.file for p in result.findings} | set()
    for problem in result.findings:
        assert problem.file in paths, problem
        assert not RAW.search(problem.message), str(problem)
        assert "not supported (" not in problem.message, str(problem)  # no construct failed unexpectedly
        assert problem.line and problem.line > 0, str(problem)
    return result, answered


def test_every_corpus_file_is_answered_with_element_level_messages_and_no_internal_error():
    paths = corpus_files()
    assert len(paths) >= 64  # README: every file of the corpus
    result, _answered = assert_answered_plainly(paths)
    assert result.errors  # most are descriptive diagrams: each gets its reason


def test_the_corpus_made_executable_is_answered_too(tmp_path):
    result, answered = assert_answered_plainly(made_executable(tmp_path))
    messages = " | ".join(p.message for p in result.findings)
    # the constructs that used to leak library errors now get a plain message
    assert "this boundary event has no event type that can run here" in messages
    assert "messages are matched by name: give it one" in messages
    assert "this loop task needs a loop condition or a maximum number of loops" in messages
    # implicit splits are no longer refused
    assert "Multiple outgoing flows" not in messages and "several outgoing flows" not in messages
