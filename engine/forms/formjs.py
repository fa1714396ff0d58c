"""form-js forms: schema checks, server-side validation and HTML form decoding.

A form is the JSON that the form-js editor writes (`*.form`). The same rules the
browser would apply (required, length, min/max, pattern, options) are applied
here, so data reaching the workflow is always clean. Field paths are dotted:
`milestones.0.title`.
"""
import json
import re
from datetime import date, datetime, time, timezone

from engine.forms.generated import parse_date
from engine.forms.conditions import condition_problem, is_required
from engine.json_limits import MAX_JSON_DEPTH, depth_exceeds

INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "checklist", "radio", "select", "taglist", "datetime"}
CONTAINER_TYPES = {"group", "dynamiclist"}
DISPLAY_TYPES = {"text", "separator", "spacer", "button", "image"}
SUPPORTED_TYPES = INPUT_TYPES | CONTAINER_TYPES | DISPLAY_TYPES
OPTION_TYPES = {"checklist", "radio", "select", "taglist"}
MULTI_VALUE_TYPES = {"checklist", "taglist"}

# Groups and dynamic lists inside each other, at most this deep; a form's JSON at most MAX_JSON_DEPTH deep.
MAX_FORM_NESTING = 20
# What a text field accepts when its form sets no maxLength (characters).
DEFAULT_MAX_LENGTH = {"textfield": 1000, "textarea": 10000}
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_NAMED = re.compile(r'"(?:id|key|path)"\s*:\s*"((?:[^"\\]|\\.)*)"')

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,}$")


class FormError(ValueError):
    """A form file that cannot be used; the message names the file and component."""


