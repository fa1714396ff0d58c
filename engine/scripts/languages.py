"""Scripts and conditions by language, as they run: JavaScript goes to the embedded engine
(engine.scripts.javascript) with an `execution` object as Camunda gives one; Python runs in the restricted
environment. Reading the language from a diagram is engine.diagrams.script_parsing's part."""
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.context import current_instance
from engine.scripts.javascript import (
    JavaScriptError, is_javascript, javascript_syntax_error, run_javascript, to_json_value, unmark,
)

ALTERNATIVES = 'write it in Python (scriptFormat="python") or JavaScript (scriptFormat="javascript")'


def unsupported_language(language, what):
    """The message for a script or condition in a language that does not run here."""
    return f'{what} is written in {language}, which does not run here: {ALTERNATIVES}'


# -- running ------------------------------------------------------------------------------------------------

def _execution_of(task):
    instance = current_instance()
    return {"processInstanceId": str(instance.id) if instance is not None and instance.id else None,
            "businessKey": instance.business_key if instance is not None else None,
            "activityId": task.task_spec.bpmn_id, "processDefinitionId": task.workflow.spec.name}


def _run(task, text):
    try:
        return run_javascript(unmark(text), to_json_value(dict(task.data)), execution=_execution_of(task))
    except JavaScriptError as exc:
        raise WorkflowTaskException(f"JavaScript {exc}", task=task, exception=exc) from None


def execute_javascript(task, script):
    """Run a JavaScript script task: variables it set or removed through `execution` are written back, and
    its last value goes to camunda:resultVariable when the task names one."""
    before = to_json_value(dict(task.data))
    result, after = _run(task, script)
    for name in [name for name in task.data if name in before and name not in after]:
        del task.data[name]
    for name, value in after.items():
        if name not in before or before[name] != value:
            task.data[name] = value
    result_variable = task.task_spec.extensions.get("resultVariable")
    if result_variable:
        task.data[result_variable] = result
    return True


def evaluate_javascript(task, expression):
    """The value of a JavaScript condition or inline script: its last expression."""
    return _run(task, expression)[0]


# -- checking -----------------------------------------------------------------------------------------------

def javascript_problem(text, what):
    """None when marked JavaScript compiles, else a message naming `what` and the line."""
    error = javascript_syntax_error(unmark(text))
    if error is None:
        return None
    return f"{what} is JavaScript that cannot be read: {error}"


def language_of(text):
    """'javascript' or 'python', for messages and checks."""
    return "javascript" if is_javascript(text) else "python"
