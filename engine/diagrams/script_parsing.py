"""Which language a diagram's scripts and conditions are written in, read as the diagram is parsed.

SpiffWorkflow's parser keeps a script task's text but drops its `scriptFormat`, and a flow condition's
`language`. `with_script_languages` wraps every node parser so that JavaScript texts are marked (see
`engine.scripts.javascript.MARKER`), Python stays as it is, and any other language (Groovy, Jython, JRuby...) is
refused naming the element and the alternatives. The same wrapper gives every timer our definitions
(engine/diagrams/timer_events.py: cron cycles, unreadable values as step errors). Running them is
engine.scripts.languages' part.
"""
from functools import lru_cache

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS

from engine.diagrams.timer_events import app_timer
from engine.scripts.javascript import is_javascript_language, is_python_language, mark
from engine.scripts.languages import unsupported_language


RESOURCE = f"{{{CAMUNDA_MODEL_NS}}}resource"


def external_script(resource, what):
    """The message for a script or condition loaded from a file (camunda:resource)."""
    return (f'{what} is loaded from "{resource}" (camunda:resource), which is not supported here: put the '
            f"script in the diagram (inline), in Python or JavaScript")


def text_in_language(text, language, what, node, filename):
    """The text to store for a script or condition in `language`: marked JavaScript, Python as it is;
    ValidationException (naming the element) for any other language."""
    if is_javascript_language(language):
        return mark(text)
    if is_python_language(language):
        return text
    raise ValidationException(unsupported_language(language.strip(), what), node=node, file_name=filename)


class ScriptLanguagesMixin:
    """Mixed into every node parser: languages of scripts and conditions, and cron cycles."""

    def parse_condition(self, sequence_flow):
        expressions = self._xpath(sequence_flow, ".//bpmn:conditionExpression")
        if expressions and expressions[0].get(RESOURCE):
            raise ValidationException(external_script(expressions[0].get(RESOURCE), "this flow's condition"),
                                      node=sequence_flow, file_name=self.filename)
        text = super().parse_condition(sequence_flow)
        if text is None:
            return None
        return text_in_language(text, expressions[0].get("language"), "this flow's condition", sequence_flow,
                                self.filename)

    def get_script(self):
        if self.node.get(RESOURCE):
            raise ValidationException(external_script(self.node.get(RESOURCE), "this script"), node=self.node,
                                      file_name=self.filename)
        script = super().get_script()
        return text_in_language(script, self.node.get("scriptFormat"), "this script", self.node, self.filename)

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        if node is None and self.node.tag.endswith("}scriptTask"):
            extensions["scriptFormat"] = self.node.get("scriptFormat")
            result_variable = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable")
            if result_variable:
                extensions["resultVariable"] = result_variable
        return extensions

    def parse_timer_event(self, event):
        return app_timer(super().parse_timer_event(event))


@lru_cache(maxsize=None)
def with_script_languages(parser_class):
    """`parser_class` with ScriptLanguagesMixin in front (one class per parser class)."""
    if parser_class is None or issubclass(parser_class, ScriptLanguagesMixin):
        return parser_class
    return type(parser_class.__name__, (ScriptLanguagesMixin, parser_class), {})


def inline_script(node):
    """A camunda:script element inside an input/output parameter as ("expression", text) when it runs here,
    else ("unsupported", what it is)."""
    language = node.get("scriptFormat") or ""
    if node.get("resource"):
        return ("unsupported", "a camunda:script from a resource file")
    if is_javascript_language(language):
        return ("expression", mark(node.text or ""))
    if is_python_language(language):
        return ("expression", (node.text or "").strip())
    return ("unsupported", f"a camunda:script in {language}")
