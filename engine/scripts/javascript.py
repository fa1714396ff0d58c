"""JavaScript in diagrams: script tasks, flow conditions and inline `camunda:script` parameters whose language
is JavaScript (`javascript`, `ecmascript`, `js`, any case) run in V8 through mini-racer.

Why mini-racer (V8): V8 is the most used and most conformant JavaScript engine, so scripts written for
Camunda's Nashorn or GraalJS run unchanged; mini-racer is maintained, ships wheels for Linux, macOS and
Windows, releases the GIL while JavaScript runs, and enforces both limits inside V8 itself: a wall-clock
timeout (V8 terminates the script from a watchdog thread) and a heap cap (`max_memory`), per call. It also
compiles without running, which is how validation checks syntax at deploy. The candidates we did not take:
`quickjs` bounds CPU time of the whole process (C `clock()`), so on a busy machine a script can run well
past its limit in wall time; `dukpy` is ECMAScript 5.1 with no time or memory limit.

Every run gets a fresh V8 context (about 2 ms), so nothing leaks between paths. Data crosses as JSON both
ways. Variables are readable by name and through `execution.getVariable(name)`; only
`execution.setVariable(name, value)` (and `removeVariable`) writes process variables, as in Camunda, and a
script task's `camunda:resultVariable` receives the script's last value. `run_javascript` knows nothing of
SpiffWorkflow, so it can run in this process or in a sandbox worker; V8 starts lazily, so create worker
processes before the first script runs in the parent (V8's threads do not survive `fork`).
"""
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

JAVASCRIPT_LANGUAGES = frozenset({"javascript", "ecmascript", "js", "application/javascript", "text/javascript",
                                  "application/ecmascript", "text/ecmascript"})
PYTHON_LANGUAGES = frozenset({"", "python", "text/x-python", "application/x-python"})
# Scripts and conditions in JavaScript carry this first line (a JavaScript comment) so the script engine,
# which only sees the text, knows their language. It is added by the parser, never written by people.
MARKER = "//@javascript\n"


@dataclass(frozen=True)
class JavaScriptLimits:
    """How long (wall-clock seconds) and how much heap (bytes) one script or condition may use."""

    seconds: float = 2.0
    memory_bytes: int = 64 * 1024 * 1024


DEFAULT_LIMITS = JavaScriptLimits()


class JavaScriptError(ValueError):
    """A JavaScript script or condition failed or broke a limit; `line` is the script line when known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def is_javascript_language(language):
    """True when a scriptFormat / language attribute names JavaScript."""
    return (language or "").strip().lower() in JAVASCRIPT_LANGUAGES


def is_python_language(language):
    """True when a scriptFormat / language attribute names Python (or is absent: Python is the default here)."""
    return (language or "").strip().lower() in PYTHON_LANGUAGES


def mark(source):
    """The text the parser stores for a JavaScript script or condition."""
    return MARKER + (source or "")


def is_javascript(text):
    """True when a script or expression text was marked as JavaScript by the parser."""
    return isinstance(text, str) and text.startswith(MARKER)


def unmark(text):
    """The JavaScript source of a marked text."""
    return text[len(MARKER):] if is_javascript(text) else text


_PRELUDE = """
var __vars = JSON.parse(%(variables)s);
var __meta = JSON.parse(%(meta)s);
var execution = Object.freeze({
  getVariable: function (name) { return Object.prototype.hasOwnProperty.call(__vars, name) ? __vars[name] : null; },
  hasVariable: function (name) { return Object.prototype.hasOwnProperty.call(__vars, name); },
  getVariables: function () { return Object.assign({}, __vars); },
  setVariable: function (name, value) {
    __vars[String(name)] = value === undefined ? null : value;
    if (__byName.indexOf(String(name)) >= 0 || !(String(name) in globalThis)) { globalThis[String(name)] = value; __byName.push(String(name)); }
  },
  removeVariable: function (name) { delete __vars[String(name)]; },
  getProcessInstanceId: function () { return __meta.processInstanceId; },
  getBusinessKey: function () { return __meta.businessKey; },
  getCurrentActivityId: function () { return __meta.activityId; },
  getProcessDefinitionId: function () { return __meta.processDefinitionId; }
});
var __byName = [];
Object.keys(__vars).forEach(function (name) {
  if (/^[A-Za-z_$][\\w$]*$/.test(name) && !(name in globalThis)) { globalThis[name] = __vars[name]; __byName.push(name); }
});
"""
_EPILOGUE = """
;(function () {
  var result = __result === undefined ? null : __result;
  try { return JSON.stringify({result: result, variables: __vars}); }
  catch (e) { return JSON.stringify({unstorable: String(e), variables: {}}); }
})()
"""


def _json_default(value):
    """Values that JSON has no type for cross as text (dates as ISO 8601)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def to_json_value(value):
    """A Python value as it looks after crossing to JavaScript and back."""
    return json.loads(json.dumps(value, default=_json_default))


