"""Validation of BPMN, DMN and form files before they are deployed.

`check_files` parses a set of files and reports every problem it finds as a
`Problem` (file, line, element id, message a process owner understands). It
never raises for bad input: XML errors, SpiffWorkflow parse errors and our own
checks (forms, assignment, expressions, scripts) all become problems.
"""
import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .expressions import ExpressionSyntaxError, is_timer_text
from .forms import FormError, load_form
from .parser import AppParser
from .scripting import compile_expression, compile_script

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")
DMN_SUFFIXES = (".dmn", ".dmn11.xml")
FORM_SUFFIXES = (".form",)


@dataclass
class Problem:
    """One thing wrong with a file, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None

    def __str__(self):
        return f"{self.file}:{self.line or 0}: {self.element_id or '-'}: {self.message}"

    def as_dict(self):
        """JSON form for API answers."""
        return {"file": self.file, "line": self.line, "element_id": self.element_id, "message": self.message}


@dataclass
class CheckedFiles:
    """The outcome of checking a set of files: parsed pieces plus the problems found."""

    bpmn: dict = field(default_factory=dict)    # file name -> text
    dmn: dict = field(default_factory=dict)
    forms: dict = field(default_factory=dict)   # form id -> schema
    form_files: dict = field(default_factory=dict)  # form id -> file name
    parser: AppParser | None = None
    process_ids: list = field(default_factory=list)
    problems: list = field(default_factory=list)

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
    return None


def line_of(text, element_id):
    """The line where an element id is declared in a file's text, if found."""
    if not element_id or not text:
        return None
    match = re.search(r'\bid="%s"' % re.escape(element_id), text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check_files(files, known_forms=None):
    """Parse and check files ({name: text}); `known_forms` resolves formRefs not in `files`."""
    checked = CheckedFiles()
    for name, text in files.items():
        kind = kind_of(name)
        if kind is None:
            checked.problems.append(Problem(name, "not a .bpmn, .dmn or .form file; it was not read"))
        elif kind == "form":
            _read_form(checked, name, text)
        else:
            getattr(checked, kind)[name] = text
    if not checked.bpmn:
        if not checked.problems:
            checked.problems.append(Problem(", ".join(sorted(files)) or "(no files)",
                                            "no BPMN diagram to deploy; add a .bpmn file"))
        return checked
    _parse(checked)
    if checked.parser is not None:
        for process_id in checked.process_ids:
            _check_process(checked, process_id, known_forms or {})
    return checked


def _read_form(checked, name, text):
    try:
        schema = load_form(text, name)
    except FormError as exc:
        checked.problems.append(Problem(name, str(exc).split(": ", 1)[-1]))
        return
    form_id = schema["id"]
    if form_id in checked.forms:
        checked.problems.append(Problem(name, f'form id "{form_id}" is also used by {checked.form_files[form_id]}'))
        return
    checked.forms[form_id] = schema
    checked.form_files[form_id] = name


def _parse(checked):
    """Parse every DMN and BPMN file; each unreadable file becomes a problem of its own."""
    parser = AppParser()
    readable = True
    for kind, add in (("dmn", parser.add_dmn_str), ("bpmn", parser.add_bpmn_str)):
        for name, text in sorted(getattr(checked, kind).items()):
            try:
                add(text.encode("utf-8"), filename=name)
            except etree.XMLSyntaxError as exc:
                checked.problems.append(Problem(name, f"not well-formed XML: {exc.msg}", line=exc.lineno))
                readable = False
            except ValidationException as exc:
                checked.problems.append(_problem_from_validation(checked, exc, default_file=name))
                readable = False
            except (SpiffWorkflowException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                checked.problems.append(Problem(name, f"cannot be read: {exc}"))
                readable = False
    if not readable:
        return
    checked.parser = parser
    checked.process_ids = parser.get_process_ids()
    if not checked.process_ids:
        checked.problems.append(Problem(
            ", ".join(sorted(checked.bpmn)),
            'no executable process: mark the process "Executable" (isExecutable="true") to deploy it'))


def _problem_from_validation(checked, exc, default_file=None):
    file_name = exc.file_name or default_file or next(iter(sorted(checked.bpmn)), "")
    line = exc.line_number or line_of(checked.bpmn.get(file_name) or checked.dmn.get(file_name), exc.id)
    message = str(exc).split("\n")[0]
    return Problem(file_name, message, line=line or None, element_id=exc.id or None)


def _check_process(checked, process_id, known_forms):
    file_name = checked.process_file(process_id)
    try:
        spec = checked.parser.get_spec(process_id)
        subprocess_specs = checked.parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        checked.problems.append(_problem_from_validation(checked, exc))
        return
    except (SpiffWorkflowException, ValueError, KeyError) as exc:
        checked.problems.append(Problem(file_name, f"process {process_id} cannot be built: {exc}",
                                        element_id=process_id, line=line_of(checked.bpmn.get(file_name), process_id)))
        return
    for process_spec in [spec, *subprocess_specs.values()]:
        spec_file = checked.process_file(process_spec.name) if process_spec.name in checked.parser.process_parsers \
            else file_name
        for task_spec in process_spec.task_specs.values():
            for problem in _check_task_spec(task_spec, checked, known_forms):
                checked.problems.append(Problem(spec_file, problem, element_id=task_spec.bpmn_id,
                                                line=line_of(checked.bpmn.get(spec_file), task_spec.bpmn_id)))


def _check_task_spec(task_spec, checked, known_forms):
    """Messages about one task spec: forms, assignment, expressions, scripts."""
    messages = []
    if isinstance(task_spec, UserTask):
        attributes = task_spec.extensions.get("camunda", {})
        form_ref = form_ref_of(attributes)
        if form_ref is None and not getattr(getattr(task_spec, "form", None), "fields", None):
            messages.append("this user task has no form: set a form reference (camunda:formRef) to a .form id")
        elif form_ref is not None and form_ref not in checked.forms and form_ref not in known_forms:
            messages.append(f'the form "{form_ref}" is not deployed and not among the files; '
                            f'add the .form file whose id is "{form_ref}"')
        if not (attributes.get("assignee") or attributes.get("candidateUsers")
                or attributes.get("candidateGroups") or task_spec.lane):
            messages.append("nobody can do this task: set an assignee or candidate groups, or put it in a lane")
        for name in ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority"):
            value = attributes.get(name)
            if value and ("${" in value or "#{" in value) and not is_timer_text(value):
                messages.extend(_expression_problem(value, f"the {name} expression"))
    if isinstance(task_spec, ExclusiveGateway) or hasattr(task_spec, "cond_task_specs"):
        for condition, _target in getattr(task_spec, "cond_task_specs", []):
            text = condition.args[0] if hasattr(condition, "args") and condition.args else condition
            if isinstance(text, str) and text.strip():
                messages.extend(_expression_problem(text, "a condition on an outgoing flow"))
    if isinstance(task_spec, ScriptTask):
        try:
            compile_script(task_spec.script)
        except (ExpressionSyntaxError, SyntaxError) as exc:
            messages.append(f"the script cannot run: {exc}")
    return messages


def _expression_problem(expression, what):
    try:
        compile_expression(expression)
    except (ExpressionSyntaxError, SyntaxError) as exc:
        return [f"{what} {expression!r} cannot be read: {exc}"]
    return []


def form_ref_of(attributes):
    """The form id a user task refers to (camunda:formRef or a camunda-forms formKey)."""
    if attributes.get("formRef"):
        return attributes["formRef"]
    key = attributes.get("formKey")
    if key and key.startswith("camunda-forms:"):
        tail = key.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return tail[:-5] if tail.endswith(".form") else tail
    return key or None
