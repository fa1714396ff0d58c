"""Parsed process specs, one per deployed version, and workflow state without the spec.

A version's sources are parsed once per worker thread and cached: multi-instance
tasks adjust their spec while running, so threads never share one spec object.
Instance state is serialized without the spec; restoring it takes the cached spec.
"""
import threading

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask

from .timer_events import APP_TIMERS
from .parser import AppParser
from .pruning import PRUNED_ELEMENTS, prune, pruned_elements


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
    for _parser_class, spec_class in AppParser.OVERRIDE_PARSER_CLASSES.values():
        if issubclass(spec_class, BusinessRuleTask):
            config[spec_class] = DecisionTaskConverter
        elif spec_class not in config:
            base = next((cls for cls in spec_class.__mro__[1:] if cls in config), None)
            if base is not None:
                config[spec_class] = config[base]
    return config


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


class SpecCache:
    """Parsed (spec, subprocess_specs) per process version id, per thread."""

    def __init__(self):
        self._local = threading.local()

    def get(self, version):
        """The parsed spec of a ProcessVersion, parsing its sources on first use in this thread."""
        cache = self._local.__dict__.setdefault("specs", {})
        cache_key = (version.id, version.checksum)
        if cache_key not in cache:
            parser = parse_sources(version.sources)
            spec, subprocess_specs = parser.get_spec(version.key), parser.get_subprocess_specs(version.key)
            for process_spec in (spec, *subprocess_specs.values()):
                prepare_multi_instance(process_spec)
            cache[cache_key] = (spec, subprocess_specs)
        return cache[cache_key]

    def clear(self):
        """Forget this thread's parsed specs (tests, or after a schema reset)."""
        self._local.__dict__["specs"] = {}


SPECS = SpecCache()


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


def new_workflow(version, script_engine):
    """A fresh workflow for a process version."""
    spec, subprocess_specs = SPECS.get(version)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)


def dump_state(workflow):
    """The instance state as a JSON-ready dict, without the spec and without the finished history the engine
    no longer needs (see `engine.pruning`; the workflow itself is pruned too)."""
    prune(workflow)
    dct = SERIALIZER.to_dict(workflow)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return dct


def load_state(version, state, script_engine):
    """Restore a workflow from stored state and the cached spec of its version."""
    spec, subprocess_specs = SPECS.get(version)
    dct = dict(state)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
