"""DMN decision tables as Camunda Modeler writes them.

Input entries are FEEL simple unary tests (`"a","b"`, `< 5`, `[1..5]`, `-`,
`not("x")`), inputs and outputs FEEL or JUEL expressions. Each is translated to
Python once, at parse time, and evaluated with the workflow's sandboxed script
engine. Hit policies: UNIQUE, FIRST, ANY, COLLECT (with SUM, MIN, MAX, COUNT)
and RULE ORDER. `camunda:resultVariable` with `camunda:mapDecisionResult`
stores the result as Camunda does; without a result variable the outputs are
merged into the process data.
"""
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy.orm import object_session

from engine.context import current_instance
from engine.diagrams.versions import parsed_resource, resource_version

from engine.scripts.expressions import ExpressionSyntaxError
from engine.scripts.feel import CELL_INPUT, feel_to_python, unary_tests_to_python

SINGLE_HIT = {"UNIQUE", "FIRST", "ANY"}
MULTI_HIT = {"COLLECT", "RULE ORDER"}
AGGREGATIONS = {"SUM", "MIN", "MAX", "COUNT"}
RESULT_MAPPINGS = {"resultList", "singleResult", "singleEntry", "collectEntries"}


class DmnProblem(ValueError):
    """Something in a DMN file that cannot run, located by element id and line."""

    def __init__(self, message, element_id=None, line=None):
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        self.line = line




# --- Decision tables ------------------------------------------------------------------------

@dataclass
class Rule:
    id: str
    row: int
    tests: list       # Python expression per input, or None for "any"
    outputs: list     # Python expression per output, or None for empty


@dataclass
class Decision:
    """One decision table, ready to evaluate."""

    id: str
    name: str
    file: str
    hit_policy: str = "UNIQUE"
    aggregation: str | None = None
    inputs: list = field(default_factory=list)    # Python expressions
    outputs: list = field(default_factory=list)   # output names
    rules: list = field(default_factory=list)

    @property
    def single_hit(self):
        return self.hit_policy in SINGLE_HIT

    def matches(self, task):
        """Output dicts of the rules that match, in rule order, after applying the hit policy."""
        engine = task.workflow.script_engine
        values = [engine.evaluate(task, expression) for expression in self.inputs]
        matched = []
        for rule in self.rules:
            if all(test is None or engine.evaluate(task, test, external_context={CELL_INPUT: value})
                   for test, value in zip(rule.tests, values)):
                matched.append(rule)
                if self.hit_policy == "FIRST":
                    break
        results = [{name: (engine.evaluate(task, expression) if expression else None)
                    for name, expression in zip(self.outputs, rule.outputs)} for rule in matched]
        if self.hit_policy == "UNIQUE" and len(matched) > 1:
            raise WorkflowTaskException(
                f'decision "{self.name or self.id}": rules {", ".join(str(r.row) for r in matched)} all match, '
                f"but its hit policy UNIQUE allows only one", task=task)
        if self.hit_policy == "ANY" and any(result != results[0] for result in results):
            raise WorkflowTaskException(
                f'decision "{self.name or self.id}": rules {", ".join(str(r.row) for r in matched)} match with '
                f"different outputs, but its hit policy ANY needs them to agree", task=task)
        if self.hit_policy == "ANY":
            results = results[:1]
        if self.aggregation:
            results = [self._aggregate(results)]
        return results

    def _aggregate(self, results):
        name = self.outputs[0]
        values = [result[name] for result in results if result.get(name) is not None]
        if self.aggregation == "COUNT":
            return {name: len(values)}
        if not values:
            return {name: None}
        return {name: {"SUM": sum, "MIN": min, "MAX": max}[self.aggregation](values)}


def _text_of(node, ns):
    text = node.find(f"{{{ns}}}text")
    return text.text if text is not None and text.text is not None else ""


def parse_dmn(text, filename):
    """Every decision table of a DMN file: ({decision id: Decision}, [DmnProblem])."""
    try:
        root = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except etree.XMLSyntaxError as exc:
        return {}, [DmnProblem(f"not well-formed XML: {exc.msg}", line=exc.lineno)]
    ns = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or not ns or "DMN" not in ns.upper():
        return {}, [DmnProblem("not a DMN file: the root element must be dmn:definitions", line=root.sourceline)]
    decisions, problems = {}, []
    for node in root.findall(f"{{{ns}}}decision"):
        decision, decision_problems = _parse_decision(node, ns, filename)
        problems.extend(decision_problems)
        if decision is not None and not decision_problems:
            decisions[decision.id] = decision
    if not decisions and not problems:
        problems.append(DmnProblem("the file defines no decision", line=root.sourceline))
    return decisions, problems


