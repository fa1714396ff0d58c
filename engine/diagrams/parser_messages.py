"""SpiffWorkflow's parser messages in words a process owner understands.

Every message SpiffWorkflow 3.2's BPMN parser raises as a ValidationException
has a rewording here that says what is wrong and what to do. An exception that
is not a validation message (SpiffWorkflow wraps any error of its parser as
`ValidationException(repr(exc))`, and our own checks could fail too) is not a
problem of the file the owner can fix: it becomes "this construct is not
supported (kind)" on the element, and the full text goes to the log.
"""
import logging
import re

log = logging.getLogger(__name__)

_NOT_SUPPORTED_HINT = "remove it or draw the same with tasks, gateways and events this engine runs"

_REWORDINGS = [
    (r"Cannot resolve data(Input|Output)Association .*",
     "a data association points to a data object or store this process does not define; data associations are "
     "not supported here: remove it"),
    (r"Data Store with name (?P<name>.+?) has no implementation.*",
     'the data store "{name}" has no implementation; data stores are not supported here: remove it'),
    (r"Data Store (identifier|name) is missing from bpmn xml.*",
     "data stores are not supported here: remove the data store"),
    (r"(Time Specification Error\. )?Unknown Time Specification.*",
     "the timer has no duration, date or cycle: set one, e.g. P7D, 2026-12-01T09:00:00Z or R3/PT10M"),
    (r"Time Specification Error.*",
     "the timer's duration, date or cycle cannot be read: use e.g. P7D, 2026-12-01T09:00:00Z or R3/PT10M"),
    (r"Exactly one start event is required in a SubWorkflow Task; found (?P<count>\d+).*",
     "this sub-process needs exactly one start event (it has {count})"),
    (r"A SubWorkflow Must contain an End event.*", "this sub-process needs an end event: add one"),
    (r"A multiinstance task must specify a cardinality or a collection.*",
     "a multi-instance task needs a collection (camunda:collection) or a loop cardinality to know how many "
     "times to run"),
    (r"A multiinstance task must specify a cardinality or a loop input data reference.*",
     "a multi-instance task needs a collection (camunda:collection) or a loop cardinality to know how many "
     "times to run"),
    (r"A multiinstance task must specify exactly one of cardinality or loop input data reference.*",
     "a multi-instance task needs either a collection or a loop cardinality, not both: remove one"),
    (r"The loop (?P<which>input|output) data reference is missing from the IO specification.*",
     "the multi-instance loop {which} names a data reference the task's input/output does not declare: "
     "use camunda:collection and camunda:elementVariable instead"),
    (r"A loopMaximum or loopCondition must be specified for Loop Tasks.*",
     "this loop task needs a loop condition or a maximum number of loops: set one in its loop characteristics"),
    (r"Duplicate process ID: (?P<name>\S+?)\.?\s*$",
     'the process id "{name}" is defined twice: each process needs its own id'),
    (r"No start event found.*", "this process has no start event: add one"),
    (r"Process (?P<name>\S+) is not executable.*",
     'the process "{name}" is not executable: tick "Executable" on the process (isExecutable="true") to deploy it'),
    (r"The process '(?P<name>[^']+)' was not found.*",
     'calls the process "{name}", which is neither deployed nor among the files: deploy it or add its file'),
    (r'No "calledElement" attribute for Call Activity.*',
     "this call activity does not say which process it calls: set its called element (calledElement) to a "
     "process id"),
    (r"Invalid Script Task\.\s*No Script Provided.*",
     "this script task has no script: write one, or use a plain task"),
    (r"Conditional event definition with missing condition.*",
     "this conditional event has no condition: write one, e.g. ${{approved}}"),
    (r"Cancel Events may only be used with transactions.*",
     "cancel events belong to transaction sub-processes only: use an error event, or make the sub-process a "
     "transaction"),
    (r"Ad hoc subprocesses may not contain start or end events.*",
     "an ad hoc sub-process may not contain start or end events: remove them"),
    (r"Sequential ordering for ad hoc subprocesses not supported.*",
     "sequential ad hoc sub-processes are not supported here: use parallel ordering or a sequence of tasks"),
    (r"(?P<kind>Message|Signal|Error|Escalation|Correlation) identifier is missing from bpmn xml.*",
     "a {kind} definition has no id: give it an id in the diagram"),
    (r"Expected an? (?P<kind>Message|Signal|Error|error|Escalation) node.*",
     "this event refers to a {kind} the diagram does not define: add it to the diagram or choose a defined one"),
    (r"Could not find messageRef from message event definition: (?P<name>.*)",
     'this event refers to the message "{name}", which the diagram does not define: add it or choose another'),
    (r"Message identifier is missing from correlation property: (?P<name>.*)",
     'the correlation property "{name}" names no message: choose the message it belongs to'),
    (r"Correlation is missing correlation property retrieval expressions: (?P<name>.*)",
     'the correlation property "{name}" has no retrieval expression: add one, or remove the correlation'),
    (r"When looking for a task spec, we found two items, perhaps a form has the same ID\? \((?P<name>[^)]*)\).*",
     'a sequence flow leads to "{name}", which is no element of this process: connect it to an element'),
    (r"When looking for a task spec, we found two items.*",
     "a sequence flow leads to an element that is not in this process: connect it to an element of the process"),
    (r"Non-default exclusive outgoing sequence flow without condition.*",
     "this flow out of a gateway has no condition and is not the default flow: add a condition or make it the "
     "default flow"),
    (r"Multiple outgoing flows are not supported for tasks of type.*",
     "this element cannot have several outgoing flows: add a gateway after it"),
    (r"There is no support implemented for this task type.*",
     f"this kind of task is not supported here: {_NOT_SUPPORTED_HINT}"),
    (r"A Service Task must have an operator.*",
     'a service task needs an implementation: use an external task (camunda:type="external" with a topic)'),
    (r"(Multiple decision tables are not current supported|No decisions found|No DMN Diagram available).*",
     "the DMN file has no decision table this engine can run: define one decision table per decision"),
    (r"Unknown type in decision table: (?P<name>.*)",
     "the decision table uses the type {name}, which is not supported: use string, integer, long, double, "
     "boolean or date"),
    (r"Malformed Output Expression '(?P<name>.*)'.*",
     "the decision table output {name} cannot be read: write a literal or an expression"),
    (r"TypeError\(\"NodeParser\.raise_validation_exception\(\) got an unexpected keyword argument 'node'\"\)",
     "this event refers to a message, signal, error or escalation the diagram does not define: add it to the "
     "diagram or choose a defined one"),
    (r"NotImplementedError\('Unsupported Catch Event.*",
     "this boundary event has no event type that can run here (a plain or compensation boundary event): use a "
     "timer, message, signal, error, escalation or conditional boundary event"),
]
_COMPILED = [(re.compile(pattern, re.S), text) for pattern, text in _REWORDINGS]
# A message that is the repr() of an exception, as SpiffWorkflow's parser wraps unexpected errors.
_EXCEPTION_REPR = re.compile(r"^[A-Z]\w*(Error|Exception|Exit)\(")


