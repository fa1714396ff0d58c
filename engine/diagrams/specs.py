"""Parsed process specs, one per deployed version, and workflow state without the spec.

A version's sources are parsed once per worker thread and cached: multi-instance
tasks adjust their spec while running, so threads never share one spec object.
Instance state is serialized without the spec; restoring it takes the cached spec.
"""
import threading

from sqlalchemy.orm import object_session

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.bpmn.specs.defaults import NoneTask

from engine.diagrams.bindings import use_spec_source, with_called_versions
from engine.diagrams.flows import ImplicitSplit
from engine.diagrams.timer_events import APP_TIMERS
from engine.diagrams.external_specs import (
    APP_SERVICE_TASK, CamundaMessageEventDefinition, CorrelatedMessageEventDefinition,
)
from engine.diagrams.parser import AppParser
from engine.diagrams.versions import latest_version
from engine.diagrams.pruning import PRUNED_ELEMENTS, prune, pruned_elements


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without its spec; restores it with the spec supplied by the caller."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct[PRUNED_ELEMENTS] = sorted(pruned_elements(workflow))
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        # Spec objects pass through the registry's restore unchanged.
        dct = dict(dct, spec=spec, subprocess_specs=subprocess_specs or {})
        pruned = dct.pop(PRUNED_ELEMENTS, ())
        workflow = super().from_dict(dct)
        pruned_elements(workflow).update(pruned)
        return workflow


class DecisionTaskConverter(TaskSpecConverter):
    """Describes a business rule task by the decision it calls (specs are compared, never stored)."""

    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        call = spec.dmnEngine
        dct["decision"] = {"id": call.decision.id, "result_variable": call.result_variable,
                           "map_decision_result": call.map_decision_result}
        return dct


def _serializer_config():
    """Camunda's serializer config, with our workflow converter and our spec subclasses registered
    (specs are never stored, but comparing two versions converts them)."""
    config = dict(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    for spiff_timer, app_timer in APP_TIMERS.items():
        config[app_timer] = config[spiff_timer]
    spec_classes = [spec_class for _parser_class, spec_class in AppParser.OVERRIDE_PARSER_CLASSES.values()]
    for spec_class in [*spec_classes, ImplicitSplit]:
        if issubclass(spec_class, BusinessRuleTask):
            config[spec_class] = DecisionTaskConverter
        elif spec_class not in config:
            base = next((cls for cls in spec_class.__mro__[1:] if cls in config), None)
            if base is not None:
                config[spec_class] = config[base]
    config[CorrelatedMessageEventDefinition] = config[CamundaMessageEventDefinition]
    config.setdefault(APP_SERVICE_TASK, config[NoneTask])  # Camunda's config has no service task: same shape
    return config


CALLED_VERSIONS = "called_versions"  # {called process id: process version id} in stored state
_CONFIG = _serializer_config()
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))


def parse_sources(sources, filename_prefix=""):
    """Parse a version's BPMN and DMN sources (dicts of file name -> XML text) into a parser."""
    parser = AppParser()
    for name, text in sorted(sources.get("dmn", {}).items()):
        parser.add_dmn_str(text.encode("utf-8"), filename=filename_prefix + name)
    for name, text in sorted(sources.get("bpmn", {}).items()):
        parser.add_bpmn_str(text.encode("utf-8"), filename=filename_prefix + name)
    return parser


def prepare_multi_instance(process_spec):
    """Put multi-instance specs in the state Spiff leaves them in once the first instance started.

    Spiff's Camunda multi-instance task sets its input collection and wires its
    child spec only when it first runs. A workflow restored mid-way (in another
    worker, after a restart) uses a freshly parsed spec, so we do both up front:
    otherwise answers would be appended instead of merged, or never merged.
    """
    for task_spec in process_spec.task_specs.values():
        if isinstance(task_spec, MultiInstanceTask):
            if (getattr(task_spec, "cardinality", None) is None and task_spec.data_output is not None
                    and task_spec.data_input is None):
                task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
                if task_spec.output_item is not None:
                    task_spec.input_item = TaskDataReference(task_spec.output_item.bpmn_id)
            child = process_spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def called_specs(parser, process_id, found=None):
    """The specs of the processes a process calls (recursively, sub-processes included), by id; None for a called
    process that is not deployed (the path stops with an incident when it gets there)."""
    found = {} if found is None else found
    for task_spec in parser.get_spec(process_id).task_specs.values():
        if isinstance(task_spec, SubWorkflowTaskMixin) and task_spec.spec not in found:
            spec = parser.get_spec(task_spec.spec, required=False)
            found[task_spec.spec] = spec
            if spec is not None:
                called_specs(parser, task_spec.spec, found)
    return found


