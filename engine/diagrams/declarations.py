"""What a diagram declares about its process as a whole, read once per deployed version.

Camunda 7 attributes and extension properties on `<bpmn:process>` and its start
event decide who may start a process and what a caller may set:
`camunda:candidateStarterUsers` / `camunda:candidateStarterGroups`,
`camunda:isStartableInTasklist`, the start event's form (`camunda:formRef`,
`camunda:formKey` or `camunda:formData`), and the extension property
`protectedVariables` (a comma-separated list of variable names callers may not
set). Call activities tell which processes are called by others.
"""
import threading
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS

from engine.forms.formjs import field_keys
from engine.forms.camunda import form_ref_of

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NAMESPACES = {"bpmn": BPMN_NS, "camunda": CAMUNDA_MODEL_NS}
PROTECTED_PROPERTY = "protectedVariables"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class ProcessDeclarations:
    """A process's own declarations; `start_form_fields` is None when the start event has no form."""

    starter_users: tuple = ()
    starter_groups: tuple = ()
    startable_in_tasklist: bool | None = None  # None: the diagram does not say
    protected_variables: frozenset = frozenset()
    start_form_fields: frozenset | None = None
    called_processes: frozenset = frozenset()

    @property
    def names_starters(self):
        """True when the diagram says who may start the process."""
        return bool(self.starter_users or self.starter_groups)


def _names(text):
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _camunda(node, name):
    return node.get(f"{{{CAMUNDA_MODEL_NS}}}{name}")


def _start_events(process):
    return process.xpath("./bpmn:startEvent", namespaces=NAMESPACES)


def _form_ref(event):
    return form_ref_of({"formRef": _camunda(event, "formRef"), "formKey": _camunda(event, "formKey")})


def _start_form_fields(process, forms):
    """The variables the process's start form declares, or None without a start form."""
    fields, has_form = set(), False
    for event in _start_events(process):
        form_fields = event.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField",
                                  namespaces=NAMESPACES)
        if form_fields:
            has_form = True
            fields.update(field.get("id") for field in form_fields if field.get("id"))
        ref = _form_ref(event)
        if ref:
            has_form = True
            schema = forms.get(ref)
            if isinstance(schema, dict):
                fields.update(field_keys(schema))
    return frozenset(fields) if has_form else None


def _process_node(xml_text, process_id):
    try:
        root = etree.fromstring(xml_text.encode("utf-8"), _SAFE_PARSER)
    except etree.XMLSyntaxError:
        return None
    return next(iter(root.xpath("//bpmn:process[@id=$pid]", pid=process_id, namespaces=NAMESPACES)), None)


def start_form_refs(xml_text, process_id):
    """Ids of the form-js forms the start events of a process refer to (stored with its versions)."""
    process = _process_node(xml_text, process_id)
    if process is None:
        return []
    return [ref for ref in (_form_ref(event) for event in _start_events(process)) if ref]


def read_declarations(xml_text, process_id, forms=None):
    """The declarations of process `process_id` in a BPMN text (a default set when it is not found)."""
    process = _process_node(xml_text, process_id)
    if process is None:
        return ProcessDeclarations()
    tasklist = (_camunda(process, "isStartableInTasklist") or "").strip().lower()
    protected = set()
    for prop in process.xpath("./bpmn:extensionElements/camunda:properties/camunda:property[@name=$name]",
                              name=PROTECTED_PROPERTY, namespaces=NAMESPACES):
        protected.update(_names(prop.get("value")))
    called = {node.get("calledElement") for node in process.xpath(".//bpmn:callActivity", namespaces=NAMESPACES)}
    return ProcessDeclarations(
        starter_users=_names(_camunda(process, "candidateStarterUsers")),
        starter_groups=_names(_camunda(process, "candidateStarterGroups")),
        startable_in_tasklist={"true": True, "false": False}.get(tasklist),
        protected_variables=frozenset(protected),
        start_form_fields=_start_form_fields(process, forms or {}),
        called_processes=frozenset(name for name in called if name and name != process_id),
    )


_CACHE = {}
_LOCK = threading.Lock()


def declarations(version):
    """The declarations of a deployed ProcessVersion, read once per version (versions never change)."""
    cache_key = (version.id, version.checksum)
    found = _CACHE.get(cache_key)
    if found is None:
        sources = version.sources or {}
        xml_text = sources.get("bpmn", {}).get(version.main_file) or ""
        found = read_declarations(xml_text, version.key, sources.get("forms", {})) if xml_text else \
            ProcessDeclarations()
        with _LOCK:
            _CACHE[cache_key] = found
    return found
