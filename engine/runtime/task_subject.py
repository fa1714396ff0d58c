"""What one activation of a user task is about, from the diagram.

A user task may carry the extension property `subject` (Camunda Modeler:
Extension properties), a text with `${...}` expressions evaluated against the
task's data when the task becomes ready, e.g.
`<camunda:property name="subject" value="${milestone['title']}"/>` on a task of a
process called once per milestone, or `round ${approval_round}`. The result is
stored on the task row and shown with the step's name in the inbox, the task
page, messages and history, so that two activations of the same step read
differently. Python knows no step names: the diagram says what a task is about.
"""
import logging
import re

from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.scripts.restricted import ScriptError
from engine.scripts.expressions import ExpressionSyntaxError

log = logging.getLogger(__name__)
SUBJECT_PROPERTY = "subject"
_EXPRESSION = re.compile(r"[$#]\{(.+?)\}")
MAX_LENGTH = 300


def subject_template(spec):
    """The `subject` extension property of a task spec, or None."""
    value = (getattr(spec, "extensions", None) or {}).get(SUBJECT_PROPERTY)
    return value.strip() if isinstance(value, str) and value.strip() else None


def task_subject(task):
    """The subject of a READY user task: its template with each `${...}` replaced by its value (empty values
    drop out). An expression that fails leaves the task without a subject rather than stopping the path: the
    subject only labels the task."""
    template = subject_template(task.task_spec)
    if template is None:
        return None
    engine = task.workflow.script_engine

    def value_of(match):
        result = engine.evaluate(task, "${" + match.group(1) + "}")
        return "" if result is None else str(result)

    try:
        text = _EXPRESSION.sub(value_of, template)
    except (SpiffWorkflowException, ScriptError, ExpressionSyntaxError, NameError, KeyError, TypeError) as exc:
        log.warning("subject of %s could not be evaluated: %s", task.task_spec.bpmn_id, exc)
        return None
    text = " ".join(text.split())
    return text[:MAX_LENGTH] or None
