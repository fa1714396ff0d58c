"""Parsing of the elements that talk to other systems: external tasks and messages.

A service, send or business rule task, or a message end/intermediate throw event,
with `camunda:type="external" camunda:topic="..."` waits for a worker outside the
app (engine/connect/external_tasks.py): the parser records the topic in the spec's
`extensions["external"]`, and the spec stops in the STARTED state instead of
running. Java implementations (`camunda:class`, `delegateExpression`,
`expression`, connectors) are recorded too, so deployment can refuse them with a
message pointing to `camunda:type="external"`.

Message events carry `CorrelatedMessageEventDefinition`, which also accepts a
message correlated through the REST API: its variables become process variables,
as in Camunda.
"""
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser, SendTaskParser
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.specs.defaults import (EndEvent, IntermediateThrowEvent, ReceiveTask, SendTask,
                                               ServiceTask)
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEndEventParser, CamundaIntermediateThrowEventParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessageEventDefinition

from engine.diagrams.node_parsers import (
    AppBusinessRuleTaskParser, CamundaMappingsMixin, camunda_attribute, mappings_parser,
)

JAVA_IMPLEMENTATIONS = ("class", "delegateExpression", "expression")
REST_VARIABLES = "rest_variables"  # the payload key of a message correlated through the REST API


