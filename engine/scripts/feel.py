"""FEEL as Camunda Modeler writes it, turned into Python: expressions (`feel_to_python`) and the simple unary
tests of decision table cells (`unary_tests_to_python`: lists, comparisons, ranges, `-`, `not(...)`).
JUEL (`${...}`) is accepted wherever FEEL is."""
import re

from engine.scripts.expressions import ExpressionSyntaxError, is_juel, to_python
from engine.scripts.restricted import compile_expression



CELL_INPUT = "cellInput"


_FEEL_TOKEN = re.compile(r'''\s*(?:("(?:[^"\\]|\\.)*")|(\d+(?:\.\d+)?)|([A-Za-z_][\w.]*)|(<=|>=|!=|=|[-+*/<>(),\[\]{}:]))''')


_FEEL_WORDS = {"true": "True", "false": "False", "null": "None", "and": "and", "or": "or", "not": "not"}


def feel_to_python(text):
    """A simple FEEL (or JUEL `${...}`) expression as Python source."""
    text = (text or "").strip()
    if not text:
        raise ExpressionSyntaxError("the expression is empty")
    if is_juel(text):
        return to_python(text)
    pieces, position = [], 0
    while position < len(text):
        match = _FEEL_TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionSyntaxError(f"cannot read {text[position:].strip()!r}")
        string, number, name, operator = match.groups()
        if string is not None:
            pieces.append(string)
        elif number is not None:
            pieces.append(number)
        elif name is not None:
            pieces.append(_FEEL_WORDS.get(name, name))
        elif operator is not None:
            pieces.append("==" if operator == "=" else operator)
        position = match.end()
    python = " ".join(pieces)
    compile_expression(python)
    return python


def _split_top_level(text):
    """Split on commas outside strings, brackets and parentheses."""
    parts, depth, current, quote = [], 0, [], False
    for char in text:
        if char == '"':
            quote = not quote
        elif not quote and char in "([":
            depth += 1
        elif not quote and char in ")]" and depth:
            depth -= 1
        if char == "," and not quote and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


_RANGE = re.compile(r"^([\[\]\(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]\)])$", re.S)


_COMPARISON = re.compile(r"^(<=|>=|<|>|!=)\s*(.+)$", re.S)


def unary_tests_to_python(text):
    """FEEL simple unary tests as a Python boolean expression over `cellInput`; None matches anything."""
    text = (text or "").strip()
    if text in ("", "-"):
        return None
    if is_juel(text):
        return to_python(text)
    negated = re.match(r"^not\s*\((.*)\)$", text, re.S)
    if negated:
        inner = unary_tests_to_python(negated.group(1))
        return f"not ({inner})" if inner else "False"
    tests = []
    for part in _split_top_level(text):
        if not part:
            raise ExpressionSyntaxError(f"an empty test in {text!r}")
        tests.append(_unary_test(part))
    python = " or ".join(f"({test})" for test in tests)
    compile_expression(python)
    return python


def _unary_test(part):
    range_match = _RANGE.match(part)
    if range_match:
        opening, low, high, closing = range_match.groups()
        low_op = "<=" if opening == "[" else "<"
        high_op = "<=" if closing == "]" else "<"
        return f"{feel_to_python(low)} {low_op} {CELL_INPUT} {high_op} {feel_to_python(high)}"
    comparison = _COMPARISON.match(part)
    if comparison:
        return f"{CELL_INPUT} {comparison.group(1)} ({feel_to_python(comparison.group(2))})"
    return f"{CELL_INPUT} == ({feel_to_python(part)})"
