"""Validation of BPMN, DMN and form files before they are deployed.

`check_files` parses a set of files and reports every problem it finds as a
`Problem` (file, line, element id, message a process owner understands). It
never raises for bad input: XML errors, SpiffWorkflow parse errors and our own
checks (forms, assignment, expressions, scripts) all become problems.
"""
import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.diagrams.dmn import parse_dmn
from engine.errors import Warn
from engine.diagrams.checks import known_variables, option_fields, task_problems
from engine.scripts.expressions import ExpressionSyntaxError, is_timer_text
from engine.directory.org import DIRECTORY_VARIABLES
from engine.forms.formjs import FormError, field_keys, load_form
from engine.forms.camunda import resolve_task_form, start_form_messages
from engine.directory.named import people_problems
from engine.scripts.javascript import is_javascript
from engine.scripts.languages import javascript_problem
from engine.diagrams.parser import AppParser
from engine.diagrams.specs import called_specs
from engine.diagrams.xml_checks import parsed_xml, reference_problems
from engine.diagrams.parser_messages import expression_error
from engine.scripts.restricted import compile_expression, compile_script
from engine.diagrams.problems import (
    BPMN_NS, CheckedFiles, Problem, form_id_from_file, kind_of, line_of, problem_from_validation, unexpected_failure,
)


def check_files(files, known_forms=None, known_processes=None, known_decisions=None, directory=None):
    """Parse and check files ({name: text}).

    `known_forms` ({form id: schema}), `known_processes` ({process key: {file: xml}}) and
    `known_decisions` ({decision id: (file, xml)}) are what is already deployed: they
    resolve form references, called processes and decisions that are not among the files.
    `directory` ((usernames, group names)) lets literal assignees and candidates be checked.
    """
    checked = CheckedFiles(directory=directory)
    for name, text in files.items():
        kind = kind_of(name)
        if kind is None:
            checked.problems.append(Problem(name, "not a .bpmn, .dmn, .form or .html file; it was not read"))
        elif kind == "form":
            _read_form(checked, name, text)
        elif kind == "html":
            checked.html[name] = text
        else:
            getattr(checked, kind)[name] = text
    if not checked.bpmn:
        if not files:
            checked.problems.append(Problem("(no files)", "no files to deploy: add .bpmn, .dmn or .form files"))
        for name, text in sorted(checked.dmn.items()):  # decisions deploy on their own
            for problem in parse_dmn(text, name)[1]:
                checked.problems.append(Problem(name, problem.message, line=problem.line,
                                                element_id=problem.element_id))
        _finish(checked, files)
        return checked
    _parse(checked, known_processes or {}, known_decisions or {})
    if checked.parser is not None:
        specs = {}
        for process_id in checked.process_ids:
            specs[process_id] = _check_process(checked, process_id, known_forms or {})
        _check_semantics(checked, [s for group in specs.values() if group for s in group], known_forms or {})
    _finish(checked, files)
    return checked


def _finish(checked, files):
    """Name the elements problems point at, merge duplicate lines and sort errors and warnings by place."""
    names = {}
    texts = {**checked.dmn, **checked.bpmn}
    for attribute in ("problems", "warnings"):
        seen, merged = set(), []
        for problem in getattr(checked, attribute):
            if problem.element_id and problem.name is None:
                if problem.file not in names:
                    names[problem.file] = _element_names(texts[problem.file]) if problem.file in texts else {}
                problem.name = names[problem.file].get(problem.element_id)
            key = (problem.file, problem.line, problem.element_id, problem.message)
            if key not in seen:
                seen.add(key)
                merged.append(problem)
        merged.sort(key=lambda p: (p.file, p.line or 0))
        setattr(checked, attribute, merged)


def _element_names(text):
    """{element id: name} of the named elements of an XML file (empty when it cannot be read)."""
    root = parsed_xml(text)
    if root is None:
        return {}
    return {node.get("id"): " ".join(node.get("name").split()) for node in root.xpath("//*[@id and @name]")}


def _read_form(checked, name, text):
    try:
        schema = load_form(text, name, default_id=form_id_from_file(name))
    except FormError as exc:
        checked.problems.append(Problem(name, str(exc).split(": ", 1)[-1]))
        return
    form_id = schema["id"]
    if form_id in checked.forms:
        checked.problems.append(Problem(name, f'form id "{form_id}" is also used by {checked.form_files[form_id]}'))
        return
    checked.forms[form_id] = schema
    checked.form_files[form_id] = name


