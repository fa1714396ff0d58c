"""Sequence flows with BPMN semantics where SpiffWorkflow is stricter than BPMN.

- Several outgoing flows from a task or event (an *implicit split*) run as in
  Camunda 7: every unconditional flow is taken (a parallel split), every flow
  whose condition is true is taken, and the default flow only when no other
  flow is. SpiffWorkflow refuses such diagrams ("Multiple outgoing flows are
  not supported"); our task parsers accept them and, when a flow carries a
  condition or the task names a default flow, put an `ImplicitSplit` spec
  (not drawn in the diagram) between the task and its targets.
- Several flows into a task are an implicit merge: each arrival runs the task
  again, which is what SpiffWorkflow does already.
- When no outgoing flow of a gateway or an implicit split matches, the step
  fails with a plain message naming the element and the conditions, so the
  path gets an incident HR can retry after a fix.
"""
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from engine.scripts.expressions import condition_text


def no_match_message(element, conditions, kind="gateway"):
    """The plain message for a path that cannot go on because no outgoing flow matched."""
    shown = "; ".join(text.strip() for text in conditions if text) or "none"
    return (f"no outgoing flow of {kind} {element} matched: every condition was false ({shown}) and there is no "
            f"default flow. Mark one flow as the default flow or add a condition that covers this case, deploy, "
            f"then retry the path")


class AppExclusiveGateway(ExclusiveGateway):
    """An exclusive gateway whose failure to match any flow is a plain, element-level error."""

    def _run_hook(self, my_task):
        if self.default_task_spec is None and not any(
                condition is not None and condition._matches(my_task) for condition, _name in self.cond_task_specs):
            raise WorkflowTaskException(no_match_message(self.bpmn_id, _conditions(self)), task=my_task)
        return super()._run_hook(my_task)


class AppInclusiveGateway(InclusiveGateway):
    """An inclusive gateway whose failure to match any flow is a plain, element-level error."""

    def _run_hook(self, my_task):
        matches, defaults = self._get_matching_outputs(my_task)
        if not matches + defaults:
            raise WorkflowTaskException(no_match_message(self.bpmn_id, _conditions(self)), task=my_task)
        return super()._run_hook(my_task)


class ImplicitSplit(InclusiveGateway):
    """The outgoing flows of a task or event that has conditional flows or a default flow.

    Takes every unconditional flow and every flow whose condition holds; the default flow only when no
    other flow is taken. `source_id` is the element the flows leave (the split itself is not drawn)."""

    def __init__(self, wf_spec, name, source_id=None, default_task_spec=None, **kwargs):
        super().__init__(wf_spec, name, **kwargs)
        self.bpmn_id = self.bpmn_name = None  # not drawn: messages name `source_id`
        self.source_id = source_id
        self.default_task_spec = default_task_spec

    def connect_default(self, task_spec):
        """Connect the default flow's target (taken only when no other flow is)."""
        self.default_task_spec = task_spec.name
        TaskSpec.connect(self, task_spec)

    def _update_hook(self, my_task):
        # Not a join: every arrival from its one source goes on at once.
        my_task._inherit_data()
        return True

    def _predict_hook(self, my_task):
        super()._predict_hook(my_task)
        if self.default_task_spec is not None:
            my_task._add_child(my_task.workflow.spec.get_task_spec_from_name(self.default_task_spec),
                               TaskState.MAYBE)

    def _run_hook(self, my_task):
        matches, always = self._get_matching_outputs(my_task)
        chosen = matches + always
        if not chosen and self.default_task_spec is not None:
            chosen = [my_task.workflow.spec.get_task_spec_from_name(self.default_task_spec)]
        if not chosen:
            raise WorkflowTaskException(no_match_message(self.source_id, _conditions(self), kind="element"),
                                        task=my_task)
        my_task._sync_children(chosen, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True


def literal_condition(text):
    """A condition as the script engine reads it: a bare `true` / `false` (JUEL coerces the text to a boolean,
    as Camunda does) becomes `True` / `False`; anything else is kept."""
    if text is not None and text.strip().lower() in ("true", "false"):
        return text.strip().capitalize()
    return text


class AppConditionalGatewayParser(ConditionalGatewayParser):
    """Exclusive and inclusive gateways as Camunda 7 runs them: a flow without a condition that is not the
    default is always true. On an exclusive gateway without a default flow it becomes the default (taken when
    no condition holds); otherwise it gets the condition `True`."""

    def parse_condition(self, sequence_flow):
        return literal_condition(super().parse_condition(sequence_flow))

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        if is_default or self.parse_condition(sequence_flow_node) is not None:
            return super().connect_outgoing(outgoing_task, sequence_flow_node, is_default)
        if isinstance(self.task, ExclusiveGateway) and self.task.default_task_spec is None \
                and not self.node.get("default"):
            return self.task.connect(outgoing_task)
        return self.task.connect_outgoing_if("True", outgoing_task)


def _conditions(spec):
    return [condition_text(condition) for condition, _name in spec.cond_task_specs if condition is not None]


def implicit_split_parser(base):
    """A task or event parser class that accepts several outgoing flows and conditional flows (see module doc)."""

    class ImplicitSplitParser(base):
        def handles_multiple_outgoing(self):
            return True

        def parse_condition(self, sequence_flow):
            return literal_condition(super().parse_condition(sequence_flow))

        def connect_outgoing(self, outgoing_task, sequence_flow, is_default):
            if not self._has_conditional_flows():
                return super().connect_outgoing(outgoing_task, sequence_flow, is_default)
            split = self._implicit_split()
            if is_default:
                split.connect_default(outgoing_task)
            else:
                split.connect_outgoing_if(self.parse_condition(sequence_flow), outgoing_task)

        def _has_conditional_flows(self):
            cached = getattr(self, "_conditional_flows", None)
            if cached is None:
                outgoing = self.process_parser.get_outgoing_sequence_flows(self.bpmn_id)
                cached = bool(self.node.get("default")) or any(
                    self.parse_condition(flow) is not None for flow in outgoing)
                self._conditional_flows = cached
            return cached

        def _implicit_split(self):
            name = f"{self.bpmn_id}.ImplicitSplit"
            split = self.spec.task_specs.get(name)
            if split is None:
                split = ImplicitSplit(self.spec, name, source_id=self.bpmn_id, lane=self.task.lane)
                self.task.connect(split)
            return split

    ImplicitSplitParser.__name__ = base.__name__
    return ImplicitSplitParser
