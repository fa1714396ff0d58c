"""Checks made by reading a BPMN file's XML before SpiffWorkflow parses it.

SpiffWorkflow reports some mistakes as a bare KeyError, a misleading message or
not at all: a sequence flow or default flow that points at nothing, a boundary
event attached to nothing, a message or signal that is not defined (or has no
name), a business rule task without a decision, listeners. Each is found here
with its line and the element that holds the reference. The parsed tree is
cached per text, because validation reads a file several times.
"""
from functools import lru_cache

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


def _found(message, line=None, element_id=None):
    return message, line, element_id


def parsed_xml(text):
    """The parsed XML root of a file's text, read once per text (validation looks at a file several times);
    None when it is not well-formed. Callers must not change the tree."""
    return _parsed_xml(text)


@lru_cache(maxsize=64)
def _parsed_xml(text):
    try:
        return etree.fromstring(text.encode("utf-8"))
    except (etree.XMLSyntaxError, ValueError):
        return None


_EVENT_REFERENCES = ("messageRef", "signalRef", "errorRef", "escalationRef")
_ACTIVITY_TAGS = tuple(f"{{{BPMN_NS}}}{tag}" for tag in (
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "subProcess", "adHocSubProcess", "callActivity", "transaction"))
_BPMN = f"{{{BPMN_NS}}}"
_LISTENERS = {f"{{{CAMUNDA_NS}}}executionListener": "execution", f"{{{CAMUNDA_NS}}}taskListener": "task"}


def reference_problems(text):
    """(message, line, element id) for what Spiff's parser would report as a bare KeyError, a misleading message
    or not at all: references to nothing, listeners. Read with lxml's own tree walks (this runs for every
    file)."""
    root = parsed_xml(text)
    if root is None:
        return []  # reported by the parser with its line
    problems = []
    ids = set(root.xpath("//@id"))
    activities = {node.get("id") for node in root.iter(*_ACTIVITY_TAGS)}
    flows = {node.get("id"): node for node in root.iter(f"{_BPMN}sequenceFlow")}
    for node in root.iter(*_LISTENERS):
        owner = node.getparent().getparent() if node.getparent() is not None else None
        problems.append(_found(f"{_LISTENERS[node.tag]} listeners do not run here: put the logic in a script "
                                      f"task", line=node.sourceline,
                                element_id=owner.get("id") if owner is not None else None))
    for node in root.iter(f"{_BPMN}businessRuleTask"):
        if node.get(f"{{{CAMUNDA_NS}}}decisionRef") is None and node.get(f"{{{CAMUNDA_NS}}}type") != "external":
            problems.append(_found("a business rule task needs the id of the DMN decision it evaluates "
                                   "(camunda:decisionRef), or camunda:type=\"external\" for a worker",
                                   line=node.sourceline, element_id=node.get("id")))
    for node in root.xpath("//*[@messageRef or @signalRef or @errorRef or @escalationRef]"):
        for attribute in _EVENT_REFERENCES:
            if node.get(attribute):
                problems.extend(_event_reference_problems(root, node, attribute))
    for node in root.iter(f"{_BPMN}boundaryEvent"):
        attached = node.get("attachedToRef")
        if not attached or attached not in activities:
            problems.append(_found(f'this boundary event is attached to "{attached or ""}", which is not an '
                                          f"activity of the diagram: attach it to a task or remove it",
                                    line=node.sourceline, element_id=node.get("id")))
    with_default = [node for node in root.xpath("//*[@default]") if node.tag.startswith(_BPMN)]
    problems.extend(_dangling_references(flows, with_default, ids))
    return problems


def _event_reference_problems(root, node, attribute):
    """A messageRef / signalRef / errorRef / escalationRef that names nothing (or a nameless message or
    signal)."""
    ref, kind = node.get(attribute), attribute[:-3]
    target = next((n for n in root if isinstance(n.tag, str) and n.get("id") == ref), None)
    owner = node if node.tag.endswith("Task") else node.getparent()
    owner_id = owner.get("id") if owner is not None else None
    if target is None or etree.QName(target).localname != kind:
        return [_found(f'this element refers to the {kind} "{ref}" ({attribute}), which the diagram does not '
                              f"define: add the {kind} to the diagram or choose a defined one",
                        line=node.sourceline, element_id=owner_id)]
    if kind in ("message", "signal") and not target.get("name"):
        return [_found(f'the {kind} "{ref}" this element uses has no name; {kind}s are matched by name: '
                              f"give it one", line=node.sourceline, element_id=owner_id)]
    return []


def _dangling_references(flows, with_default, ids):
    """Sequence flows whose source or target is no element, and default flows that are no flow leaving their
    element: each an error naming the element that holds the reference."""
    problems = []
    for flow_id, node in flows.items():
        for attribute, what in (("sourceRef", "starts"), ("targetRef", "ends")):
            ref = node.get(attribute)
            if not ref or ref not in ids:
                problems.append(_found(f'this sequence flow {what} at "{ref or ""}", which is no element of the '
                                              f"diagram ({attribute}): connect it to an element or remove it",
                                        line=node.sourceline, element_id=flow_id))
    for node in with_default:
        default = node.get("default")
        flow = flows.get(default)
        if flow is None or flow.get("sourceRef") != node.get("id"):
            problems.append(_found(f'the default flow "{default}" is not a sequence flow leaving this element: '
                                          f"choose one of its outgoing flows as the default, or remove the default",
                                    line=node.sourceline, element_id=node.get("id")))
    return problems