def load_form(text, filename="form", default_id=None):
    """Parse a .form file and check it can be rendered and validated; returns the schema dict.

    A form without an "id" (form-js editor exports often have none) gets `default_id` when one is given."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormError(f"{filename}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise FormError(_too_deep_message(text, filename)) from None
    if depth_exceeds(schema, MAX_JSON_DEPTH):
        raise FormError(_too_deep_message(text, filename))
    if default_id and isinstance(schema, dict) and not schema.get("id"):
        schema["id"] = default_id
    problems = schema_problems(schema)
    if problems:
        raise FormError(f"{filename}: " + "; ".join(problems))
    return schema


def _too_deep_message(text, filename):
    """Where a form too deep to read goes too deep: its line and the nearest component before it."""
    depth, limit = 0, 2 * MAX_FORM_NESTING + 3
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                names = _NAMED.findall(text, 0, match.start())
                where = f"{names[-1]}: " if names else ""
                return (f"{filename}:{line}: {where}groups and lists are nested more than {MAX_FORM_NESTING} "
                        f"levels deep; flatten the form")
        elif token in ("]", "}"):
            depth -= 1
    return f"{filename}: the form's JSON is nested more than {MAX_JSON_DEPTH} levels deep; flatten the form"


def schema_problems(schema):
    """List what is wrong with a form-js schema, one message per problem."""
    if not isinstance(schema, dict):
        return ["a form must be a JSON object"]
    problems = []
    if not isinstance(schema.get("id"), str) or not schema.get("id"):
        problems.append('the form has no "id" (the name user tasks refer to with camunda:formRef)')
    if not isinstance(schema.get("components"), list):
        problems.append('the form has no "components" list')
        return problems
    _component_problems(schema["components"], problems, seen=set(), prefix="")
    return problems


def _component_problems(components, problems, seen, prefix, nesting=0):
    for position, component in enumerate(components, 1):
        if not isinstance(component, dict):
            problems.append(f"component {position} is not an object")
            continue
        kind = component.get("type")
        where = component.get("id") or component.get("key") or f"component {position}"
        if kind not in SUPPORTED_TYPES:
            problems.append(f'{where}: component type "{kind}" is not supported '
                            f'(supported: {", ".join(sorted(SUPPORTED_TYPES))})')
            continue
        if kind in INPUT_TYPES:
            key = component.get("key")
            if not isinstance(key, str) or not key:
                problems.append(f'{where}: a {kind} field needs a "key"')
                continue
            path = prefix + key
            if path in seen:
                problems.append(f'{where}: the key "{path}" is used twice')
            seen.add(path)
            if kind in OPTION_TYPES and not component.get("values") and not component.get("valuesKey"):
                problems.append(f'{where}: a {kind} needs "values" or "valuesKey"')
            condition = condition_problem(component)
            if condition:
                problems.append(f"{where}: {condition}")
            pattern = (component.get("validate") or {}).get("pattern")
            if pattern:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(f'{where}: the pattern "{pattern}" is not a valid regular expression ({exc})')
        elif kind in CONTAINER_TYPES:
            if nesting >= MAX_FORM_NESTING:
                problems.append(f"{where}: groups and lists are nested more than {MAX_FORM_NESTING} levels deep; "
                                f"flatten the form")
                continue
            if kind == "dynamiclist" and not component.get("path"):
                problems.append(f'{where}: a dynamic list needs a "path"')
            if not isinstance(component.get("components", []), list):
                problems.append(f'{where}: "components" must be a list')
                continue
            child_prefix = prefix + (component["path"] + "." if component.get("path") else "")
            if kind == "dynamiclist":
                _component_problems(component.get("components", []), problems, set(), "", nesting + 1)
            else:
                _component_problems(component.get("components", []), problems, seen, child_prefix, nesting + 1)


def field_keys(schema):
    """Top-level data keys a form writes (for expression checks and data merging)."""
    keys = []
    for component in schema.get("components", []):
        kind = component.get("type")
        if kind in INPUT_TYPES:
            keys.append(component["key"].split(".")[0])
        elif kind == "dynamiclist" or (kind == "group" and component.get("path")):
            keys.append(component["path"].split(".")[0])
        elif kind == "group":
            keys.extend(field_keys(component))
    return keys


def field_label(component):
    """The label people see for a field (date fields keep theirs in dateLabel/timeLabel)."""
    return (component.get("label") or component.get("dateLabel") or component.get("timeLabel")
            or component.get("key") or component.get("path") or "This field")


def max_length_of(component):
    """The most characters a text field takes: its form's maxLength, else a default (1,000 for a textfield,
    10,000 for a textarea), so no answer is unbounded."""
    rules = component.get("validate") or {}
    if rules.get("maxLength") not in (None, ""):
        return int(rules["maxLength"])
    return DEFAULT_MAX_LENGTH.get(component.get("type"))


def options_for(component, context):
    """The allowed options of a select/radio/checklist/taglist as [{label, value}]."""
    if component.get("valuesKey"):
        values = _get_path(context, component["valuesKey"]) or []
    else:
        values = component.get("values") or []
    options = []
    for item in values:
        if isinstance(item, dict):
            options.append({"label": str(item.get("label", item.get("value"))), "value": item.get("value")})
        else:
            options.append({"label": str(item), "value": item})
    return options


def validate_submission(schema, data, context=None):
    """Check `data` (nested, as JSON) against the form; return (clean data, {path: message}).

    Every field of the form appears in the clean data (empty fields as None, [] or
    False), so later scripts and conditions can rely on the names existing.
    """
    if not isinstance(data, dict):
        return {}, {"": "the form data must be an object"}
    context = context or {}
    clean, errors = {}, {}
    _validate_components(schema.get("components", []), data, clean, errors, "", context)
    return clean, errors


def _validate_components(components, data, clean, errors, prefix, context):
    for component in components:
        kind = component.get("type")
        if kind in INPUT_TYPES:
            key = component["key"]
            value = _get_path(data, key)
            if not (component.get("validate") or {}).get("required") and is_required(component, data, context):
                component = {**component, "validate": {**(component.get("validate") or {}), "required": True}}
            result = _validate_field(component, value, errors, prefix + key, context)
            _set_path(clean, key, result)
        elif kind == "group":
            path = component.get("path")
            inner_data = _get_path(data, path) if path else data
            inner_clean = {} if path else clean
            _validate_components(component.get("components", []), inner_data if isinstance(inner_data, dict) else {},
                                 inner_clean, errors, prefix + (path + "." if path else ""), context)
            if path:
                _set_path(clean, path, inner_clean)
        elif kind == "dynamiclist":
            path = component["path"]
            rows = _get_path(data, path)
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                errors[prefix + path] = "must be a list"
                continue
            clean_rows = []
            for index, row in enumerate(rows):
                row_clean = {}
                if not isinstance(row, dict):
                    errors[f"{prefix}{path}.{index}"] = "each entry must be an object"
                    continue
                _validate_components(component.get("components", []), row, row_clean, errors,
                                     f"{prefix}{path}.{index}.", context)
                clean_rows.append(row_clean)
            validate = component.get("validate") or {}
            if validate.get("required") and not clean_rows:
                errors[prefix + path] = "Add at least one entry."
            _set_path(clean, path, clean_rows)


def _validate_field(component, value, errors, path, context):
    """Validate and coerce one field value; record an error under `path` when invalid."""
    kind = component["type"]
    rules = component.get("validate") or {}
    label = field_label(component)
    if component.get("readonly") or component.get("disabled"):
        return _get_path(context, component["key"]) if context else None
    try:
        value = _coerce(component, value)
    except ValueError as exc:
        errors[path] = str(exc)
        return None
    if _is_empty(kind, value):
        if rules.get("required"):
            errors[path] = f"{label} is required."
        return [] if kind in MULTI_VALUE_TYPES else (False if kind == "checkbox" else None)
    if kind in OPTION_TYPES:
        allowed = [option["value"] for option in options_for(component, context)]
        chosen = value if kind in MULTI_VALUE_TYPES else [value]
        wrong = [item for item in chosen if item not in allowed]
        if wrong:
            errors[path] = f"{', '.join(map(str, wrong))} is not one of the choices for {label}."
            return value
    if isinstance(value, str):
        if rules.get("minLength") is not None and len(value) < int(rules["minLength"]):
            errors[path] = f"{label} must be at least {rules['minLength']} characters."
        elif max_length_of(component) is not None and len(value) > max_length_of(component):
            errors[path] = f"{label} must be at most {max_length_of(component)} characters."
        elif rules.get("pattern") and not re.fullmatch(rules["pattern"], value):
            errors[path] = rules.get("patternErrorMessage") or f"{label} does not have the expected format."
        elif rules.get("validationType") == "email" and not EMAIL.match(value):
            errors[path] = f"{label} must be an email address."
        elif rules.get("validationType") == "phone" and not PHONE.match(value):
            errors[path] = f"{label} must be a phone number."
    if kind == "datetime" and component.get("disallowPassedDates") and value[:10] < earliest_date():
        errors[path] = f"{label} cannot be before today ({earliest_date()}): choose a date from today on."
    if kind == "number":
        if component.get("decimalDigits") is not None and round(value, int(component["decimalDigits"])) != value:
            digits = int(component["decimalDigits"])
            errors[path] = f"{label} must be a whole number." if digits == 0 else \
                f"{label} may have at most {digits} decimal digits."
            return value
        if component.get("decimalDigits") == 0:
            value = int(value)
        if rules.get("min") is not None and value < rules["min"]:
            errors[path] = f"{label} must be at least {rules['min']}."
        elif rules.get("max") is not None and value > rules["max"]:
            errors[path] = f"{label} must be at most {rules['max']}."
    return value


def earliest_date():
    """Today's date (UTC, ISO), the earliest a date field that disallows passed dates accepts."""
    return datetime.now(timezone.utc).date().isoformat()


