"""The node parsers the app's parser is assembled from: user tasks keep the attributes our app needs
(assignment, forms, dates, priority), start events the initiator, business rule tasks run DMN tables as
Camunda does (engine/diagrams/dmn.py), and `camunda:inputOutput` and `camunda:in` / `camunda:out` mappings
apply; `node_parser_classes` gives the parser classes per element (engine.diagrams.parser uses them)."""
from copy import deepcopy

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaStartEventParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, BusinessRuleTaskParser, UserTaskParser

from engine.diagrams.bindings import bind_called_process, binding_of
from engine.diagrams.flows import (
    AppConditionalGatewayParser, AppExclusiveGateway, AppInclusiveGateway, implicit_split_parser,
)
from engine.diagrams.script_parsing import inline_script

# camunda:* attributes of a user task copied into task_spec.extensions
USER_TASK_ATTRIBUTES = (
    "assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority",
    "formRef", "formRefBinding", "formRefVersion", "formKey",
)
# Elements whose camunda:inputOutput we apply.
MAPPED_TAGS = ("task", "userTask", "manualTask", "scriptTask", "businessRuleTask", "callActivity", "subProcess")


def camunda_attribute(node, name):
    """The value of camunda:`name` on an XML node, or None."""
    return node.get(f"{{{CAMUNDA_MODEL_NS}}}{name}")


def _camunda_children(node, path):
    return node.xpath(path, namespaces={"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
                                        "camunda": CAMUNDA_MODEL_NS})


def parameter_value(node):
    """A camunda:inputParameter / outputParameter as ("expression", text), ("value", constant) or
    ("unsupported", what)."""
    children = [child for child in node if isinstance(child.tag, str)]
    if not children:
        text = (node.text or "").strip()
        if "${" in text or "#{" in text:
            return ("expression", text)
        return ("value", text)
    child = children[0]
    local = child.tag.rsplit("}", 1)[-1]
    if local == "list":
        return ("list", [parameter_value(item) for item in child if isinstance(item.tag, str)])
    if local == "map":
        return ("map", [(entry.get("key"), parameter_value(entry)) for entry in child if isinstance(entry.tag, str)])
    if local == "script":
        return inline_script(child)
    return ("unsupported", f"camunda:{local}")


def read_mappings(node):
    """camunda:inputOutput parameters and camunda:in/out variable mappings of an element."""
    io = {
        "inputs": [(p.get("name"), parameter_value(p)) for p in _camunda_children(
            node, "./bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter")],
        "outputs": [(p.get("name"), parameter_value(p)) for p in _camunda_children(
            node, "./bpmn:extensionElements/camunda:inputOutput/camunda:outputParameter")],
    }
    for direction in ("in", "out"):
        io[direction] = [dict(m.attrib) for m in _camunda_children(node, f"./bpmn:extensionElements/camunda:{direction}")]
    return io


def mappings_parser(base):
    """A parser class that also records camunda mappings and the source line in `extensions`."""

    class MappingsParser(base):
        def parse_extensions(self, node=None):
            extensions = super().parse_extensions(node)
            extensions["line"] = self.node.sourceline
            extensions["mappings"] = read_mappings(self.node)
            if self.node.tag == full_tag("callActivity"):
                extensions["called_element"] = {name: value for name in ("calledElementBinding", "calledElementVersion")
                                                if (value := camunda_attribute(self.node, name)) is not None}
            return extensions

    MappingsParser.__name__ = f"App{base.__name__}"
    return MappingsParser


class AppUserTaskParser(mappings_parser(UserTaskParser)):
    """Reads the camunda:* attributes Spiff drops into `task_spec.extensions['camunda']`."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        extensions["camunda"] = {
            name: value for name in USER_TASK_ATTRIBUTES
            if (value := camunda_attribute(self.node, name)) is not None
        }
        return extensions


class AppStartEventParser(CamundaStartEventParser):
    """Keeps camunda:initiator: the variable that holds the username of whoever starts the process."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        initiator = camunda_attribute(self.node, "initiator")
        if initiator and initiator.strip():
            extensions["initiator"] = initiator.strip()
        if camunda_attribute(self.node, "formKey") or camunda_attribute(self.node, "formRef") or _camunda_children(
                self.node, "./bpmn:extensionElements/camunda:formData/camunda:formField"):
            extensions["start_form"] = True
        return extensions


def initiator_variables(process_spec):
    """The camunda:initiator variable names of a process's start events."""
    return sorted({task_spec.extensions["initiator"] for task_spec in process_spec.task_specs.values()
                   if "initiator" in (getattr(task_spec, "extensions", None) or {})})


class AppBusinessRuleTaskParser(mappings_parser(BusinessRuleTaskParser)):
    """Creates the spec class we configure (Spiff's parser hard-codes its own)."""

    def create_task(self):
        decision_ref = self.get_decision_ref(self.node)
        return self.spec_class(self.spec, self.bpmn_id,
                               dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
                               **self.bpmn_attributes)


