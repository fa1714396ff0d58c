"""Submitted answers shown to people: labels from the form, option labels for values."""
from engine.directory.org import display_names
from engine.forms.formjs import INPUT_TYPES, field_label, options_for

from ..extensions import db


def describe_answers(schema, data, context=None):
    """[(label, text)] or [(label, [rows of (label, text)])] for a submission."""
    if not schema or not isinstance(data, dict):
        return []
    return _describe(schema.get("components", []), data, context or {})


def _describe(components, data, context):
    items = []
    for component in components:
        kind = component.get("type")
        if kind in INPUT_TYPES:
            value = _lookup(data, component["key"])
            items.append((field_label(component),
                          _text(component, value, context)))
        elif kind == "group":
            inner = _lookup(data, component["path"]) if component.get("path") else data
            items.extend(_describe(component.get("components", []), inner if isinstance(inner, dict) else {}, context))
        elif kind == "dynamiclist":
            rows = _lookup(data, component["path"]) or []
            items.append((component.get("label") or component["path"],
                          [_describe(component.get("components", []), row, context) for row in rows
                           if isinstance(row, dict)]))
    return items


def _lookup(data, key):
    current = data
    for part in key.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    return current


def _text(component, value, context):
    if value is None or value == [] or value == "":
        return "\u2014"
    if component["type"] == "checkbox":
        return "Yes" if value else "No"
    if component["type"] in ("checklist", "radio", "select", "taglist"):
        labels = {option["value"]: option["label"] for option in options_for(component, context)}
        chosen = value if isinstance(value, list) else [value]
        unknown = [item for item in chosen if item not in labels and isinstance(item, str)]
        if unknown and component.get("valuesKey"):
            labels.update(people_names(unknown))  # options filled at run time, e.g. people(): show names
        return ", ".join(str(labels.get(item, item)) for item in chosen)
    return str(value)


def people_names(usernames):
    """{username: display name} of the given usernames that are people in the directory."""
    return display_names(db.session, usernames)
