"""Camunda 7 forms as the form-js schemas the app renders and validates.

A user task's form can be named in several Camunda ways; each becomes one *form
reference* (the name its schema is stored under in a process version):

- `camunda:formRef="id"` or a plain `camunda:formKey="id"`: a deployed .form by id;
- `camunda:formKey="camunda-forms:deployment:x.form"` (or `camunda-forms:app:`): a
  .form by resource name (its file name) or by id;
- `camunda:formData` (Camunda's generated forms): translated into a form-js schema;
- `camunda:formKey="embedded:app:forms/x.html"`: the `cam-variable-name` inputs of the
  HTML file, when it is deployed with the diagram, become a form-js schema;
- no form at all: the task gets the generic page (see engine/runtime/task_view.py).

So the task pages, the API and `engine.forms.formjs.validate_submission` work the same
whichever way the diagram names its form.
"""
import posixpath

from engine.errors import Warn
from engine.scripts.expressions import is_juel
from engine.forms.embedded import embedded_form
from engine.forms.generated import form_fields, generated_schema

GENERATED_PREFIX = "formData:"
EMBEDDED_PREFIX = "embedded:"
CAMUNDA_FORMS_PREFIX = "camunda-forms:"


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


def task_form_ref(task_spec):
    """The name a user task's form is stored under in its version, or None (generic page)."""
    attributes = getattr(task_spec, "extensions", {}).get("camunda", {})
    ref = form_ref_of(attributes)
    if ref is None and not attributes.get("formKey") and form_fields(task_spec):
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
        path = _location(key[len(EMBEDDED_PREFIX):])
        return (ref, *embedded_form(path, ref[len(EMBEDDED_PREFIX):], ref, html_files or {}, forms))
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


def default_expressions(task_spec):
    """{field id: expression} of camunda:formData default values that are expressions (`${...}`); they are
    evaluated when the task is shown."""
    if task_form_ref(task_spec) is None or not task_form_ref(task_spec).startswith(GENERATED_PREFIX):
        return {}
    return {field.id: field.default_value for field in form_fields(task_spec)
            if field.id and field.default_value and is_juel(field.default_value)}