def _parse(checked, known_processes, known_decisions):
    """Parse every DMN and BPMN file; each unreadable file becomes a problem of its own."""
    parser = AppParser()
    readable = _add_decisions(checked, parser, known_decisions)
    for kind, add in (("bpmn", parser.add_bpmn_str),):
        for name, text in sorted(getattr(checked, kind).items()):
            early = _prescan(name, text) if kind == "bpmn" else []
            if early:
                checked.problems.extend(early)
                readable = False
                continue
            try:
                root = parsed_xml(text)
                if root is None:
                    add(text.encode("utf-8"), filename=name)  # raises the syntax error with its line
                else:
                    parser.add_bpmn_xml(root, filename=name)
            except etree.XMLSyntaxError as exc:
                checked.problems.append(Problem(name, f"not well-formed XML: {exc.msg}", line=exc.lineno))
                readable = False
            except ValidationException as exc:
                checked.problems.append(problem_from_validation(checked, exc, default_file=name))
                readable = False
            except Exception as exc:  # noqa: BLE001 -- a failure of the library, not of the file: logged in full
                unexpected_failure(checked, name, None, exc)
                readable = False
    if not readable:
        return
    _add_called_processes(checked, parser, known_processes)
    checked.parser = parser
    checked.process_ids = parser.get_process_ids()
    if not checked.process_ids:
        for name, text in sorted(checked.bpmn.items()):
            root = parsed_xml(text)
            processes = list(root.iter(f"{{{BPMN_NS}}}process")) or [None]
            for node in processes:
                checked.problems.append(Problem(
                    name, 'no executable process: tick "Executable" on the process (isExecutable="true") '
                          'to deploy it' if node is not None else "the file defines no process",
                    line=node.sourceline if node is not None else None,
                    element_id=node.get("id") if node is not None else None))


def _add_decisions(checked, parser, known_decisions):
    """Read the DMN files (every problem of each), then deployed decisions the diagrams use but the
    files do not define. True when all could be read."""
    readable = True
    for name, text in sorted(checked.dmn.items()):
        decisions, problems = parse_dmn(text, name)
        for problem in problems:
            checked.problems.append(Problem(name, problem.message, line=problem.line, element_id=problem.element_id))
        readable = readable and not problems
        parser.decisions.update(decisions)
    wanted = set()
    for text in checked.bpmn.values():
        wanted.update(re.findall(r'decisionRef="([^"]+)"', text))
    for decision_id in sorted(wanted - set(parser.decisions)):
        if decision_id in known_decisions:
            name, text = known_decisions[decision_id]
            if name not in checked.dmn:
                checked.dmn[name] = text
                parser.decisions.update(parse_dmn(text, name)[0])
    return readable


def _add_called_processes(checked, parser, known_processes):
    """Called processes missing from the files come from their deployed version, or are a problem."""
    for name, text in sorted(checked.bpmn.items()):
        root = parsed_xml(text)
        for node in root.iter(f"{{{BPMN_NS}}}callActivity"):
            called = node.get("calledElement")
            if not called or called in parser.process_parsers:
                continue
            if called in known_processes:
                for file_name, xml in known_processes[called].items():
                    if file_name not in checked.bpmn and file_name not in checked.deployed_bpmn:
                        try:
                            parser.add_bpmn_str(xml.encode("utf-8"), filename=file_name)
                        except (ValidationException, etree.XMLSyntaxError):
                            checked.problems.append(Problem(
                                name, f'calls the process "{called}" of {file_name}, which cannot be read: see the '
                                      f"messages of that file", line=node.sourceline, element_id=node.get("id")))
                            continue
                        checked.deployed_bpmn[file_name] = xml
            else:
                checked.report(name, Warn(f'calls the process "{called}", which is not deployed yet: a path that '
                                          f"gets here stops with an incident until it is; deploy it (or add its "
                                          f"file), then retry the path"), line=node.sourceline,
                               element_id=node.get("id"))


def _prescan(name, text):
    """Problems found by reading the XML before SpiffWorkflow parses it (see engine.diagrams.xml_checks)."""
    return [Problem(name, message, line=line, element_id=element_id)
            for message, line, element_id in reference_problems(text)]