def evaluate_parameter(task, value):
    """The value of a parsed inputOutput parameter for a task."""
    kind, content = value
    if kind == "expression":
        return task.workflow.script_engine.evaluate(task, content)
    if kind == "list":
        return [evaluate_parameter(task, item) for item in content]
    if kind == "map":
        return {key: evaluate_parameter(task, item) for key, item in content}
    if kind == "value":
        return content
    raise ValueError(f"{content} parameters are not supported")


class CamundaMappingsMixin:
    """Applies camunda:inputOutput: inputs set before the task runs, outputs after it completes.

    Input parameters are local to the task in Camunda; here they are removed again
    when the task completes, unless an output parameter writes the same name.
    """

    def _update_hook(self, my_task):
        ready = super()._update_hook(my_task)
        self._apply_inputs(my_task)
        return ready

    def _apply_inputs(self, my_task):
        """Set the input parameters once per task (after it inherited its data)."""
        mappings = getattr(self, "extensions", {}).get("mappings") or {}
        if not mappings.get("inputs") or "mapped_input_names" in my_task.internal_data:
            return
        previous = {}
        for name, value in mappings["inputs"]:
            previous[name] = my_task.data.get(name, _ABSENT)
            my_task.data[name] = evaluate_parameter(my_task, value)
        my_task.internal_data["mapped_inputs"] = {k: v for k, v in previous.items() if v is not _ABSENT}
        my_task.internal_data["mapped_input_names"] = list(previous)

    def _on_complete_hook(self, my_task):
        mappings = getattr(self, "extensions", {}).get("mappings") or {}
        outputs = {name: evaluate_parameter(my_task, value) for name, value in mappings.get("outputs", [])}
        for name in my_task.internal_data.get("mapped_input_names", []):
            if name not in outputs:
                restored = my_task.internal_data.get("mapped_inputs", {})
                if name in restored:
                    my_task.data[name] = restored[name]
                else:
                    my_task.data.pop(name, None)
        my_task.data.update(outputs)
        super()._on_complete_hook(my_task)


_ABSENT = object()


class CamundaCallMixin(CamundaMappingsMixin):
    """camunda:in / camunda:out on call activities. Without any mapping all data passes (SpiffWorkflow's
    default); with mappings only what they name passes, as in Camunda."""

    def _update_hook(self, my_task):
        top = my_task.workflow.top_workflow
        if top.subprocesses.get(my_task.id) is None:
            binding, version = binding_of(self.extensions.get("called_element") or {}, "calledElement")
            bind_called_process(top, self.spec, binding, version, my_task)
            if top.subprocess_specs.get(self.spec) is None:
                raise WorkflowTaskException(f'the called process "{self.spec}" is not deployed: deploy it, then '
                                            f"retry the path", task=my_task)
        return super()._update_hook(my_task)

    def copy_data(self, my_task, subworkflow):
        self._apply_inputs(my_task)
        ins = (self.extensions.get("mappings") or {}).get("in") or []
        ins = [m for m in ins if not m.get("businessKey")]
        if not ins:
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        start.set_data(**_mapped(my_task, my_task.data, ins))

    def update_data(self, my_task, subworkflow):
        outs = (self.extensions.get("mappings") or {}).get("out") or []
        if not outs:
            return super().update_data(my_task, subworkflow)
        my_task.data.update(_mapped(subworkflow.last_task, subworkflow.last_task.data, outs))


def _mapped(task, data, mappings):
    result = {}
    for mapping in mappings:
        if mapping.get("variables") == "all":
            result.update(deepcopy(data))
        elif mapping.get("sourceExpression"):
            result[mapping["target"]] = task.workflow.script_engine.evaluate(task, mapping["sourceExpression"])
        elif mapping.get("source") and mapping["source"] in data:
            result[mapping.get("target") or mapping["source"]] = deepcopy(data[mapping["source"]])
    return result


def _with_mappings(spec_class, mixin=CamundaMappingsMixin):
    return type(f"App{spec_class.__name__}", (mixin, spec_class), {})


def node_parser_classes():
    """SpiffWorkflow's Camunda parser classes per element tag, with the app's node parsers and specs."""
    classes = dict(CamundaParser.OVERRIDE_PARSER_CLASSES)
    for tag in MAPPED_TAGS:
        parser_class, spec_class = classes[full_tag(tag)]
        if tag == "userTask":
            parser_class = AppUserTaskParser
        elif tag == "businessRuleTask":
            parser_class = AppBusinessRuleTaskParser
        else:
            parser_class = mappings_parser(parser_class)
        mixin = CamundaCallMixin if tag == "callActivity" else CamundaMappingsMixin
        classes[full_tag(tag)] = (parser_class, _with_mappings(spec_class, mixin))
    classes[full_tag("startEvent")] = (AppStartEventParser, classes[full_tag("startEvent")][1])
    for tag, gateway_class in (("exclusiveGateway", AppExclusiveGateway), ("inclusiveGateway", AppInclusiveGateway)):
        classes[full_tag(tag)] = (AppConditionalGatewayParser, gateway_class)
    for tag, (parser_class, spec_class) in {**CamundaParser.PARSER_CLASSES, **classes}.items():
        if not tag.endswith(("Gateway", "}endEvent")):
            classes[tag] = (implicit_split_parser(parser_class), spec_class)
    return classes
