"""The Camunda-dialect parser: SpiffWorkflow's CamundaParser that also keeps the
attributes our app needs (assignment, forms, dates, priority) on each user task."""
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.defaults import (
    CallActivity,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CallActivityParser, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

# camunda:* attributes of a user task copied into task_spec.extensions
USER_TASK_ATTRIBUTES = (
    "assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority",
    "formRef", "formRefBinding", "formRefVersion", "formKey",
)


def camunda_attribute(node, name):
    """The value of camunda:`name` on an XML node, or None."""
    return node.get(f"{{{CAMUNDA_MODEL_NS}}}{name}")


class AppUserTaskParser(UserTaskParser):
    """Reads the camunda:* attributes Spiff drops into `task_spec.extensions['camunda']`."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        extensions["camunda"] = {
            name: value for name in USER_TASK_ATTRIBUTES
            if (value := camunda_attribute(self.node, name)) is not None
        }
        extensions["line"] = self.node.sourceline
        return extensions


class AppCallActivityParser(CallActivityParser):
    """Keeps camunda:in / camunda:out mappings and the source line for validation messages."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        extensions["line"] = self.node.sourceline
        return extensions


class AppParser(CamundaParser):
    """The parser every deployment goes through."""

    OVERRIDE_PARSER_CLASSES = dict(CamundaParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES[full_tag("userTask")] = (AppUserTaskParser, UserTask)
    OVERRIDE_PARSER_CLASSES[full_tag("callActivity")] = (AppCallActivityParser, CallActivity)
