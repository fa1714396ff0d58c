"""Camunda 7 forms as the form-js schemas the app renders and validates.

A user task's form can be named in several Camunda ways; each becomes one *form
reference* (the name its schema is stored under in a process version):

- `camunda:formRef="id"` or a plain `camunda:formKey="id"`: a deployed .form by id;
- `camunda:formKey="camunda-forms:deployment:x.form"` (or `camunda-forms:app:`): a
  .form by resource name (its file name) or by id;
- `camunda:formData` (Camunda's generated forms): translated into a form-js schema;
- `camunda:formKey="embedded:app:forms/x.html"`: the `cam-variable-name` inputs of the
  HTML file, when it is deployed with the diagram, become a form-js schema;
- no form at all: the task gets the generic page (see engine/task_view.py).

So the task pages, the API and `engine.forms.validate_submission` work the same
whichever way the diagram names its form.
"""
import posixpath
import re

from lxml import etree, html as lxml_html

from .errors import Warn
from .expressions import is_juel

GENERATED_PREFIX = "formData:"
EMBEDDED_PREFIX = "embedded:"
CAMUNDA_FORMS_PREFIX = "camunda-forms:"
# Camunda's generated forms show and read dates as dd/MM/yyyy unless told otherwise.
CAMUNDA_DATE_PATTERN = "dd/MM/yyyy"
SUPPORTED_CONSTRAINTS = ("required", "readonly", "min", "max", "minlength", "maxlength")


def _stem(name):
    """`forms/approve.form` -> `approve`."""
    base = posixpath.basename(name.replace("\\", "/"))
    return base.rsplit(".", 1)[0] if "." in base else base


def _location(key):
    """The resource path of a prefixed form key: `embedded:app:forms/x.html` -> `forms/x.html`."""
    tail = key.split(":", 1)[1] if ":" in key else key
    for prefix in ("app:", "deployment:"):
        if tail.startswith(prefix):
            return tail[len(prefix):]
    return tail


def form_ref_of(attributes):
    """The form reference of a user task's camunda attributes (formRef / formKey), or None.

    camunda-forms keys give the file name without `.form`; embedded keys give `embedded:<file name>`;
    external form keys (`app:...`, `deployment:...`) give None, as they cannot be shown here."""
    if attributes.get("formRef"):
        return attributes["formRef"]
    key = (attributes.get("formKey") or "").strip()
    if not key:
        return None
    if key.startswith(CAMUNDA_FORMS_PREFIX):
        return _stem(_location(key[len(CAMUNDA_FORMS_PREFIX):]))
    if key.startswith(EMBEDDED_PREFIX):
        return embedded_form_ref(_location(key[len(EMBEDDED_PREFIX):]))
    if key.startswith(("app:", "deployment:")):
        return None
    return key


def embedded_form_ref(file_name):
    """The form reference of an embedded HTML form file: `forms/x.html` -> `embedded:x.html`."""
    return EMBEDDED_PREFIX + posixpath.basename(file_name.replace("\\", "/"))


def _form_fields(task_spec):
    form = getattr(task_spec, "form", None)
    return list(getattr(form, "fields", None) or [])


def task_form_ref(task_spec):
    """The name a user task's form is stored under in its version, or None (generic page)."""
    attributes = getattr(task_spec, "extensions", {}).get("camunda", {})
    ref = form_ref_of(attributes)
    if ref is None and not attributes.get("formKey") and _form_fields(task_spec):
        return GENERATED_PREFIX + task_spec.bpmn_id
    return ref