def _check_process(checked, process_id, known_forms):
    file_name = checked.process_file(process_id)
    try:
        spec = checked.parser.get_spec(process_id)
        subprocess_specs = {key: spec for key, spec in called_specs(checked.parser, process_id).items() if spec}
    except ValidationException as exc:
        checked.problems.append(problem_from_validation(checked, exc))
        return None
    except Exception as exc:  # noqa: BLE001 -- a failure of the library, not of the file: logged in full
        unexpected_failure(checked, file_name, process_id, exc)
        return None
    for process_spec in [spec, *subprocess_specs.values()]:
        spec_file = checked.process_file(process_spec.name) if process_spec.name in checked.parser.process_parsers \
            else file_name
        if spec_file not in checked.bpmn:
            continue  # an already deployed called process was checked when it was deployed
        for task_spec in process_spec.task_specs.values():
            element_id = element_of(task_spec)
            try:
                messages = _check_task_spec(task_spec, checked, known_forms)
            except Exception as exc:  # noqa: BLE001 -- our check failed, not the file: logged in full
                unexpected_failure(checked, spec_file, element_id, exc)
                continue
            for problem in messages:
                checked.report(spec_file, problem, element_id=element_id,
                               line=line_of(checked.bpmn.get(spec_file), element_id))
    return [spec, *subprocess_specs.values()]


def _check_semantics(checked, specs, known_forms):
    """Variables, functions, gateways and timers, judged across every process in the files."""
    forms = {**known_forms, **checked.forms, **checked.task_forms}
    known = known_variables(specs, forms)
    option_fields_by_key = option_fields(forms)
    reported = set()
    for process_spec in specs:
        spec_file = checked.parser.get_process_parser(process_spec.name).filename \
            if process_spec.name in checked.parser.process_parsers else ""
        if spec_file not in checked.bpmn:
            continue  # an already deployed called process was checked when it was deployed
        for task_spec in process_spec.task_specs.values():
            element_id = element_of(task_spec)
            try:
                messages = task_problems(task_spec, known, option_fields_by_key)
            except Exception as exc:  # noqa: BLE001 -- our check failed, not the file: logged in full
                unexpected_failure(checked, spec_file, element_id, exc)
                continue
            for message in messages:
                key = (spec_file, element_id, message)
                if key not in reported:
                    reported.add(key)
                    checked.report(spec_file, message, element_id=element_id,
                                   line=line_of(checked.bpmn.get(spec_file), element_id))


def element_of(task_spec):
    """The diagram element a task spec stands for (the source task of an implicit split)."""
    return task_spec.bpmn_id or getattr(task_spec, "source_id", None)


def _check_task_spec(task_spec, checked, known_forms):
    """Messages about one task spec: forms, assignment, expressions, scripts."""
    messages = []
    if isinstance(task_spec, UserTask):
        attributes = task_spec.extensions.get("camunda", {})
        form_ref, schema, form_messages = resolve_task_form(task_spec, {**known_forms, **checked.forms},
                                                            checked.form_files, checked.html)
        messages.extend(form_messages)
        if schema is not None:
            checked.task_forms[form_ref] = schema
        for key in sorted(set(field_keys(schema) if isinstance(schema, dict) else ()) & DIRECTORY_VARIABLES):
            messages.append(Warn(f'the form field "{key}" names a variable the org directory sets: a completion '
                                 f"cannot change it (an answer other than its value is refused); rename the field"))
        messages.extend(people_problems(attributes, task_spec.lane, checked.directory))
        for name in ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority"):
            value = attributes.get(name)
            if value and ("${" in value or "#{" in value) and not is_timer_text(value):
                messages.extend(_expression_problem(value, f"the {name} expression"))
    messages.extend(start_form_messages(task_spec))
    if isinstance(task_spec, ExclusiveGateway) or hasattr(task_spec, "cond_task_specs"):
        for condition, _target in getattr(task_spec, "cond_task_specs", []):
            text = condition.args[0] if hasattr(condition, "args") and condition.args else condition
            if isinstance(text, str) and text.strip():
                messages.extend(_expression_problem(text, "a condition on an outgoing flow"))
    if isinstance(task_spec, ScriptTask) and is_javascript(task_spec.script):
        messages.extend(filter(None, [javascript_problem(task_spec.script, "the script")]))
    elif isinstance(task_spec, ScriptTask):
        try:
            compile_script(task_spec.script)
        except (ExpressionSyntaxError, SyntaxError) as exc:
            messages.append(f"the script cannot run: {exc}")
    return messages


def _expression_problem(expression, what):
    if is_javascript(expression):
        return list(filter(None, [javascript_problem(expression, what)]))
    try:
        compile_expression(expression)
    except (ExpressionSyntaxError, SyntaxError) as exc:
        return [f"{what} {expression!r} cannot be read: {expression_error(expression, exc)}"]
    return []


