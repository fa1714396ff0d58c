"""Camunda's variable filters, shared by the instance, task and history queries: `name_eq_value` in query
strings (comma-separated) and `[{"name", "operator", "value"}]` in POST bodies."""
import json
import operator
import re

from .common import InvalidRequest

OPERATORS = {"eq": operator.eq, "neq": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
             "lteq": operator.le, "like": None}


def _plain(text):
    """A query-string value as Camunda reads it: true/false, a number, or text."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return json.loads(text) if text.strip() and text.strip()[0] in "-0123456789" else text
    except ValueError:
        return text


def variable_filters(raw, field="variables"):
    """[(name, operator, value)] from either form; 400 naming the bad entry."""
    if raw in (None, "", []):
        return []
    entries = []
    if isinstance(raw, str):
        for part in raw.split(","):
            pieces = part.split("_")
            found = None
            for index in range(1, len(pieces) - 1):
                if pieces[index] in OPERATORS:
                    found = ("_".join(pieces[:index]), pieces[index], _plain("_".join(pieces[index + 1:])))
                    break
            if found is None or not found[0]:
                raise InvalidRequest(f"The variable filter {part!r} is not name_operator_value (operators: "
                                     f"{', '.join(OPERATORS)}).", {field: f"bad filter {part!r}"})
            entries.append(found)
        return entries
    if not isinstance(raw, list):
        raise InvalidRequest(f"{field} must be a list of {{name, operator, value}}.", {field: "not a list"})
    for entry in raw:
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and entry.get("operator") in OPERATORS and "value" in entry):
            raise InvalidRequest(f"Each of {field} needs name, operator ({', '.join(OPERATORS)}) and value.",
                                 {field: f"bad filter {entry!r}"})
        entries.append((entry["name"], entry["operator"], entry["value"]))
    return entries


def matches(data, filters):
    """True when the variables `data` meet every filter (a missing variable or a mismatched type does not)."""
    for name, op, expected in filters:
        if name not in data:
            return False
        actual = data[name]
        if op == "like":
            if not isinstance(actual, str) or not isinstance(expected, str):
                return False
            if not _like(actual, expected):
                return False
            continue
        try:
            if not OPERATORS[op](actual, expected):
                return False
        except TypeError:
            return False
    return True


def _like(text, pattern):
    """SQL LIKE (`%`, `_`) on text."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def sorting(params, columns):
    """ORDER BY expressions from `sortBy`+`sortOrder` (GET) or `sorting: [{sortBy, sortOrder}]` (POST), keyed
    in `columns` by Camunda's sort names; 400 for an unknown name or a missing half."""
    requested = params.get("sorting")
    if requested is None:
        by, order = params.get("sortBy"), params.get("sortOrder")
        if by is None and order is None:
            return []
        if by is None or order is None:
            raise InvalidRequest("Only a single sorting parameter specified. sortBy and sortOrder required",
                                 {"sortBy" if by is None else "sortOrder": "missing"})
        requested = [{"sortBy": by, "sortOrder": order}]
    if not isinstance(requested, list):
        raise InvalidRequest("sorting must be a list of {sortBy, sortOrder}.", {"sorting": "not a list"})
    clauses = []
    for entry in requested:
        by = entry.get("sortBy") if isinstance(entry, dict) else None
        order = entry.get("sortOrder") if isinstance(entry, dict) else None
        if by not in columns:
            raise InvalidRequest(f"Cannot set query parameter 'sortBy' to value '{by}': use one of "
                                 f"{', '.join(sorted(columns))}.", {"sortBy": f"unknown sort {by!r}"})
        if order not in ("asc", "desc"):
            raise InvalidRequest(f"Cannot set query parameter 'sortOrder' to value '{order}': use asc or desc.",
                                 {"sortOrder": f"unknown order {order!r}"})
        column = columns[by]
        clauses.append(column.asc() if order == "asc" else column.desc())
    return clauses
