"""Expressions as diagrams write them: Python, or simple JUEL as Camunda Modeler writes it.

`to_python` turns `${approved}`, `#{amount > 100 && !vip}` or `${a eq 'x'}` into
the equivalent Python expression; plain Python passes through unchanged.
Timer texts that Camunda Modeler writes unquoted (`P7D`, `PT2S`, `R3/PT10M`,
ISO dates) are recognised so they evaluate to themselves.
"""
import re

JUEL_WRAPPED = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)

ISO_DURATION = r"-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
ISO_TIMER_TEXT = re.compile(
    rf"^\s*(R\d*/({ISO_DATETIME}/)?{ISO_DURATION}(/{ISO_DATETIME})?|{ISO_DURATION}|{ISO_DATETIME})\s*$"
)

_WORD_OPERATORS = {
    "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
    "and": "and", "or": "or", "not": "not", "div": "/", "mod": "%",
    "true": "True", "false": "False", "null": "None", 
}


class ExpressionSyntaxError(ValueError):
    """An expression that is neither valid Python nor translatable JUEL."""


def is_timer_text(text):
    """True when `text` is an unquoted ISO 8601 duration, date or cycle."""
    return bool(text) and bool(ISO_TIMER_TEXT.match(text))


def is_juel(text):
    """True when the expression is wrapped in `${...}` or `#{...}`."""
    return bool(text) and bool(JUEL_WRAPPED.match(text))


def to_python(text):
    """Translate an expression to Python source; raise ExpressionSyntaxError if impossible."""
    if text is None:
        raise ExpressionSyntaxError("the expression is empty")
    match = JUEL_WRAPPED.match(text)
    if not match:
        return text.strip()
    return _translate_juel(match.group(1))


def _translate_juel(body):
    """Rewrite JUEL operators to Python, leaving string literals untouched."""
    pieces = []
    for code, string in _STRING_SPLIT.findall(body):
        if string:
            pieces.append(string)
            continue
        code = _EMPTY_OPERAND.sub(r"is_empty(\1)", code)
        code = code.replace("&&", " and ").replace("||", " or ")
        code = _BANG.sub(" not ", code)
        code = _WORD.sub(lambda m: _WORD_OPERATORS.get(m.group(0), m.group(0)), code)
        pieces.append(code)
    return " ".join("".join(pieces).split()) if not _HAS_STRING.search(body) else "".join(pieces).strip()


_STRING_SPLIT = re.compile(r"""([^'"]+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", re.S)
_HAS_STRING = re.compile(r"""['"]""")
_EMPTY_OPERAND = re.compile(r"\bempty\s+([A-Za-z_][\w.]*(?:\[[^\]]*\])*)")
_BANG = re.compile(r"!(?!=)")
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")


def empty(value):
    """JUEL's `empty`: None, empty string, or empty collection."""
    if value is None:
        return True
    try:
        return len(value) == 0
    except TypeError:
        return False


def condition_text(condition):
    """The expression text of a Spiff condition object (or a plain string)."""
    if hasattr(condition, "args") and condition.args:
        return condition.args[0]
    return condition if isinstance(condition, str) else None