def resolve_task_form(task_spec, forms, form_files=None, html_files=None):
    """(reference, form-js schema or None, messages) for a user task.

    `forms` are the .form schemas available by id (the files being deployed, then what is deployed),
    `form_files` their file names by id, `html_files` the HTML files being deployed ({name: text}).
    Messages are errors, or `Warn` for what deploys but shows a generic page."""
    attributes = getattr(task_spec, "extensions", {}).get("camunda", {})
    key = (attributes.get("formKey") or "").strip()
    ref = task_form_ref(task_spec)
    if ref is None:
        if key:
            return None, None, [Warn(
                f'the form key "{key}" names an external form, which cannot be shown here: the task gets a generic '
                f"page (name, documentation, variables, Complete); to ask for data, use a Camunda Form (.form) or "
                f"camunda:formData")]
        return None, None, []
    if ref.startswith(GENERATED_PREFIX) and not attributes.get("formRef"):
        schema, messages = generated_schema(task_spec, ref)
        return ref, schema, messages
    if ref.startswith(EMBEDDED_PREFIX) and not attributes.get("formRef"):
        return (ref, *_embedded_form(key, ref, html_files or {}, forms))
    schema = _find_form(ref, forms, form_files or {})
    if schema is not None:
        return ref, schema, []
    if key.startswith(CAMUNDA_FORMS_PREFIX):
        file_name = posixpath.basename(_location(key[len(CAMUNDA_FORMS_PREFIX):]))
        return ref, None, [f'the form "{key}" is not deployed and not among the files; add the file {file_name} '
                           f'(or a .form whose id is "{ref}")']
    return ref, None, [f'the form "{ref}" is not deployed and not among the files; add the .form file whose id is '
                       f'"{ref}"']


def _find_form(ref, forms, form_files):
    """A form by id, else by the name of the file it came from."""
    if ref in forms:
        return forms[ref]
    for form_id, file_name in sorted(form_files.items()):
        if _stem(file_name) == ref and form_id in forms:
            return forms[form_id]
    return None


def start_form_messages(task_spec):
    """A warning for a start event with a form (Camunda's start forms), which is not shown here."""
    if (getattr(task_spec, "extensions", None) or {}).get("start_form"):
        return [Warn("start forms are not shown here: a path starts with the variables sent with the start request "
                     "(engine-rest `variables`); ask for this data in a first user task instead")]
    return []


# -- generated forms (camunda:formData) -------------------------------------------------------

def generated_schema(task_spec, form_id):
    """A form-js schema from a user task's camunda:formData, plus messages about what cannot work."""
    components, messages = [], []
    for field in _form_fields(task_spec):
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


def default_expressions(task_spec):
    """{field id: expression} of camunda:formData default values that are expressions (`${...}`); they are
    evaluated when the task is shown."""
    if task_form_ref(task_spec) is None or not task_form_ref(task_spec).startswith(GENERATED_PREFIX):
        return {}
    return {field.id: field.default_value for field in _form_fields(task_spec)
            if field.id and field.default_value and is_juel(field.default_value)}


def parse_date(text, pattern=None):
    """An ISO date (YYYY-MM-DD) from ISO text or text in a Camunda date pattern (e.g. dd/MM/yyyy); None if
    it is neither."""
    from datetime import date, datetime
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


# -- embedded HTML forms ---------------------------------------------------------------------

def _embedded_form(key, ref, html_files, deployed):
    """(schema or None, messages) for an embedded HTML form key: read from the HTML file among the files, else
    the fields read when it was last deployed."""
    file_name = ref[len(EMBEDDED_PREFIX):]
    path = _location(key[len(EMBEDDED_PREFIX):])
    text = next((content for name, content in sorted(html_files.items())
                 if name.replace("\\", "/") == path or posixpath.basename(name.replace("\\", "/")) == file_name),
                None)
    if text is None and deployed.get(ref):
        schema = deployed[ref]
    elif text is None:
        return None, [Warn(f"the embedded HTML form {path} is not among the files: the task gets a generic page "
                           f"(name, documentation, variables, Complete); deploy {file_name} with the diagram to get "
                           f"its fields, or use a Camunda Form (.form)")]
    else:
        schema = html_form_schema(text, ref)
    if schema is None:
        return None, [Warn(f"no field of the embedded HTML form {file_name} could be read (inputs need "
                           f"cam-variable-name): the task gets a generic page (name, documentation, variables, "
                           f"Complete); use a Camunda Form (.form) to ask for data")]
    keys = ", ".join(component["key"] for component in schema["components"])
    return schema, [Warn(f"embedded HTML forms do not run here: the fields of {file_name} ({keys}) are shown as a "
                         f"plain form, without its scripts and layout; use a Camunda Form (.form) for full control")]


