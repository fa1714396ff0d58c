"""Builds what the task form template renders from a form-js schema, values and errors."""
from engine.forms.formjs import INPUT_TYPES, MULTI_VALUE_TYPES, earliest_date, field_label, max_length_of, options_for

from ..markdown import MARKER, render_markdown_with_values
from .form_text import fill_placeholders


NEW_ROW = "__new__"


def _value_at(values, key):
    current = values
    for part in key.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _dom_id(name):
    return "f-" + name.replace(".", "-")


def build_form_view(schema, values, errors, context, extra_rows=None):
    """A list of render nodes (dicts) for the form's components."""
    return _nodes(schema.get("components", []), values or {}, errors or {}, context or {}, "", extra_rows or {})


def _nodes(components, values, errors, context, prefix, extra_rows):
    nodes = []
    for component in components:
        kind = component.get("type")
        if kind == "text":
            text, typed = fill_placeholders(component.get("text"), context, MARKER)
            nodes.append({"type": "text", "html": render_markdown_with_values(text, typed)})
        elif kind in ("separator", "spacer"):
            nodes.append({"type": kind})
        elif kind in INPUT_TYPES:
            nodes.append(_field(component, values, errors, context, prefix))
        elif kind == "group":
            path = component.get("path")
            inner = _value_at(values, path) if path else values
            nodes.append({"type": "group", "label": component.get("label"), "children": _nodes(
                component.get("components", []), inner if isinstance(inner, dict) else {}, errors, context,
                prefix + (path + "." if path else ""), extra_rows)})
        elif kind == "dynamiclist":
            nodes.append(_dynamic_list(component, values, errors, context, prefix, extra_rows))
    return nodes


def _field(component, values, errors, context, prefix):
    kind = component["type"]
    name = prefix + component["key"]
    rules = component.get("validate") or {}
    value = _value_at(values, component["key"])
    if value is None and component.get("defaultValue") is not None:
        value = component["defaultValue"]
    node = {
        "type": kind, "name": name, "id": _dom_id(name),
        "label": field_label(component),
        "description": component.get("description"), "required": bool(rules.get("required")),
        "error": errors.get(name), "readonly": bool(component.get("readonly") or component.get("disabled")),
        "rules": rules, "max_length": max_length_of(component), "subtype": component.get("subtype", "date"),
        "not_before": earliest_date() if component.get("disallowPassedDates") else None,
        "value": value if value is not None else ([] if kind in MULTI_VALUE_TYPES else ""),
    }
    if kind in ("checklist", "radio", "select", "taglist"):
        node["options"] = options_for(component, context)
    return node


def _dynamic_list(component, values, errors, context, prefix, extra_rows):
    path = component["path"]
    name = prefix + path
    rows = _value_at(values, path)
    rows = rows if isinstance(rows, list) else []
    count = max(len(rows), int(component.get("defaultRepetitions", 1) or 0)) + extra_rows.get(name, 0)
    row_nodes = []
    for index in range(max(count, 0)):
        row_values = rows[index] if index < len(rows) and isinstance(rows[index], dict) else {}
        row_nodes.append(_nodes(component.get("components", []), row_values, errors, context,
                                f"{name}.{index}.", extra_rows))
    # An empty row under the index `__new__`, which the page's script copies when someone adds a row.
    template = _nodes(component.get("components", []), {}, {}, context, f"{name}.{NEW_ROW}.", {})
    return {"type": "dynamiclist", "name": name, "id": _dom_id(name), "label": component.get("label") or path,
            "rows": row_nodes, "template": template, "error": errors.get(name), "required": bool((component.get("validate") or {}).get("required")),
            "can_add": component.get("allowAddRemove", True)}
