"""Validating many files at once (`pathing validate FOLDER...`), each file on its own.

A deploy checks its files as one set (one deployment, one set of process ids).
Validating a folder is different: each file is answered on its own lines, and
one broken or duplicate file does not hide the others. Each BPMN file is checked
alone, with the other files of the run (and what is deployed) available the
way deployed resources are: the processes it calls, the decisions and the forms
it uses. Each DMN and form file is checked alone too.
"""
import re
from dataclasses import dataclass, field

from engine.diagrams.dmn import parse_dmn
from engine.forms.formjs import FormError, load_form
from engine.diagrams.validation import check_files
from engine.diagrams.problems import kind_of

_DECISION_ID = re.compile(r"<(?:\w+:)?decision\b[^>]*?\bid=\"([^\"]+)\"")


@dataclass
class BatchResult:
    """Every file's findings, in the order files were given; `answered` counts files with an answer."""

    findings: list = field(default_factory=list)
    answered: int = 0
    unreadable: int = 0
    process_ids: list = field(default_factory=list)

    @property
    def errors(self):
        """The findings that would stop a deploy."""
        return [p for p in self.findings if not p.is_warning]

    @property
    def warnings(self):
        """The findings that would not stop a deploy."""
        return [p for p in self.findings if p.is_warning]


def check_each(entries, known_forms=None, known_processes=None, known_decisions=None):
    """Check files one by one. `entries` are (name, text, unreadable Problem or None) as `read_each` gives
    them; the known_* arguments are what is deployed (see `check_files`)."""
    entries = list(entries)
    readable = {name: text for name, text, problem in entries if problem is None}
    forms = dict(known_forms or {})
    forms.update(_forms_of(readable))
    processes = dict(known_processes or {})
    processes.update(_processes_of(readable))
    decisions = dict(known_decisions or {})
    decisions.update(_decisions_of(readable))
    result = BatchResult()
    for name, text, problem in entries:
        if problem is not None:
            result.findings.append(problem)
            result.unreadable += 1
            continue
        own = {pid: files for pid, files in processes.items() if name not in files}
        checked = check_files({name: text}, forms, own, decisions)
        result.findings.extend(checked.findings)
        if checked.parser is not None:
            result.process_ids.extend(pid for pid in checked.process_ids if checked.process_file(pid) == name)
        result.answered += 1
    return result


def _forms_of(files):
    forms = {}
    for name, text in files.items():
        if kind_of(name) == "form":
            try:
                schema = load_form(text, name)
            except FormError:
                continue
            forms.setdefault(schema["id"], schema)
    return forms


_PROCESS_START = re.compile(r"<(?:[\w.-]+:)?process\b([^>]*)>")
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(["'])(.*?)\2""", re.S)


def _processes_of(files):
    """{process id: {file: text}} of the executable processes in the BPMN files, read from the process tags
    alone (parsing every file here would double the time of a large run)."""
    processes = {}
    for name, text in files.items():
        if kind_of(name) != "bpmn":
            continue
        for match in _PROCESS_START.finditer(text):
            attributes = {key: value for key, _quote, value in _ATTRIBUTE.findall(match.group(1))}
            if attributes.get("id") and attributes.get("isExecutable") == "true":
                processes.setdefault(attributes["id"], {name: text})
    return processes


def _decisions_of(files):
    """{decision id: (file, text)} of the DMN files that can be read."""
    decisions = {}
    for name, text in files.items():
        if kind_of(name) == "dmn" and _DECISION_ID.search(text):
            for decision_id in parse_dmn(text, name)[0]:
                decisions.setdefault(decision_id, (name, text))
    return decisions

