"""The Camunda-dialect parser: SpiffWorkflow's CamundaParser that also keeps the
attributes our app needs (assignment, forms, dates, priority) on each user task,
runs DMN tables as Camunda does (engine/diagrams/dmn.py) and applies `camunda:inputOutput`
and `camunda:in` / `camunda:out` mappings."""
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from engine.diagrams.bindings import binding_of
from engine.diagrams.dmn import DecisionCall, parse_dmn
from engine.diagrams.external_specs import with_connected_elements
from engine.diagrams.node_parsers import camunda_attribute, node_parser_classes
from engine.diagrams.script_parsing import with_script_languages


class AppParser(CamundaParser):
    """The parser every deployment goes through."""

    OVERRIDE_PARSER_CLASSES = with_connected_elements(node_parser_classes())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decisions = {}  # decision id -> engine.diagrams.dmn.Decision

    def _get_parser_class(self, tag):
        """Every node parser also reads script and condition languages and cron cycles (engine/scripts/languages.py)."""
        parser_class, spec_class = super()._get_parser_class(tag)
        return with_script_languages(parser_class), spec_class

    def add_dmn_str(self, dmn_str, filename=None):
        """Read every decision table of a DMN file; the first problem raises ValidationException."""
        decisions, problems = parse_dmn(dmn_str, filename)
        if problems:
            first = problems[0]
            raise ValidationException(first.message, file_name=filename, id=first.element_id or "",
                                      line_number=first.line or "")
        self.decisions.update(decisions)

    def get_engine(self, decision_ref, node):
        """The decision a business rule task evaluates, with its result mapping."""
        if decision_ref not in self.decisions:
            raise ValidationException(
                f'the decision "{decision_ref}" is neither deployed nor among the files: add the .dmn file '
                f"that defines it", node=node)
        binding, version = binding_of({name: camunda_attribute(node, name)
                                       for name in ("decisionRefBinding", "decisionRefVersion")}, "decisionRef")
        return DecisionCall(self.decisions[decision_ref], camunda_attribute(node, "resultVariable"),
                            camunda_attribute(node, "mapDecisionResult"), binding=binding, version=version)
