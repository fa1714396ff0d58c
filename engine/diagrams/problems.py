"""What checking files reports, and where: a `Problem` (file, line, element id and name, message, error or
warning), the set of files being checked (`CheckedFiles`), which kind a file is by its name, and how a
SpiffWorkflow parse error or an internal failure becomes a problem naming the element and its line."""
import re
from dataclasses import dataclass, field

from lxml import etree

from engine.diagrams.parser import AppParser
from engine.errors import Warn
from engine.diagrams.parser_messages import not_supported, reword
from engine.diagrams.xml_checks import parsed_xml


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")


DMN_SUFFIXES = (".dmn", ".dmn11.xml")


FORM_SUFFIXES = (".form",)


HTML_SUFFIXES = (".html", ".htm")  # embedded Camunda forms, read for their fields


@dataclass
class Problem:
    """One thing wrong with (or worth knowing about) a file, located as precisely as we can.

    `severity` is "error" (the file cannot be deployed) or "warning" (it deploys, but something may
    surprise at runtime); `name` is the element's name in the diagram, when it has one."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    severity: str = "error"
    name: str | None = None

    @property
    def is_warning(self):
        """True for a warning (deploy goes ahead)."""
        return self.severity == "warning"

    def __str__(self):
        where = self.element_id or "-"
        if self.name and self.name != self.element_id:
            where += f" ({self.name})"
        marker = "warning: " if self.is_warning else ""
        return f"{self.file}:{self.line or 0}: {where}: {marker}{self.message}"

    def as_dict(self):
        """JSON form for API answers."""
        return {"file": self.file, "line": self.line, "element_id": self.element_id, "name": self.name,
                "severity": self.severity, "message": self.message}


@dataclass
class CheckedFiles:
    """The outcome of checking a set of files: parsed pieces plus the problems found."""

    bpmn: dict = field(default_factory=dict)    # file name -> text
    deployed_bpmn: dict = field(default_factory=dict)  # already deployed files of called processes
    dmn: dict = field(default_factory=dict)
    forms: dict = field(default_factory=dict)   # form id -> schema
    form_files: dict = field(default_factory=dict)  # form id -> file name
    html: dict = field(default_factory=dict)  # embedded HTML forms: file name -> text
    task_forms: dict = field(default_factory=dict)  # form reference -> schema of every user task's form
    directory: tuple | None = None  # (usernames, group names) known to the org directory, when there is one
    parser: AppParser | None = None
    process_ids: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # errors: nothing may be deployed while there is one
    warnings: list = field(default_factory=list)  # deploys, but may surprise at runtime

    def add(self, problem):
        """Record a Problem as an error or a warning, by its severity."""
        (self.warnings if problem.is_warning else self.problems).append(problem)

    def report(self, file, message, **where):
        """Record a check message for a file: a `Warn` message becomes a warning, any other an error."""
        severity = "warning" if isinstance(message, Warn) else "error"
        self.add(Problem(file, str(message), severity=severity, **where))

    @property
    def findings(self):
        """Errors and warnings together, in file and line order."""
        return sorted(self.problems + self.warnings, key=lambda p: (p.file, p.line or 0, p.is_warning))

    def process_file(self, process_id):
        """The file a process is defined in."""
        return self.parser.get_process_parser(process_id).filename


def kind_of(filename):
    """'bpmn', 'dmn', 'form' or None, by file name."""
    lower = filename.lower()
    if lower.endswith(BPMN_SUFFIXES):
        return "bpmn"
    if lower.endswith(DMN_SUFFIXES):
        return "dmn"
    if lower.endswith(FORM_SUFFIXES):
        return "form"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    return None


def line_of(text, element_id):
    """The line where an element id is declared in a file's text, if found."""
    if not element_id or not text:
        return None
    match = re.search(r'\bid="%s"' % re.escape(element_id), text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def element_named(text, name):
    """(id, line) of the first element whose name is `name` (compared with whitespace collapsed)."""
    if not text or not name:
        return None, None
    wanted = " ".join(name.split())
    root = parsed_xml(text)
    if root is None:
        return None, None
    for node in root.iter():
        if isinstance(node.tag, str) and " ".join((node.get("name") or "").split()) == wanted:
            return node.get("id"), node.sourceline
    return None, None


def problem_from_validation(checked, exc, default_file=None):
    file_name = exc.file_name or default_file or next(iter(sorted(checked.bpmn)), "")
    text = checked.bpmn.get(file_name) or checked.dmn.get(file_name)
    message, named, known = reword(str(exc))
    element_id, line = exc.id or None, exc.line_number or line_of(text, exc.id)
    if not element_id and named:
        element_id, line = element_named(text, named) if "calls the process" not in message else \
            call_activity_of(text, named)
    if not known:
        message = not_supported(kind_of_element(text, element_id), str(exc), file_name, element_id)
    return Problem(file_name, message, line=line or None, element_id=element_id)


def call_activity_of(text, process_id):
    """(id, line) of the first call activity of a file that calls `process_id`."""
    root = parsed_xml(text) if text else None
    for node in (root.iter(f"{{{BPMN_NS}}}callActivity") if root is not None else ()):
        if node.get("calledElement") == process_id:
            return node.get("id"), node.sourceline
    return None, None


def kind_of_element(text, element_id):
    """The XML tag (without namespace) of the element with this id, e.g. "boundaryEvent"; "element" if unknown."""
    root = parsed_xml(text) if text else None
    if root is not None and element_id:
        for node in root.iter():
            if isinstance(node.tag, str) and node.get("id") == element_id:
                return etree.QName(node).localname
    return "element"


def unexpected_failure(checked, file_name, element_id, exc):
    """An internal failure while checking an element: logged in full, reported as a construct not supported."""
    text = checked.bpmn.get(file_name) or checked.dmn.get(file_name)
    message = not_supported(kind_of_element(text, element_id), repr(exc), file_name, element_id, exc)
    checked.problems.append(Problem(file_name, message, line=line_of(text, element_id), element_id=element_id))


def form_id_from_file(name):
    """The id a .form file without one deploys under: its file name without folder and suffix."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-5] if base.lower().endswith(".form") else base