def reword(message):
    """(plain message, element name it mentions or None, True when it is a known message) for a parser
    message."""
    message = " ".join(message.split())
    for pattern, text in _COMPILED:
        match = pattern.match(message)
        if match:
            return text.format(**match.groupdict()), match.groupdict().get("name"), True
    return re.sub(r"\.[\s.]*$", "", message), None, not _EXCEPTION_REPR.match(message)


def not_supported(kind, detail, file_name=None, element_id=None, exc=None):
    """The message for an unexpected failure on an element; the full detail goes to the log."""
    log.error("unexpected failure while checking %s element %s (%s): %s", file_name or "?", element_id or "?",
              kind, detail, exc_info=exc)
    return f"this construct is not supported ({kind}): {_NOT_SUPPORTED_HINT}"


_RESTRICTED_SYNTAX = re.compile(r"Line \d+: SyntaxError: (?P<what>.+?) at statement: .*", re.S)


def expression_error(expression, error):
    """Why an expression cannot be read, in plain words (no parser text), with what to write instead."""
    text = (expression or "").strip()
    if text.startswith("="):
        return (f"FEEL expressions (starting with =) are Camunda 8 syntax: write a JUEL expression such as "
                f"${{{text[1:].strip() or 'approved'}}}")
    if "getDataObject(" in text or text.startswith(("bpmn:", "/", "xpath")):
        return "XPath expressions are not supported: write a JUEL expression such as ${approved}"
    match = _RESTRICTED_SYNTAX.match(str(error))
    if match:
        return (f"its syntax is not valid ({match['what']}): write JUEL such as ${{amount > 100 && !vip}} or a "
                f"Python expression")
    return str(error)
