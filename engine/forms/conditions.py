"""Fields required only in some cases: the `requiredWhen` custom property of a form-js field.

form-js can hide a field on a condition, but it cannot make a field required on
one. A field may carry the custom property `requiredWhen` (form editor: the
field's "Custom properties" group) holding an expression, in FEEL (`=decision =
"modify"`, `decision = "modify"`) or JUEL/Python (`${decision == 'modify'}`),
over the form's answers and the task's data. When it is true, the field is
required, with the same message as a required field; when false, or when it
cannot be evaluated (a name that has no value yet), it is optional. Deploy
refuses an expression that cannot be read.
"""
from engine.scripts.feel import feel_to_python
from engine.scripts.expressions import ExpressionSyntaxError
from engine.scripts.scripting import RestrictedEnvironment
from engine.scripts.restricted import ScriptError, compile_expression

REQUIRED_WHEN = "requiredWhen"
_ENVIRONMENT = RestrictedEnvironment()


def required_when(component):
    """The component's `requiredWhen` expression text (without a leading "="), or None."""
    value = (component.get("properties") or {}).get(REQUIRED_WHEN)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().removeprefix("=").strip()


def condition_problem(component):
    """What is wrong with a component's `requiredWhen` expression, or None."""
    text = required_when(component)
    if text is None:
        return None
    try:
        compile_expression(feel_to_python(text))
    except ExpressionSyntaxError:
        return (f'the custom property requiredWhen "{text}" is not an expression that can be read; write a '
                f'comparison such as decision = "modify"')
    return None


def is_required(component, answers, context):
    """True when the field is required: `validate.required`, or its `requiredWhen` holds for these answers
    (over the task's data)."""
    if (component.get("validate") or {}).get("required"):
        return True
    text = required_when(component)
    if text is None:
        return False
    scope = dict(context or {})
    scope.update(answers if isinstance(answers, dict) else {})
    try:
        return bool(_ENVIRONMENT.evaluate(feel_to_python(text), scope))
    except (ExpressionSyntaxError, ScriptError, NameError, KeyError, TypeError, ValueError, AttributeError):
        return False
