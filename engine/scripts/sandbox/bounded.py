"""Which diagram expressions may run in the web process: those whose cost is bounded by the size of their
text and of the data they read.

Gateway conditions and assignee expressions are evaluated often and are nearly always plain comparisons
(`decision == 'revise'`, `approved and not vip`), so they stay in-process and cost nothing extra. Anything that
can loop (comprehensions, lambdas), format (`%`, f-strings, methods such as `ljust` or `join`) or grow numbers
(`**`, `<<`) goes to a sandbox worker, where the operating system's limits apply.
"""
import ast
from functools import lru_cache

from engine.scripts.vocabulary import FUNCTION_NAMES

# Functions whose cost is linear in data that already exists; the diagram functions of
# engine.runtime.script_functions (which read the database, bounded by it) are allowed too.
BOUNDED_CALLS = frozenset({"is_empty", "len", "bool", "abs", "str", "int", "float", "round", "min", "max",
                           "any", "all", "sum", "sorted"})

_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
          ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn, ast.Name,
          ast.Load, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Set, ast.Dict,
          ast.IfExp, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.keyword)


@lru_cache(maxsize=4096)
def is_bounded(source):
    """True when the Python expression `source` can neither loop nor build values much larger than its
    inputs, so evaluating it in the web process is safe; False sends it to the sandbox."""
    allowed = BOUNDED_CALLS | frozenset(FUNCTION_NAMES)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in allowed):
                return False
        elif not isinstance(node, _NODES):
            return False
    return True
