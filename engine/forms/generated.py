"""Camunda's generated forms (`camunda:formData` / `camunda:formField`) as form-js schemas: string, long,
double, boolean, date and enum fields with their default values, constraints and properties."""
from datetime import date, datetime

from engine.errors import Warn
from engine.scripts.expressions import is_juel

# Camunda's generated forms show and read dates as dd/MM/yyyy unless told otherwise.
CAMUNDA_DATE_PATTERN = "dd/MM/yyyy"
SUPPORTED_CONSTRAINTS = ("required", "readonly", "min", "max", "minlength", "maxlength")


def form_fields(task_spec):
    """The camunda:formField entries SpiffWorkflow read for a user task (empty for other tasks)."""
    form = getattr(task_spec, "form", None)
    return list(getattr(form, "fields", None) or [])


def generated_schema(task_spec, form_id):
    """A form-js schema from a user task's camunda:formData, plus messages about what cannot work."""
    components, messages = [], []
    for field in form_fields(task_spec):
        component, problems = _generated_component(field)
        messages.extend(problems)
        if component is not None:
            components.append(component)
    schema = {"id": form_id, "type": "default", "schemaVersion": 16, "components": components,
              "generated": "camunda:formData"}
    return schema, messages


def _generated_component(field):
    key = field.id or ""
    where = f'the form field "{key}"'
    if not key.isidentifier():
        return None, [f'{where} needs an id that is a variable name (letters, digits and _, not starting with a '
                      f"digit)"]
    kind = (field.type or "string").strip()
    label = field.label or key
    component = {"id": f"Field_{key}", "key": key, "label": label}
    if kind == "string":
        component["type"] = "textfield"
    elif kind in ("long", "integer", "short"):
        component.update(type="number", decimalDigits=0)
    elif kind == "double":
        component["type"] = "number"
    elif kind == "boolean":
        component["type"] = "checkbox"
    elif kind == "date":
        component.update(type="datetime", subtype="date", dateLabel=label, datePattern=CAMUNDA_DATE_PATTERN)
        del component["label"]
    elif kind == "enum":
        options = [{"label": option.name or option.id, "value": option.id} for option in field.options]
        if not options:
            return None, [f"{where} is an enum without values: add camunda:value entries (id and name)"]
        component.update(type="select", values=options)
    else:
        return None, [f'{where} has the type "{kind}", which is not supported here: use string, long, double, '
                      f"boolean, date or enum"]
    messages = []
    default = field.default_value
    if default not in (None, "") and not is_juel(default):
        value, problem = _typed_default(component, default)
        if problem:
            messages.append(f"{where}: {problem}")
        else:
            component["defaultValue"] = value
    messages.extend(_constraints(field, component, where))
    properties = {prop.id: prop.value for prop in field.properties if prop.id}
    if properties:
        component["properties"] = properties
    return component, messages


def _typed_default(component, text):
    """(value, None) or (None, problem) for a literal default value."""
    kind = component["type"]
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return None, f'the default value "{text}" is not a number'
        if component.get("decimalDigits") == 0:
            if not number.is_integer():
                return None, f'the default value "{text}" is not a whole number'
            return int(number), None
        return number, None
    if kind == "checkbox":
        if text.strip().lower() not in ("true", "false"):
            return None, f'the default value "{text}" is not true or false'
        return text.strip().lower() == "true", None
    if kind == "datetime":
        parsed = parse_date(text, component.get("datePattern"))
        if parsed is None:
            return None, f'the default value "{text}" is not a date ({CAMUNDA_DATE_PATTERN} or YYYY-MM-DD)'
        return parsed, None
    if kind == "select" and text not in [option["value"] for option in component["values"]]:
        return None, f'the default value "{text}" is not one of the enum values'
    return text, None


def _constraints(field, component, where):
    messages = []
    validate = {}
    for constraint in field.validation:
        name, config = (constraint.name or "").strip(), constraint.config
        if name == "required":
            if component["type"] != "checkbox":  # a checkbox always gives true or false, as in Camunda
                validate["required"] = True
        elif name == "readonly":
            component["readonly"] = True
        elif name in ("minlength", "maxlength"):
            if not str(config or "").strip().isdigit():
                messages.append(f'{where}: the {name} constraint needs a whole number, not "{config}"')
            else:
                validate["minLength" if name == "minlength" else "maxLength"] = int(config)
        elif name in ("min", "max"):
            try:
                limit = float(config)
            except (TypeError, ValueError):
                messages.append(f'{where}: the {name} constraint needs a number, not "{config}"')
                continue
            if component["type"] != "number":
                messages.append(Warn(f"{where}: the {name} constraint applies to numbers only and is not checked "
                                     f"on a {field.type} field; use minlength/maxlength for text"))
                continue
            validate[name] = int(limit) if limit.is_integer() else limit
        else:
            messages.append(Warn(f'{where}: the constraint "{name}" is not checked here (supported: '
                                 f'{", ".join(SUPPORTED_CONSTRAINTS)}); check the value in a later step'))
    if validate:
        component["validate"] = validate
    return messages


def parse_date(text, pattern=None):
    """An ISO date (YYYY-MM-DD) from ISO text or text in a Camunda date pattern (e.g. dd/MM/yyyy); None if
    it is neither."""
    text = (text or "").strip()
    try:
        return date.fromisoformat(text[:10]).isoformat() if len(text) >= 10 else None
    except ValueError:
        pass
    if pattern:
        python = (pattern.replace("yyyy", "%Y").replace("MM", "%m").replace("dd", "%d")
                  .replace("HH", "%H").replace("mm", "%M").replace("ss", "%S"))
        try:
            return datetime.strptime(text, python).date().isoformat()
        except ValueError:
            return None
    return None