def _parse_decision(node, ns, filename):
    decision_id = node.get("id")
    problems = []

    def problem(message, element):
        problems.append(DmnProblem(message, element_id=element.get("id") or decision_id, line=element.sourceline))

    if node.find(f"{{{ns}}}informationRequirement") is not None:
        problem("this decision uses another decision (decision requirements); only single decision tables "
                "are supported here: merge them into one table", node)
    table = node.find(f"{{{ns}}}decisionTable")
    if table is None:
        problem("only decision tables are supported here (not literal expressions)", node)
        return None, problems
    decision = Decision(decision_id, node.get("name") or "", filename,
                        hit_policy=(table.get("hitPolicy") or "UNIQUE").upper(),
                        aggregation=(table.get("aggregation") or "").upper() or None)
    if decision.hit_policy not in SINGLE_HIT | MULTI_HIT:
        problem(f"the hit policy {decision.hit_policy} is not supported here; use UNIQUE, FIRST, ANY, "
                f"COLLECT or RULE ORDER", table)
    if decision.aggregation and (decision.hit_policy != "COLLECT" or decision.aggregation not in AGGREGATIONS):
        problem(f"the aggregation {decision.aggregation} needs the hit policy COLLECT and one of "
                f"SUM, MIN, MAX, COUNT", table)
    for input_node in table.findall(f"{{{ns}}}input"):
        expression_node = input_node.find(f"{{{ns}}}inputExpression")
        source = _text_of(expression_node, ns) if expression_node is not None else ""
        try:
            decision.inputs.append(feel_to_python(source))
        except (ExpressionSyntaxError, SyntaxError) as exc:
            problem(f'the input expression {source!r} (column "{input_node.get("label") or ""}") cannot be read: '
                    f"{exc}", input_node)
    for output_node in table.findall(f"{{{ns}}}output"):
        decision.outputs.append(output_node.get("name") or output_node.get("label") or output_node.get("id"))
    if decision.aggregation and len(decision.outputs) != 1:
        problem("an aggregation needs exactly one output column", table)
    for row, rule_node in enumerate(table.findall(f"{{{ns}}}rule"), start=1):
        tests, outputs = [], []
        for entry in rule_node.findall(f"{{{ns}}}inputEntry"):
            source = _text_of(entry, ns)
            try:
                tests.append(unary_tests_to_python(source))
            except (ExpressionSyntaxError, SyntaxError) as exc:
                problem(f"rule {row}: the input entry {source!r} cannot be read: {exc}", entry)
        for entry in rule_node.findall(f"{{{ns}}}outputEntry"):
            source = _text_of(entry, ns).strip()
            try:
                outputs.append(feel_to_python(source) if source else None)
            except (ExpressionSyntaxError, SyntaxError) as exc:
                problem(f"rule {row}: the output entry {source!r} cannot be read: {exc}", entry)
        if len(tests) != len(decision.inputs) or len(outputs) != len(decision.outputs):
            problem(f"rule {row} has {len(tests)} input and {len(outputs)} output entries; the table has "
                    f"{len(decision.inputs)} inputs and {len(decision.outputs)} outputs", rule_node)
        decision.rules.append(Rule(rule_node.get("id"), row, tests, outputs))
    return decision, problems


class DecisionCall:
    """What a business rule task runs: a decision plus how its result is stored (Spiff's dmnEngine slot).

    `binding` / `version` are camunda:decisionRefBinding / decisionRefVersion: which deployed version of the
    decision runs is decided when the task runs (engine/diagrams/bindings.py); `decision` is the one parsed with the
    process version."""

    def __init__(self, decision, result_variable=None, map_decision_result=None, binding="latest", version=None):
        self.decision = decision
        self.result_variable = result_variable
        self.map_decision_result = map_decision_result or "resultList"
        self.binding = binding
        self.version = version

    def result(self, task):
        """The data to merge into the task: {resultVariable: mapped result} or the outputs themselves."""
        decision = decision_for(self, task)
        results = decision.matches(task)
        if self.result_variable:
            return {self.result_variable: self._mapped(decision, results, task)}
        if decision.single_hit or decision.aggregation:
            return dict(results[0]) if results else {}
        return {name: [result[name] for result in results] for name in decision.outputs}

    def _mapped(self, decision, results, task):
        mapping = self.map_decision_result
        if mapping == "resultList":
            return results
        if mapping == "collectEntries":
            self._require(len(decision.outputs) == 1, "collectEntries needs exactly one output", task)
            return [next(iter(result.values())) for result in results]
        self._require(len(results) <= 1, f"{mapping} needs at most one matching rule, {len(results)} matched", task)
        if mapping == "singleResult":
            return results[0] if results else None
        self._require(len(decision.outputs) == 1, "singleEntry needs exactly one output", task)
        return next(iter(results[0].values())) if results else None

    def _require(self, condition, message, task):
        if not condition:
            raise WorkflowTaskException(f'decision "{self.decision.name or self.decision.id}": {message}',
                                        task=task)


def decision_for(call, task):
    """The decision a business rule task evaluates now: its binding resolved against what is deployed, or the
    one parsed with the version when the path runs outside the database (tests) or binds to its deployment."""
    instance = current_instance()
    binding = getattr(call, "binding", "latest")
    session = object_session(instance) if instance is not None else None
    if session is None or binding == "deployment":
        return call.decision
    row = resource_version(session, "decision", call.decision.id, getattr(call, "version", None) if binding == "version"
                    else None)
    if row is None:
        if binding == "version":
            raise WorkflowTaskException(f'version {call.version} of the decision "{call.decision.id}" is not '
                                        f"deployed: deploy it (or change decisionRefVersion), then retry the path",
                                        task=task)
        return call.decision  # deployed before decisions were resources: the version's own copy
    return parsed_resource(row, lambda: parse_dmn(row.source, row.resource)[0]).get(call.decision.id, call.decision)
