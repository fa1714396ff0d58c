"""Checks of what a process needs to run here, beyond what SpiffWorkflow's parser checks.

Each function takes parsed specs (and the forms they use) and returns messages
per element id, in words a process owner understands.
"""
import ast

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.diagrams.external_specs import implementation_problems
from engine.scripts.expressions import ExpressionSyntaxError, condition_text, is_juel, is_timer_text, to_python
from engine.forms.formjs import OPTION_TYPES, field_keys
from engine.scripts.javascript import is_javascript, javascript_assigned_names, javascript_syntax_error, unmark
from engine.errors import Warn
from engine.scripts.vocabulary import FUNCTION_NAMES
from engine.scripts.restricted import available_builtins
from engine.diagrams.time_values import (
    date_attribute_problem, literal_timer_problem, timer_kind, unreadable_timer_message,
)

START_VARIABLES = {"employee", "employee_name", "department", "job_title", "manager", "manager_name"}
ALWAYS_KNOWN = available_builtins() | set(FUNCTION_NAMES) | {"is_empty", "True", "False", "None"}


def expression_names(text):
    """Names an expression reads (excluding names it binds itself, e.g. in comprehensions)."""
    try:
        tree = ast.parse(to_python(text), mode="eval")
    except (SyntaxError, ExpressionSyntaxError):
        return set()
    return _free_names(tree)


def _free_names(tree):
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


def script_assigned_names(script):
    """Variables a script sets (a JavaScript one through execution.setVariable)."""
    if is_javascript(script):
        return javascript_assigned_names(script)
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def unknown_functions(script):
    """Functions a script calls that it neither defines nor may use."""
    if is_javascript(script):
        return []
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return []
    assigned = script_assigned_names(script)
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    return sorted(called - ALWAYS_KNOWN - assigned)


def known_variables(specs, forms):
    """Every variable that can exist in these processes: start variables, form fields, script outputs..."""
    names = set(START_VARIABLES)
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, ScriptTask):
                names |= script_assigned_names(task_spec.script)
                names |= {task_spec.extensions.get("resultVariable")} - {None}
            if isinstance(task_spec, MultiInstanceTask):
                for ref in (task_spec.data_output, task_spec.output_item, task_spec.data_input,
                            task_spec.input_item):
                    if ref is not None:
                        names.add(ref.bpmn_id)
            call = getattr(task_spec, "dmnEngine", None)
            if call is not None:
                names.add(call.result_variable) if call.result_variable else names.update(call.decision.outputs)
            if getattr(task_spec, "extensions", {}).get("initiator"):
                names.add(task_spec.extensions["initiator"])  # camunda:initiator holds the starting user
            mappings = getattr(task_spec, "extensions", {}).get("mappings") or {}
            names.update(name for name, _value in mappings.get("inputs", []) + mappings.get("outputs", []))
            names.update(m.get("target") for m in mappings.get("in", []) + mappings.get("out", []) if m.get("target"))
    for schema in forms.values():
        names |= set(field_keys(schema))
    return names


def task_problems(task_spec, known, forms_by_key):
    """Messages about one task spec that need the whole process to judge."""
    messages = []
    if isinstance(task_spec, ScriptTask):
        for name in unknown_functions(task_spec.script):
            messages.append(f'the script calls "{name}", which is not a function diagrams may use '
                            f'(available: {", ".join(FUNCTION_NAMES)})')
    messages.extend(implementation_problems(task_spec))
    messages.extend(_mapping_problems(getattr(task_spec, "extensions", {}).get("mappings") or {}))
    if getattr(task_spec, "cond_task_specs", None) is not None:
        messages.extend(_gateway_problems(task_spec, known, forms_by_key))
    if isinstance(task_spec, CatchingEvent):
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            messages.extend(_timer_problems(definition, known))
    if isinstance(task_spec, UserTask):
        for name in ("dueDate", "followUpDate"):
            messages.extend(filter(None, [date_attribute_problem(name, task_spec.extensions.get("camunda", {})
                                                                 .get(name))]))
        for name in ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate"):
            value = task_spec.extensions.get("camunda", {}).get(name)
            if value and is_juel(value):
                messages.extend(_unknown_names(value, known, f"the {name} expression"))
    return messages


def _mapping_problems(mappings):
    """camunda:inputOutput parameters that cannot run or cannot be read."""
    messages = []

    def check(name, value, where):
        kind, content = value
        if kind == "unsupported":
            messages.append(f'the {where} parameter "{name}" uses {content}, which is not supported here: '
                            f"use an expression such as ${{...}}, a text, a list or a map")
        elif kind == "expression" and not _parses(content):
            messages.append(_javascript_parameter_problem(name, where, content) if is_javascript(content) else
                            f'the {where} parameter "{name}" has an expression that cannot be read: {content!r}')
        elif kind in ("list", "map"):
            for item in content:
                check(name, item[1] if kind == "map" else item, where)

    for direction, where in (("inputs", "input"), ("outputs", "output")):
        for name, value in mappings.get(direction, []):
            check(name, value, where)
    for mapping in mappings.get("in", []) + mappings.get("out", []):
        if mapping.get("sourceExpression") and not _parses(mapping["sourceExpression"]):
            messages.append(f"the variable mapping expression {mapping['sourceExpression']!r} cannot be read")
    return messages


