"""The restricted Python that diagram scripts and expressions are written in.

Scripts and expressions are compiled with RestrictedPython (no imports, no underscore attributes, guarded item
and attribute access, limited builtins); arithmetic and sequence building are capped; `Limits` bounds time
and memory of what runs in-process. `LocalEnvironment` evaluates in the current process with these guards:
a sandbox worker uses it under the operating system's limits, and engine.scripts.scripting builds on it.
Dictionaries allow attribute access (`review.reviewer`) as JUEL does.
"""
import ast
import sys
import threading
import time
import tracemalloc
from functools import lru_cache
from types import ModuleType

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.transformer import RestrictingNodeTransformer
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.scripts.expressions import ExpressionSyntaxError, empty, is_timer_text, to_python


SCRIPT_TIME_LIMIT = 2.0  # seconds per script or expression
SCRIPT_MEMORY_LIMIT = 256 * 1024 * 1024  # bytes a script may allocate
MAX_SEQUENCE = 1_000_000  # items (or characters) one operation may build
MAX_INT_BITS = 100_000  # bits one arithmetic result may have

# Builtins RestrictedPython would allow that diagrams have no use for.
_WITHHELD_BUILTINS = {"setattr", "delattr", "__build_class__", "id", "_getattr_"}

_EXTRA_BUILTINS = {
    name: getattr(__builtins__, name) if not isinstance(__builtins__, dict) else __builtins__[name]
    for name in ("list", "dict", "set", "min", "max", "sum", "any", "all", "enumerate", "reversed", "map", "filter")
}


def available_builtins():
    """Names of the builtins diagram scripts and expressions may use."""
    return (set(safe_builtins) - _WITHHELD_BUILTINS) | set(_EXTRA_BUILTINS) | {"range", "pow"}


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


class ScriptLimitExceeded(ScriptError):
    """A script tried to build something too large (a sequence, a number, memory)."""


_SEQUENCES = (str, bytes, list, tuple)


def _binop(op, a, b):
    """`*`, `**`, `<<` and `+` in diagram code, refused when the result would be huge."""
    if op == "Mult":
        for seq, times in ((a, b), (b, a)):
            if isinstance(seq, _SEQUENCES) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                raise ScriptLimitExceeded(f"repeating a sequence {times} times would build more than "
                                          f"{MAX_SEQUENCE:,} items")
        return a * b
    if op == "Add":
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_SEQUENCE:
            raise ScriptLimitExceeded(f"joining these would build more than {MAX_SEQUENCE:,} items")
        return a + b
    if op == "Pow":
        return _limited_pow(a, b)
    if op == "LShift":
        if isinstance(b, int) and b > MAX_INT_BITS:
            raise ScriptLimitExceeded(f"shifting by {b} bits would build a number over {MAX_INT_BITS:,} bits")
        return a << b
    raise ScriptError(f"operator {op} is not allowed in scripts")


def _limited_pow(base, exponent, modulo=None):
    if modulo is None and isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * abs(base).bit_length() > MAX_INT_BITS:
            raise ScriptLimitExceeded(f"{base} ** {exponent} would be a number over {MAX_INT_BITS:,} bits")
    return pow(base, exponent) if modulo is None else pow(base, exponent, modulo)


def _limited_range(*args):
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise ScriptLimitExceeded(f"a range of {len(result):,} numbers is over the limit of {MAX_SEQUENCE:,}")
    return result


_INPLACE = {"+=": "Add", "*=": "Mult", "**=": "Pow", "<<=": "LShift"}
_PLAIN_INPLACE = {"-=": lambda a, b: a - b, "/=": lambda a, b: a / b, "//=": lambda a, b: a // b,
                  "%=": lambda a, b: a % b}


def _inplacevar(op, x, y):
    """Support `a += b` and friends inside scripts, with the same limits as the plain operators."""
    if op in _INPLACE:
        return _binop(_INPLACE[op], x, y)
    if op in _PLAIN_INPLACE:
        return _PLAIN_INPLACE[op](x, y)
    raise ScriptError(f"operator {op} is not allowed in scripts")


class DiagramPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus size checks on the operators that can build huge values."""

    GUARDED = {ast.Mult: "Mult", ast.Pow: "Pow", ast.LShift: "LShift", ast.Add: "Add"}

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        name = self.GUARDED.get(type(node.op))
        if name is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(name), node.left, node.right],
                        keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


# Diagram code is compiled under these names; only its frames are traced for the limits below.
EXPRESSION_FILE, SCRIPT_FILE = "<expression>", "<script>"
DIAGRAM_FILES = frozenset((EXPRESSION_FILE, SCRIPT_FILE))


@lru_cache(maxsize=2048)
def compile_expression(text):
    """Compile a diagram expression (Python or JUEL) to restricted code; cached by text."""
    source = to_python(text)
    result = compile_restricted_eval(source, EXPRESSION_FILE, policy=DiagramPolicy)
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
    result = compile_restricted_exec(text or "", SCRIPT_FILE, policy=DiagramPolicy)
    if result.errors:
        raise ExpressionSyntaxError("; ".join(result.errors))
    return result.code


class Limits:
    """Stop a running script once its time or its memory is used up (checked on every traced line)."""

    _tracing = 0
    _lock = threading.Lock()

    def __init__(self, seconds, memory):
        self.seconds = seconds
        self.memory = memory

    def __enter__(self):
        with Limits._lock:
            if Limits._tracing == 0 and not tracemalloc.is_tracing():
                tracemalloc.start()
            Limits._tracing += 1
        self.base = tracemalloc.get_traced_memory()[0]
        self.ends_at = time.monotonic() + self.seconds
        self.previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def _trace(self, frame, event, arg):
        # Our own functions (skills_for_role's query, say) run untraced: tracing every line of SQLAlchemy made
        # one call take 50 ms. Code the diagram defines (a generator it hands to a function) is still traced.
        if frame.f_code.co_filename not in DIAGRAM_FILES:
            return None
        if time.monotonic() > self.ends_at:
            raise ScriptTimeout(f"the script ran longer than {self.seconds:g} seconds")
        if tracemalloc.get_traced_memory()[0] - self.base > self.memory:
            raise ScriptLimitExceeded(f"the script used more than {self.memory // (1024 * 1024)} MB of memory")
        return self._trace

    def __exit__(self, *exc):
        sys.settrace(self.previous)
        with Limits._lock:
            Limits._tracing -= 1
            if Limits._tracing == 0:
                tracemalloc.stop()
        return False


class LocalEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts in this process with RestrictedPython guards and no time or
    memory limit of its own: what a sandbox worker runs under the operating system's limits."""

    def __init__(self, functions=None, time_limit=SCRIPT_TIME_LIMIT, memory_limit=SCRIPT_MEMORY_LIMIT):
        builtins = {name: value for name, value in safe_builtins.items() if name not in _WITHHELD_BUILTINS}
        builtins.update(_EXTRA_BUILTINS)
        builtins.update(range=_limited_range, pow=_limited_pow)
        base = {
            "__builtins__": builtins,
            "_getattr_": _getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": default_guarded_getiter,
            "_write_": full_write_guard,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_inplacevar_": _inplacevar,
            "_binop_": _binop,
            "is_empty": empty,
        }
        self.functions = {name: value for name, value in (functions or {}).items() if callable(value)}
        base.update(functions or {})
        super().__init__(base)
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def evaluate_here(self, expression, context, external_context=None):
        """Evaluate in this process without limits: what a sandbox worker does, its OS limits applying."""
        if is_timer_text(expression):
            return expression.strip()
        return eval(compile_expression(expression), self._scope(context, external_context))

    def execute_here(self, script, context, external_context=None):
        """Run a script in this process without limits (a sandbox worker's part); returns its variables."""
        scope = self._scope(context, external_context)
        exec(compile_script(script), scope)
        return scope

    def _scope(self, context, external_context):
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return scope
