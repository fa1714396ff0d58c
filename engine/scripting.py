"""The environment that runs diagram scripts and expressions.

Scripts and expressions are compiled with RestrictedPython (no imports, no
underscore attributes, guarded item and attribute access) and run with a time
limit. Dictionaries allow attribute access (`review.reviewer`) as JUEL does.
Only the functions in `engine.script_functions` are available to diagrams.
"""
import ast
import sys
import time
from functools import lru_cache
from types import ModuleType

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .expressions import ExpressionSyntaxError, empty, is_timer_text, to_python

SCRIPT_TIME_LIMIT = 2.0  # seconds per script or expression

_EXTRA_BUILTINS = {
    name: getattr(__builtins__, name) if not isinstance(__builtins__, dict) else __builtins__[name]
    for name in ("list", "dict", "set", "min", "max", "sum", "any", "all", "enumerate", "reversed", "map", "filter")
}


class ScriptError(Exception):
    """A script or expression from a diagram failed; the message says why."""


class ScriptTimeout(ScriptError):
    """A script ran longer than it is allowed to."""


def _getattr(obj, name, default=None):
    """Attribute access for diagrams: dict keys first (JUEL style), then safe attributes."""
    if isinstance(obj, dict) and name in obj:
        return obj[name]
    if isinstance(obj, ModuleType):
        raise ScriptError(f"access to module attribute {name!r} is not allowed")
    return safer_getattr(obj, name, default)


def _inplacevar(op, x, y):
    """Support `a += b` and friends inside scripts."""
    operators = {
        "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
    }
    if op not in operators:
        raise ScriptError(f"operator {op} is not allowed in scripts")
    return operators[op](x, y)


@lru_cache(maxsize=2048)
def compile_expression(text):
    """Compile a diagram expression (Python or JUEL) to restricted code; cached by text."""
    source = to_python(text)
    result = compile_restricted_eval(source, "<expression>")
    if result.errors:
        raise ExpressionSyntaxError("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=512)
def compile_script(text):
    """Compile a diagram script to restricted code; cached by text."""
    try:
        tree = ast.parse(text or "")
    except SyntaxError as exc:
        raise ExpressionSyntaxError(f"line {exc.lineno}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ExpressionSyntaxError(f"line {node.lineno}: imports are not allowed in scripts")
    result = compile_restricted_exec(text or "", "<script>")
    if result.errors:
        raise ExpressionSyntaxError("; ".join(result.errors))
    return result.code


class _Deadline:
    """Stop a running script once its time is up (checked on every traced line)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.ends_at = time.monotonic() + self.seconds
        self.previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def _trace(self, frame, event, arg):
        if time.monotonic() > self.ends_at:
            raise ScriptTimeout(f"the script ran longer than {self.seconds:g} seconds")
        return self._trace

    def __exit__(self, *exc):
        sys.settrace(self.previous)
        return False


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts with RestrictedPython guards and a time limit."""

    def __init__(self, functions=None, time_limit=SCRIPT_TIME_LIMIT):
        builtins = dict(safe_builtins)
        builtins.update(_EXTRA_BUILTINS)
        base = {
            "__builtins__": builtins,
            "_getattr_": _getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": default_guarded_getiter,
            "_write_": full_write_guard,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_inplacevar_": _inplacevar,
            "is_empty": empty,
        }
        base.update(functions or {})
        super().__init__(base)
        self.time_limit = time_limit

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression against task data; unquoted ISO timer texts evaluate to themselves."""
        if is_timer_text(expression):
            return expression.strip()
        code = compile_expression(expression)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        with _Deadline(self.time_limit):
            return eval(code, scope)

    def execute(self, script, context, external_context=None):
        """Run a script; variables it sets or deletes are written back into `context`."""
        code = compile_script(script)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        with _Deadline(self.time_limit):
            exec(code, scope)
        for name in list(context):
            if name not in scope:
                del context[name]
        for name, value in scope.items():
            if name in self.globals or name.startswith("_") or callable(value) or isinstance(value, ModuleType):
                continue
            context[name] = value
        return True


class CareerScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, validating and running expressions in our environment."""

    def __init__(self, functions=None):
        super().__init__(environment=RestrictedEnvironment(functions))

    def validate(self, expression):
        """Raise ExpressionSyntaxError when an expression cannot be compiled."""
        if not is_timer_text(expression):
            compile_expression(expression)