def _javascript_parameter_problem(name, where, content):
    return f'the {where} parameter "{name}" is JavaScript that cannot be read: {javascript_syntax_error(unmark(content))}'


def _unknown_names(text, known, what):
    unknown = sorted(expression_names(text) - known - ALWAYS_KNOWN)
    if unknown:
        return [f"{what} {text!r} uses {', '.join(unknown)}, which no form field, script or start variable "
                f"provides"]
    return []


def _gateway_problems(task_spec, known, forms_by_key):
    """Conditions of a gateway (or of the flows leaving a task) that use unknown variables or may all be false:
    warnings, since a start variable or a worker may provide the value and a default flow is optional in BPMN."""
    messages = []
    conditions = [condition_text(c) for c, _target in getattr(task_spec, "cond_task_specs", [])]
    unconditional = len(conditions) - len([c for c in conditions if c])
    conditions = [c for c in conditions if c]
    for text in conditions:
        messages.extend(_warn(message) for message in _unknown_names(text, known, "the condition"))
    has_default = getattr(task_spec, "default_task_spec", None) is not None
    if not isinstance(task_spec, ExclusiveGateway):
        has_default = has_default or unconditional > 0  # an unconditional flow is always taken
    if not all(_parses(text) for text in conditions):
        return messages  # the unreadable condition is reported on its own
    if conditions and not has_default and not _exhaustive(conditions, forms_by_key):
        messages.append(_warn("the conditions on the outgoing flows may all be false; the path would then stop "
                              "with an incident: mark one outgoing flow as the default flow, or make the conditions "
                              "cover every case"))
    return messages


def _warn(text):
    return Warn(text)


def _parses(text):
    if is_javascript(text):
        return javascript_syntax_error(unmark(text)) is None
    try:
        ast.parse(to_python(text), mode="eval")
    except (SyntaxError, ExpressionSyntaxError):
        return False
    return True


def _exhaustive(conditions, forms_by_key):
    """True when the conditions provably cover every case (x / not x, or every option of a required field).
    JavaScript conditions are not judged (as in Camunda): no flow matching at run time is an incident."""
    if any(is_javascript(text) for text in conditions):
        return True
    python = []
    for text in conditions:
        try:
            python.append(ast.parse(to_python(text), mode="eval").body)
        except (SyntaxError, ExpressionSyntaxError):
            return False
    plain = {ast.dump(node) for node in python}
    for node in python:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and ast.dump(node.operand) in plain:
            return True
    if _complementary(python):
        return True
    compared = {}
    for node in python:
        if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)
                and isinstance(node.left, ast.Name) and isinstance(node.comparators[0], ast.Constant)):
            compared.setdefault(node.left.id, set()).add(node.comparators[0].value)
    for name, values in compared.items():
        field = forms_by_key.get(name)
        if field and (field.get("validate") or {}).get("required") and field.get("values"):
            if {option.get("value") for option in field["values"]} <= values:
                return True
    return False


_COMPLEMENTS = {ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_FLIPPED = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}


def _complementary(nodes):
    """True when two conditions are each other's negation: `a > 5` / `a <= 5`, `a == 'x'` / `a != 'x'`, also
    written the other way round (`5 < a`)."""
    seen = set()
    for node in nodes:
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            continue
        left, op, right = node.left, type(node.ops[0]), node.comparators[0]
        if isinstance(left, ast.Constant) and not isinstance(right, ast.Constant) and op in _FLIPPED:
            left, op, right = right, _FLIPPED[op], left
        key = (ast.dump(left), ast.dump(right))
        if (key, _COMPLEMENTS.get(op)) in seen:
            return True
        seen.add((key, op))
    return False


def _timer_problems(definition, known):
    """A timer's value: a literal must parse (ISO 8601 or, for cycles, a cron); an expression must read and
    use only variables that can exist."""
    expression, kind = definition.expression, timer_kind(definition)
    if not expression or not expression.strip():
        return ["the timer has no duration, date or cycle"]
    literal = literal_timer_problem(kind, expression)
    if literal is not False:
        return [literal] if literal else []
    try:
        ast.parse(to_python(expression), mode="eval")
    except (SyntaxError, ExpressionSyntaxError):
        return [unreadable_timer_message(kind, expression, [])]
    if not is_juel(expression):
        unknown = sorted(expression_names(expression) - known - ALWAYS_KNOWN)
        if unknown:
            return [unreadable_timer_message(kind, expression, unknown)]
    return []


def option_fields(forms):
    """Required option fields of the forms by key, to judge gateway conditions."""
    fields = {}

    def walk(components):
        for component in components:
            if component.get("type") in OPTION_TYPES and component.get("key"):
                fields[component["key"]] = component
            walk(component.get("components", []))

    for schema in forms.values():
        walk(schema.get("components", []))
    return fields
