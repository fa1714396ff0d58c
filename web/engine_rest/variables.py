"""Typed variables as Camunda sends them: `{name: {"value", "type", "valueInfo"}}` to plain values."""
from .common import InvalidRequest

TYPES = {
    "string": str, "integer": int, "long": int, "short": int, "double": float, "boolean": bool,
    "json": None, "object": None, "date": str, "null": None,
}


def from_typed(raw):
    """Camunda's `{name: {value, type}}` as plain process variables; ValidationFailed naming the variable."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidRequest("`variables` must be an object of {name: {value, type}}.",
                               {"variables": "must be an object"})
    result, errors = {}, {}
    for name, entry in raw.items():
        if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
            errors[f"variables.{name}"] = "a variable name must be a plain identifier"
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            errors[f"variables.{name}"] = "expected {\"value\": ..., \"type\": ...}"
            continue
        kind = str(entry.get("type") or "").lower()
        value = entry["value"]
        if kind and kind not in TYPES:
            errors[f"variables.{name}"] = f"the type {entry.get('type')!r} is not supported"
            continue
        expected = TYPES.get(kind)
        if expected is bool and not isinstance(value, bool) or expected in (int, float) and (
                isinstance(value, bool) or not isinstance(value, (int, float))):
            errors[f"variables.{name}"] = f"the value {value!r} is not of type {entry.get('type')}"
            continue
        if expected is str and not isinstance(value, str):
            errors[f"variables.{name}"] = f"the value {value!r} is not text"
            continue
        result[name] = value
    if errors:
        raise InvalidRequest("Some variables cannot be used; nothing was started.", errors)
    return result
