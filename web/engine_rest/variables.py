"""Typed variables as Camunda sends and answers them, converted in this one place, both ways.

On the wire a variable is `{"value", "type", "valueInfo"}` with the types String, Boolean, Integer, Short,
Long, Double, Date (`yyyy-MM-dd'T'HH:mm:ss.SSSZ`), Json (the value is JSON text), Object with
`serializationDataFormat: application/json`, and Null. In a path they are plain JSON values: text, numbers,
booleans, dicts and lists. A Date is kept as text in Camunda's format, in UTC (`2026-12-01T08:30:00.000+0000`,
so dates compare as text in expressions), and such text is answered as a Date again.
"""
import json
import re
from datetime import datetime

from engine.json_limits import JSONTooDeep, depth_exceeds, loads_limited

from ..request_limits import max_json_depth
from .common import InvalidRequest, camunda_time, parse_camunda_time

INT_RANGE = (-2 ** 31, 2 ** 31 - 1)
LONG_RANGE = (-2 ** 63, 2 ** 63 - 1)
SHORT_RANGE = (-2 ** 15, 2 ** 15 - 1)
CAMUNDA_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
TYPE_NAMES = {"string": "String", "boolean": "Boolean", "integer": "Integer", "short": "Short", "long": "Long",
              "double": "Double", "date": "Date", "json": "Json", "object": "Object", "null": "Null"}


def to_typed(value):
    """A plain value as Camunda's `{"value", "type", "valueInfo"}`."""
    if value is None:
        return {"value": None, "type": "Null", "valueInfo": {}}
    if isinstance(value, bool):
        return {"value": value, "type": "Boolean", "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if INT_RANGE[0] <= value <= INT_RANGE[1] else "Long"
        return {"value": value, "type": kind, "valueInfo": {}}
    if isinstance(value, float):
        return {"value": value, "type": "Double", "valueInfo": {}}
    if isinstance(value, datetime):
        return {"value": camunda_time(value), "type": "Date", "valueInfo": {}}
    if isinstance(value, str) and CAMUNDA_DATE.fullmatch(value):
        return {"value": value, "type": "Date", "valueInfo": {}}
    if isinstance(value, (dict, list, tuple)):
        return {"value": json.dumps(value, default=str, separators=(",", ":")), "type": "Json", "valueInfo": {}}
    return {"value": str(value), "type": "String", "valueInfo": {}}


def typed_map(values, names=None):
    """`{name: typed value}` for a dict of plain values (only `names` when given), sorted by name."""
    return {name: to_typed(values[name]) for name in sorted(values)
            if (names is None or name in names) and not name.startswith("_")}


def check_name(name, field="variables"):
    """400 unless `name` can name a process variable (a plain identifier)."""
    if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
        raise InvalidRequest(f"{name!r} cannot name a variable: use a plain identifier such as review_date.",
                             {f"{field}.{name}": "a variable name must be a plain identifier"})
    return name


def from_typed_value(name, entry, field="variables"):
    """One `{"value", "type", "valueInfo"}` as a plain value; InvalidRequest naming the variable otherwise."""
    where = f"{field}.{name}"
    if not isinstance(entry, dict) or "value" not in entry:
        raise InvalidRequest(f"The variable {name} must be sent as {{\"value\": ..., \"type\": ...}}.",
                             {where: "expected {\"value\": ..., \"type\": ...}"})
    value, given = entry["value"], entry.get("type")
    kind = str(given or "").lower()
    if kind and kind not in TYPE_NAMES:
        raise InvalidRequest(f"The variable {name} has the type {given!r}, which is not supported: use String, "
                             f"Boolean, Integer, Long, Double, Date, Json or Null.",
                             {where: f"the type {given!r} is not supported"})
    try:
        return _convert(kind, value, entry.get("valueInfo") or {})
    except JSONTooDeep as exc:
        raise InvalidRequest(f"The value of the variable {name} is nested more than {exc.limit} levels deep; "
                             f"send flatter data. Nothing was changed.",
                             {where: f"nested more than {exc.limit} levels"}) from None
    except (ValueError, TypeError):
        raise InvalidRequest(f"The value {value!r} of the variable {name} is not of type {given or 'any'}.",
                             {where: f"the value {value!r} is not of type {given}"}) from None


def _convert(kind, value, value_info):
    """The plain value of a typed value; ValueError/TypeError when the value does not fit its type."""
    if value is None:
        return None  # any type may carry null, as in Camunda
    if not kind:  # untyped: as JSON gives it (Camunda infers the type)
        return _not_too_deep(value)
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(kind)
        return value
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise TypeError(kind)
        return value
    if kind in ("integer", "short", "long"):
        number = int(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int):
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            else:
                raise TypeError(kind)
        low, high = {"integer": INT_RANGE, "short": SHORT_RANGE, "long": LONG_RANGE}[kind]
        if not low <= number <= high:
            raise ValueError(kind)
        return number
    if kind == "double":
        number = float(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise TypeError(kind)
        return float(number)
    if kind == "date":
        if not isinstance(value, str):
            raise TypeError(kind)
        try:
            return camunda_time(parse_camunda_time(value, "value"))
        except InvalidRequest:
            raise ValueError(kind) from None
    if kind in ("json", "object"):
        if kind == "object" and value_info.get("serializationDataFormat") not in (None, "application/json"):
            raise TypeError(kind)
        return loads_limited(value, max_json_depth()) if isinstance(value, str) else _not_too_deep(value)
    return None  # null


def _not_too_deep(value):
    """`value`, unless it nests deeper than JSON bodies may (JSONTooDeep): a typed value's text is parsed apart
    from the body, so the body's limit is applied to it again."""
    limit = max_json_depth()
    if depth_exceeds(value, limit):
        raise JSONTooDeep(limit)
    return value


def from_typed(raw, field="variables"):
    """Camunda's `{name: {value, type, valueInfo}}` as plain process variables; InvalidRequest naming every
    variable that cannot be used (nothing is changed then)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidRequest(f"`{field}` must be an object of {{name: {{value, type}}}}.", {field: "must be an object"})
    result, errors = {}, {}
    for name, entry in raw.items():
        try:
            result[check_name(name, field)] = from_typed_value(name, entry, field)
        except InvalidRequest as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidRequest("Some variables cannot be used; nothing was changed: "
                             + "; ".join(f"{k}: {v}" for k, v in sorted(errors.items())) + ".", errors)
    return result