_MISSING_CALLS = {}  # (version id, checksum) -> processes it calls that were not deployed with it (rows never change)


def _missing_calls(version):
    """The called processes a version was deployed without, read from its sources once per version (the
    sources are a large column, loaded only when needed)."""
    key = (version.id, version.checksum)
    missing = _MISSING_CALLS.get(key)
    if missing is None:
        missing = _MISSING_CALLS[key] = tuple((version.sources or {}).get("missing_calls") or ())
    return missing


def _late_called_versions(version):
    """The latest deployed versions of the processes `version` calls that were not deployed with it."""
    missing = _missing_calls(version)
    session = object_session(version) if missing else None
    if session is None:
        return ()
    return tuple(v for v in (latest_version(session, key) for key in missing) if v is not None)


class SpecCache:
    """Parsed (spec, subprocess_specs) per process version id, per thread."""

    def __init__(self):
        self._local = threading.local()

    def get(self, version):
        """The parsed spec of a ProcessVersion, parsing its sources on first use in this thread."""
        cache = self._local.__dict__.setdefault("specs", {})
        late = _late_called_versions(version)
        cache_key = (version.id, version.checksum, tuple((v.key, v.id) for v in late))
        if cache_key not in cache:
            parser = parse_sources(version.sources)
            for called in late:  # processes that were not deployed yet when this version was
                for name, text in sorted(called.sources.get("bpmn", {}).items()):
                    if name not in version.sources.get("bpmn", {}) and name not in parser.process_parsers:
                        parser.add_bpmn_str(text.encode("utf-8"), filename="called/" + name)
            spec, subprocess_specs = parser.get_spec(version.key), called_specs(parser, version.key)
            for process_spec in (spec, *subprocess_specs.values()):
                if process_spec is not None:
                    prepare_multi_instance(process_spec)
            cache[cache_key] = (spec, subprocess_specs)
        return cache[cache_key]

    def clear(self):
        """Forget this thread's parsed specs (tests, or after a schema reset)."""
        self._local.__dict__["specs"] = {}


SPECS = SpecCache()
use_spec_source(SPECS.get)


class FormCache:
    """The form-js schemas of each process version, read once per process (versions never change)."""

    def __init__(self):
        self._forms = {}
        self._lock = threading.Lock()

    def get(self, version):
        """{form id: schema} of a ProcessVersion."""
        cache_key = (version.id, version.checksum)
        forms = self._forms.get(cache_key)
        if forms is None:
            forms = (version.sources or {}).get("forms", {})
            with self._lock:
                self._forms[cache_key] = forms
        return forms


FORMS = FormCache()


def task_attributes(version, row):
    """The camunda:* attributes of the user task a human_task row stands for (from the cached spec)."""
    spec, subprocess_specs = SPECS.get(version)
    for process_spec in (spec, *subprocess_specs.values()):
        if process_spec is not None and process_spec.name == row.process_key:
            for task_spec in process_spec.task_specs.values():  # a multi-instance task's child has the attributes
                if task_spec.bpmn_id == row.element_id and "camunda" in getattr(task_spec, "extensions", {}):
                    return task_spec.extensions["camunda"]
    return {}


def new_workflow(version, script_engine):
    """A fresh workflow for a process version."""
    spec, subprocess_specs = SPECS.get(version)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)


def dump_state(workflow):
    """The instance state as a JSON-ready dict, without the spec and without the finished history the engine
    no longer needs (see `engine.diagrams.pruning`; the workflow itself is pruned too)."""
    prune(workflow)
    dct = SERIALIZER.to_dict(workflow)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    if getattr(workflow, "called_versions", None):
        dct[CALLED_VERSIONS] = dict(workflow.called_versions)
    return dct


def load_state(version, state, script_engine):
    """Restore a workflow from stored state and the cached spec of its version."""
    spec, subprocess_specs = SPECS.get(version)
    dct = dict(state)
    called = dct.pop(CALLED_VERSIONS, None)
    if called:  # called processes bound when their call started (engine.diagrams.bindings)
        session = object_session(version)
        subprocess_specs = with_called_versions(subprocess_specs, {
            key: session.get(type(version), version_id) for key, version_id in called.items()})
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    if called:
        workflow.called_versions = dict(called)
    return workflow