def _coerce(component, value):
    """Turn a submitted value (JSON or HTML text) into the field's type."""
    kind = component["type"]
    if value is None:
        return None
    if kind in ("textfield", "textarea"):
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value if value.strip() else None
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("must be a number")
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip().replace(",", ".") if isinstance(value, str) else None
        if text is None:
            raise ValueError("must be a number")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f'"{value}" is not a number') from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "checkbox":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "on", "yes", "1", ""):
            return value != ""
        if isinstance(value, str) and value.lower() in ("false", "off", "no", "0"):
            return False
        raise ValueError("must be true or false")
    if kind in MULTI_VALUE_TYPES:
        if isinstance(value, str):
            value = [value] if value else []
        if not isinstance(value, list) or any(isinstance(item, (dict, list)) for item in value):
            raise ValueError("must be a list of choices")
        return value
    if kind in ("radio", "select"):
        if isinstance(value, (dict, list)):
            raise ValueError("must be one of the choices")
        return value if value != "" else None
    if kind == "datetime":
        return _coerce_datetime(component.get("subtype", "date"), value, component.get("datePattern"))
    return value


def _coerce_datetime(subtype, value, date_pattern=None):
    """ISO text of a date, time or date-time; a date may also come in the field's `datePattern` (Camunda's
    generated forms use dd/MM/yyyy)."""
    if not isinstance(value, str):
        raise ValueError("must be a date or time as text")
    text = value.strip()
    if not text:
        return None
    if subtype == "date" and date_pattern:
        parsed = parse_date(text, date_pattern)
        if parsed is None:
            raise ValueError(f'"{value}" is not a valid date; use {date_pattern} or YYYY-MM-DD')
        return parsed
    try:
        if subtype == "date":
            return date.fromisoformat(text[:10]).isoformat()
        if subtype == "time":
            return time.fromisoformat(text).strftime("%H:%M")
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat(timespec="minutes")
    except ValueError:
        expected = {"date": "YYYY-MM-DD", "time": "HH:MM"}.get(subtype, "YYYY-MM-DDTHH:MM")
        raise ValueError(f'"{value}" is not a valid {subtype}; use {expected}') from None