def implementation_of(node):
    """How a task or message event definition is implemented: {"external": {...}} for a worker topic, or
    {"java": "camunda:class"...} / {"connector": True}, or {} when nothing is said."""
    if node is None:
        return {}
    if (camunda_attribute(node, "type") or "").strip() == "external":
        return {"external": {"topic": (camunda_attribute(node, "topic") or "").strip(),
                             "priority": camunda_attribute(node, "taskPriority")}}
    for name in JAVA_IMPLEMENTATIONS:
        if camunda_attribute(node, name):
            return {"java": f"camunda:{name}"}
    connector = node.xpath("./bpmn:extensionElements/camunda:connector", namespaces={
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": CAMUNDA_MODEL_NS})
    if connector:
        return {"connector": True}
    if camunda_attribute(node, "type"):
        return {"java": f'camunda:type="{camunda_attribute(node, "type")}"'}
    return {}


def external_topic(task_spec):
    """The worker topic of an element that waits for an external worker, else None."""
    external = (getattr(task_spec, "extensions", None) or {}).get("external")
    return external.get("topic") if external else None


class CorrelatedMessageEventDefinition(CamundaMessageEventDefinition):
    """A Camunda message event that also takes messages correlated from outside: their variables are set as
    process variables. A message thrown inside a diagram without `camunda:expression` carries no payload."""

    def throw(self, my_task):
        """Throw to the diagram (and to the app, when nothing in it catches: see engine/connect/waits.py)."""
        result = my_task.workflow.script_engine.evaluate(my_task, self.expression) if self.expression else None
        event = BpmnEvent(self, payload={"payload": result, "result_var": self.result_var})
        my_task.workflow.top_workflow.catch(event)

    def update_internal_data(self, my_task, event):
        payload = event.payload or {}
        if REST_VARIABLES in payload:
            my_task.internal_data[self.name] = payload
        elif payload.get("payload") is not None or payload.get("result_var"):
            super().update_internal_data(my_task, event)

    def update_task_data(self, my_task):
        payload = my_task.internal_data.get(self.name)
        if not payload:
            return
        if REST_VARIABLES in payload:
            my_task.data.update(payload[REST_VARIABLES] or {})
        else:
            super().update_task_data(my_task)


class MessageParsingMixin:
    """Message event definitions as CorrelatedMessageEventDefinition; `camunda:type="external"` on the message
    event definition of a throw/end event makes it an external task."""

    def parse_message_event(self, message_event):
        message_ref = message_event.get("messageRef")
        if message_ref:
            message = first(self.doc_xpath(f'.//bpmn:message[@id="{message_ref}"]'))
            name = message.get("name") if message is not None else None
            if name is None:
                self.raise_validation_exception(f'the message "{message_ref}" this event refers to is not defined',
                                                node=message_event)
            correlations = self.get_message_correlations(message_ref)
        else:
            name = message_event.getparent().get("name")
            correlations = {}
        if message_event.tag == full_tag("messageEventDefinition"):
            self._message_implementation = implementation_of(message_event)
        return CorrelatedMessageEventDefinition(name, correlations, camunda_attribute(message_event, "expression"),
                                                camunda_attribute(message_event, "resultVariable"))

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        extensions.update(getattr(self, "_message_implementation", None) or {})
        extensions["line"] = self.node.sourceline
        return extensions


class ImplementationParsingMixin:
    """Records how a task is implemented (external topic or a Java implementation) in its extensions."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        extensions.update(implementation_of(self.node))
        extensions["line"] = self.node.sourceline
        return extensions


class ExternalWaitMixin:
    """An element with an external topic does not run here: it waits (STARTED) until a worker completes it."""

    def _run_hook(self, my_task):
        if external_topic(self) is not None:
            return None
        return super()._run_hook(my_task)


class ExternalBusinessRuleTaskParser(ImplementationParsingMixin, AppBusinessRuleTaskParser):
    """A business rule task calls a decision table, or (with camunda:type="external") waits for a worker."""

    @staticmethod
    def get_decision_ref(node):
        """The decision a business rule task calls (None for an external one, which calls none)."""
        return camunda_attribute(node, "decisionRef")

    def create_task(self):
        if (camunda_attribute(self.node, "type") or "").strip() == "external":
            return APP_SERVICE_TASK(self.spec, self.bpmn_id, **self.bpmn_attributes)
        return super().create_task()


def _subclass(*bases):
    """A class made of mixins and the SpiffWorkflow class they extend (last), named after that class."""
    return type(f"App{bases[-1].__name__}", bases, {})


_parser = _spec = _subclass


APP_SERVICE_TASK = _spec(ExternalWaitMixin, CamundaMappingsMixin, ServiceTask)


def with_connected_elements(classes):
    """The parser classes of the app's parser, with external tasks and correlated messages added."""
    classes = dict(classes)
    business_rule_spec = classes[full_tag("businessRuleTask")][1]
    classes.update({
        full_tag("serviceTask"): (_parser(ImplementationParsingMixin, mappings_parser(CamundaTaskParser)),
                                  APP_SERVICE_TASK),
        full_tag("sendTask"): (_parser(MessageParsingMixin, ImplementationParsingMixin, SendTaskParser),
                               _spec(ExternalWaitMixin, SendTask)),
        full_tag("receiveTask"): (_parser(MessageParsingMixin, ReceiveTaskParser), ReceiveTask),
        full_tag("businessRuleTask"): (ExternalBusinessRuleTaskParser, business_rule_spec),
        full_tag("intermediateThrowEvent"): (_parser(MessageParsingMixin, CamundaIntermediateThrowEventParser),
                                             _spec(ExternalWaitMixin, IntermediateThrowEvent)),
        full_tag("endEvent"): (_parser(MessageParsingMixin, CamundaEndEventParser), _spec(ExternalWaitMixin, EndEvent)),
    })
    for tag in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
        parser_class, spec_class = classes[full_tag(tag)]  # (the app's own parser for the tag, when it has one)
        classes[full_tag(tag)] = (_parser(MessageParsingMixin, parser_class), spec_class)
    return classes



def implementation_problems(task_spec):
    """Why an element cannot run here, in words a process owner acts on (deploy refuses these), else []."""
    extensions = getattr(task_spec, "extensions", None) or {}
    kind = "send task" if isinstance(task_spec, SendTask) else "service task"
    if extensions.get("java"):
        return [f"{extensions['java']} names Java code, which cannot run here: set camunda:type=\"external\" and "
                f"camunda:topic=\"...\" (Implementation: External in Camunda Modeler) and let a worker do the work "
                f"through /engine-rest/external-task"]
    if extensions.get("connector"):
        return ["Camunda Connect connectors do not run here: set camunda:type=\"external\" and camunda:topic=\"...\" "
                "and let a worker call the other system through /engine-rest/external-task"]
    if "external" in extensions and not extensions["external"].get("topic"):
        return ['camunda:type="external" needs camunda:topic="...": the topic workers fetch this task by']
    if isinstance(task_spec, (ServiceTask, SendTask)) and "external" not in extensions:
        return [f"one of camunda:class, delegateExpression, type or expression is mandatory on a {kind} (as in "
                f"Camunda 7); here use camunda:type=\"external\" with camunda:topic=\"...\" so a worker does the work"]
    return []