HTML_TYPES = {"long": "integer", "integer": "integer", "short": "integer", "double": "number",
              "boolean": "boolean", "date": "date", "string": "string"}


def html_form_schema(text, form_id):
    """A form-js schema from the `cam-variable-name` inputs, selects and textareas of an embedded HTML form,
    or None when it has none that can be read."""
    try:
        document = lxml_html.fromstring(text or "<div></div>")
    except (etree.ParserError, ValueError):
        return None
    labels = {}
    for label in document.iter("label"):
        if label.get("for"):
            labels[label.get("for")] = " ".join(label.text_content().split())
    components, seen = [], set()
    for element in document.iter("input", "select", "textarea"):
        key = (element.get("cam-variable-name") or "").strip()
        if not key.isidentifier() or key in seen or _not_a_field(element):
            continue
        seen.add(key)
        components.append(_html_component(element, key, _html_label(element, key, labels)))
    if not components:
        return None
    return {"id": form_id, "type": "default", "schemaVersion": 16, "components": components,
            "generated": "embedded HTML form"}


def _not_a_field(element):
    """Inputs that are not fields a person fills in here: hidden values, files, buttons."""
    kind = (element.get("type") or "").lower()
    variable_type = (element.get("cam-variable-type") or "").lower()
    return element.tag == "input" and (kind in ("hidden", "file", "submit", "button", "reset", "image")
                                       or variable_type in ("file", "bytes"))


def _html_label(element, key, labels):
    if element.get("id") and labels.get(element.get("id")):
        return labels[element.get("id")]
    parent = element.getparent()
    while parent is not None:
        if parent.tag == "label":
            text = " ".join(parent.text_content().split())
            if text:
                return text
        parent = parent.getparent()
    return element.get("placeholder") or element.get("title") or key


def _html_component(element, key, label):
    variable_type = HTML_TYPES.get((element.get("cam-variable-type") or "").strip().lower(), "string")
    input_type = (element.get("type") or "text").lower()
    component = {"id": f"Field_{key}", "key": key, "label": label}
    if element.tag == "select":
        options = [{"label": " ".join(option.text_content().split()) or option.get("value", ""),
                    "value": option.get("value", " ".join(option.text_content().split()))}
                   for option in element.iter("option") if option.get("value", option.text_content()).strip()]
        if element.get("cam-choices"):
            component.update(type="select", valuesKey=element.get("cam-choices"))
        else:
            component.update(type="select", values=options)
    elif element.tag == "textarea":
        component["type"] = "textarea"
    elif variable_type == "boolean" or input_type == "checkbox":
        component["type"] = "checkbox"
    elif variable_type in ("integer", "number") or input_type == "number":
        component["type"] = "number"
        if variable_type == "integer":
            component["decimalDigits"] = 0
    elif variable_type == "date" or input_type == "date":
        component.update(type="datetime", subtype="date", dateLabel=label)
        del component["label"]
    else:
        component["type"] = "textfield"
    validate = {}
    if element.get("required") is not None:
        validate["required"] = True
    for attribute, rule in (("minlength", "minLength"), ("maxlength", "maxLength")):
        if (element.get(attribute) or "").strip().isdigit():
            validate[rule] = int(element.get(attribute))
    if component["type"] == "number":
        for attribute in ("min", "max"):
            if re.fullmatch(r"-?\d+(\.\d+)?", (element.get(attribute) or "").strip()):
                number = float(element.get(attribute))
                validate[attribute] = int(number) if number.is_integer() else number
    if element.get("pattern"):
        try:
            re.compile(element.get("pattern"))
            validate["pattern"] = element.get("pattern")
        except re.error:
            pass
    if validate:
        component["validate"] = validate
    if element.get("readonly") is not None:
        component["readonly"] = True
    return component