def _is_empty(kind, value):
    if kind == "checkbox":
        return value is not True
    return value is None or value == [] or value == ""


def _get_path(data, path):
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _set_path(data, path, value):
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def decode_html_form(schema, getlist):
    """Rebuild nested data from an HTML form post (dotted names) for `validate_submission`.

    `getlist(name)` returns all submitted values of a name. Dynamic-list rows whose
    fields are all empty are dropped, so an unused "add another" row is harmless.
    """
    keys = set()
    return _decode_components(schema.get("components", []), getlist, "", keys)


def _decode_components(components, getlist, prefix, keys):
    data = {}
    for component in components:
        kind = component.get("type")
        if kind in INPUT_TYPES:
            name = prefix + component["key"]
            values = getlist(name)
            if kind in MULTI_VALUE_TYPES:
                value = [v for v in values if v != ""]
            elif kind == "checkbox":
                value = bool(values) and values[-1] not in ("", "false")
            else:
                value = values[-1] if values else None
            _set_path(data, component["key"], value)
        elif kind == "group":
            path = component.get("path")
            inner = _decode_components(component.get("components", []), getlist,
                                       prefix + (path + "." if path else ""), keys)
            if path:
                _set_path(data, path, inner)
            else:
                data.update(inner)
        elif kind == "dynamiclist":
            path = component["path"]
            rows = []
            count = _row_count(getlist, prefix + path)
            for index in range(count):
                row = _decode_components(component.get("components", []), getlist, f"{prefix}{path}.{index}.", keys)
                if any(v not in (None, "", [], False) for v in _leaves(row)):
                    rows.append(row)
            _set_path(data, path, rows)
    return data


def _row_count(getlist, path):
    """Rows of a dynamic list in a post, from the hidden `<path>.__rows` counter."""
    try:
        return max(0, min(int((getlist(path + ".__rows") or ["0"])[-1]), 500))
    except ValueError:
        return 0


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value