def run_javascript(source, variables, limits=DEFAULT_LIMITS, execution=None):
    """Run JavaScript `source` with `variables` (a dict); returns (its last value, the variables afterwards).

    `execution` ({processInstanceId, businessKey, activityId, processDefinitionId}) answers the `execution`
    object's getters. Raises JavaScriptError when the script fails, runs longer than `limits.seconds`
    or allocates more than `limits.memory_bytes`.
    """
    program = (_PRELUDE % {"variables": json.dumps(json.dumps(variables, default=_json_default)),
                           "meta": json.dumps(json.dumps(execution or {}, default=_json_default))}
               + f"var __result = eval({json.dumps(source or '')});" + _EPILOGUE)
    answer = _eval(program, limits)
    outcome = json.loads(answer)
    if "unstorable" in outcome:
        raise JavaScriptError("the script's last value cannot be stored as JSON (it refers to itself, or is a "
                              "function)")
    return outcome["result"], outcome["variables"]


def javascript_syntax_error(source):
    """None when `source` compiles as JavaScript, else a JavaScriptError (with the line) saying what is wrong.

    The source is compiled as a function body and never run."""
    try:
        _eval(f"new Function({json.dumps(source or '')}); true", JavaScriptLimits(seconds=2.0), line_offset=2)
    except JavaScriptError as exc:
        last_line = (source or "").count("\n") + 1
        if exc.line is not None and exc.line > last_line:  # V8 stopped at the closing brace of its wrapper
            return JavaScriptError(f"line {last_line}: SyntaxError: the script ends before an expression or "
                                   f"bracket is finished", line=last_line)
        return exc
    return None


_FIRST_LINE = re.compile(r"^undefined:(?P<line>\d+): (?P<message>[^\n]*)")


def _eval(program, limits, line_offset=0):
    racer = MiniRacer()
    try:
        return racer.eval(program, timeout_sec=limits.seconds, max_memory=limits.memory_bytes)
    except JSTimeoutException:
        _settle(racer)
        raise JavaScriptError(f"the script ran longer than {limits.seconds:g} seconds and was stopped") from None
    except JSOOMException:
        raise JavaScriptError(f"the script used more than {limits.memory_bytes // (1024 * 1024)} MB of memory "
                              f"and was stopped") from None
    except JSEvalException as exc:
        raise _script_error(str(exc), line_offset) from None
    finally:
        racer.close()


def _settle(racer):
    """Wait until V8 has wound down the stopped script, so its late answer finds the context still open."""
    try:
        racer.eval("0", timeout_sec=1.0)
    except (JSTimeoutException, JSEvalException):
        pass


def _script_error(text, line_offset):
    """The script's own error message and line, from V8's report (not the prelude's lines)."""
    match = _FIRST_LINE.match(text)
    if match is None:
        first = text.strip().splitlines()[0] if text.strip() else "the script failed"
        return JavaScriptError(first[:300])
    in_script = line_offset or "at eval (eval at" in text or "SyntaxError" in match.group("message")
    line = int(match.group("line")) - line_offset if in_script else None
    message = match.group("message")[:300]
    return JavaScriptError(f"line {line}: {message}" if line and line > 0 else message,
                           line=line if line and line > 0 else None)


_SET_VARIABLE = re.compile(r"""\bexecution\s*\.\s*setVariable\s*\(\s*(["'])([A-Za-z_$][\w$]*)\1""")


def javascript_assigned_names(source):
    """Variables a JavaScript script sets with execution.setVariable("name", ...) (literal names only)."""
    return {match.group(2) for match in _SET_VARIABLE.finditer(unmark(source) or "")}
