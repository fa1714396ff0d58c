"""What a task page shows besides its form: the element's documentation and, for a task
without a form (the generic task page), the process variables worth showing, with
readable labels and values.
"""
import re
from datetime import date, datetime

from engine.diagrams.checks import START_VARIABLES
from engine.diagrams.specs import SPECS

MAX_TEXT = 500  # characters of one value shown before it is cut
ACRONYMS = {"url", "id", "hr", "api", "iban", "vat", "eur", "usd", "pdf"}


def task_documentation(version, element_id):
    """The documentation (Markdown written by the process owner) of an element of a version, or None."""
    spec, subprocess_specs = SPECS.get(version)
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in process_spec.task_specs.values():
            if task_spec.bpmn_id == element_id:
                text = (getattr(task_spec, "documentation", None) or "").strip()
                return text or None
    return None


def readable_label(name):
    """`loan_amount` / `loanAmount` -> "Loan amount"."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ").split()
    words = [word.upper() if word.lower() in ACRONYMS else word.lower() for word in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else name


def readable_value(value):
    """A variable's value as people read it: Yes/No, lists joined, mappings as "key: value"."""
    if value is None or value == "" or value == [] or value == {}:
        return "\u2014"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        text = "; ".join(f"{readable_label(str(key))}: {readable_value(item)}" for key, item in value.items()
                         if not str(key).startswith("_"))
    elif isinstance(value, (list, tuple, set)):
        text = ", ".join(readable_value(item) for item in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "\u2026"


def shown_variables(data, hidden=()):
    """[{name, label, value}] of the variables a person doing a task without a form should see: everything in
    scope except internal names (leading `_`) and the directory facts every path carries (employee, manager,
    department...), which the page shows elsewhere."""
    skip = set(START_VARIABLES) | set(hidden)
    shown = []
    for name in sorted(data, key=lambda n: readable_label(str(n)).lower()):
        if not isinstance(name, str) or name.startswith("_") or name in skip or callable(data[name]):
            continue
        shown.append({"name": name, "label": readable_label(name), "value": readable_value(data[name])})
    return shown
