"""Embedded Camunda HTML forms (`camunda:formKey="embedded:..."`): their `cam-variable-name` inputs, selects
and textareas read into a form-js schema. Scripts and layout are not run; the fields are."""
import posixpath
import re

from lxml import etree, html as lxml_html

from engine.errors import Warn


def embedded_form(path, file_name, ref, html_files, deployed):
    """(schema or None, messages) for the embedded HTML form at `path` (form reference `ref`): read from the HTML
    file among the files, else the fields read when it was last deployed (`deployed` forms by reference)."""
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
