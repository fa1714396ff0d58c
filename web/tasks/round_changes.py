"""What changed since the last round: when a step comes round again (a revise loop), its page shows, form by
form, the answers of the previous round next to the current ones, for the fields that changed."""
import sqlalchemy as sa

from engine.forms.formjs import CONTAINER_TYPES, INPUT_TYPES
from engine.store.models import HumanTask
from engine.diagrams.specs import FORMS

from ..extensions import db
from .answers import describe_answers


def _field_components(components):
    """Top-level data fields of a form: inputs, lists and groups with a path; groups without one are opened."""
    for component in components:
        kind = component.get("type")
        if kind in INPUT_TYPES or (kind in CONTAINER_TYPES and component.get("path")):
            yield component
        elif kind == "group":
            yield from _field_components(component.get("components", []))


def _changed_fields(schema, before, after):
    """[(label, previous answer, current answer)] of the form's fields whose answers differ."""
    changed = []
    for component in _field_components(schema.get("components", [])):
        key = (component.get("key") or component.get("path")).split(".")[0]
        if (before or {}).get(key) == (after or {}).get(key):
            continue
        single = {"components": [component]}
        old = describe_answers(single, before or {})
        new = describe_answers(single, after or {})
        if not (old and new):
            continue
        label, then, now = old[0][0], old[0][1], new[0][1]
        if isinstance(then, str) or isinstance(now, str):
            changed.append((label, then, now))
            continue
        # a list: only its rows that changed, were added or were removed
        for index in range(max(len(then), len(now))):
            row_then = then[index] if index < len(then) else "\u2014 (added)"
            row_now = now[index] if index < len(now) else "\u2014 (removed)"
            if row_then != row_now:
                changed.append((f"{label} {index + 1}", row_then, row_now))
    return changed


def changes_since_last_round(row):
    """When the step of `row` ran before in this path: (the previous activation, [(step title, who,
    [(label, then, now)])]) for each step whose answers were given again since then, comparing each person's
    answers in the same form; (None, []) the first time round."""
    previous = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == row.instance_id, HumanTask.element_id == row.element_id,
        HumanTask.status == "completed", HumanTask.id < row.id).order_by(HumanTask.id.desc()).limit(1)).first()
    if previous is None:
        return None, []
    done = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == row.instance_id, HumanTask.status == "completed", HumanTask.form_ref.is_not(None))
        .order_by(HumanTask.completed_at, HumanTask.id)).all()
    earlier, later = {}, {}
    for task in done:
        side = earlier if task.completed_at <= previous.completed_at and task.id <= previous.id else later
        side[(task.element_id, task.completed_by_id)] = task  # the latest answers of each person in each step
    forms = FORMS.get(row.instance.process_version)
    sections = []
    for key, now in later.items():
        then = earlier.get(key)
        schema = forms.get(now.form_ref)
        if then is None or schema is None:
            continue
        changed = _changed_fields(schema, then.outcome, now.outcome)
        if changed:
            sections.append((now.name, now.completed_by.name if now.completed_by else "", changed))
    return previous, sections
