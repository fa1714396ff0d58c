"""What a multi-instance marker must say to run here, read from the XML before SpiffWorkflow parses it.

`camunda:collection` names the variable holding the list an activity runs once per item of, as a plain name
(`stakeholders`) or as Camunda Modeler writes it (`${stakeholders}`); the loop cardinality and the completion
condition are expressions. SpiffWorkflow accepts any text there and fails at run time (a collection `${` becomes
a variable nobody can set), so what cannot work is refused at deploy, naming the element and its line.
"""
import re

from engine.scripts.expressions import ExpressionSyntaxError
from engine.scripts.restricted import compile_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_WRAPPED_NAME = re.compile(r"^[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


def collection_variable(text):
    """The variable a camunda:collection names (`stakeholders` for `stakeholders` or `${stakeholders}`), or
    None when the text names no variable."""
    text = (text or "").strip()
    match = _WRAPPED_NAME.match(text)
    if match:
        return match.group(1)
    return text if text.isidentifier() and not text.startswith("_") else None


def multi_instance_problems(root):
    """(message, line, element id) for each multi-instance marker of a parsed BPMN file whose collection,
    element variable, loop cardinality or completion condition cannot work."""
    problems = []
    for node in root.iter(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics"):
        owner = node.getparent()
        element_id = owner.get("id") if owner is not None else None
        collection = node.get(f"{{{CAMUNDA_NS}}}collection")
        if collection is not None and collection_variable(collection) is None:
            problems.append((_collection_message(collection), node.sourceline, element_id))
        variable = node.get(f"{{{CAMUNDA_NS}}}elementVariable")
        if variable is not None and not (variable.strip().isidentifier() and not variable.strip().startswith("_")):
            problems.append((f"the element variable {variable!r} (camunda:elementVariable) cannot name a variable: "
                             f"use a plain name such as stakeholder", node.sourceline, element_id))
        for child, what in (("loopCardinality", "loop cardinality"), ("completionCondition", "completion condition")):
            for expression in node.iter(f"{{{BPMN_NS}}}{child}"):
                if (expression.get("language") or "python").lower() not in ("python", "juel"):
                    continue  # JavaScript is checked where it runs
                message = _expression_message(expression.text, what)
                if message:
                    problems.append((message, expression.sourceline, element_id))
    return problems


def _collection_message(collection):
    text = collection.strip()
    if not text:
        return ("the multi-instance collection (camunda:collection) is empty: name the variable that holds the "
                "list, e.g. ${stakeholders}")
    if text.startswith(("${", "#{")) and _readable(text):
        return (f"the multi-instance collection {collection!r} (camunda:collection) must name a variable, e.g. "
                f"${{stakeholders}}: compute other lists first (a script task or an input mapping) into a variable")
    return (f"the multi-instance collection {collection!r} (camunda:collection) cannot be read: name the variable "
            f"that holds the list, e.g. ${{stakeholders}}")


def _readable(text):
    try:
        compile_expression(text)
    except (ExpressionSyntaxError, SyntaxError, ValueError):
        return False
    return True


def _expression_message(text, what):
    """Why a loop cardinality or completion condition cannot be read, or None when it can."""
    if text is None or not text.strip():
        return f"the {what} is empty: write an expression such as ${{count}}, or remove it"
    if not _readable(text.strip()):
        return f"the {what} {text.strip()!r} cannot be read: write an expression such as ${{count}}"
    return None
