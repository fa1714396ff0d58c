"""The environment that runs diagram scripts and expressions.

Scripts, and expressions that could loop or allocate, run in sandbox worker processes limited by the operating
system (engine.scripts.sandbox); plain expressions run here under engine.scripts.restricted's guards and time
limit; JavaScript goes to engine.scripts.javascript. Only the functions named in engine.scripts.vocabulary
(bound by engine.runtime.script_functions) are available to diagrams.
"""
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine.scripts.expressions import is_timer_text, to_python
from engine.scripts.javascript import is_javascript
from engine.scripts.languages import evaluate_javascript, execute_javascript
from engine.scripts.restricted import LocalEnvironment, Limits, compile_expression, compile_script
from engine.scripts.sandbox.bounded import is_bounded
from engine.scripts.sandbox.pool import shared_pool


class RestrictedEnvironment(LocalEnvironment):
    """Evaluates expressions and runs scripts with RestrictedPython guards and limits.

    Scripts, and expressions that could loop or allocate, run in a sandbox worker process under the operating
    system's memory and CPU limits (engine.scripts.sandbox); plain expressions (comparisons, names, lookups) are
    evaluated here under a time limit. Functions passed in run here either way: a worker calls back for them.
    """

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression against task data; unquoted ISO timer texts evaluate to themselves."""
        if is_timer_text(expression):
            return expression.strip()
        code = compile_expression(expression)
        if not is_bounded(to_python(expression)):
            return self._in_sandbox("eval", expression, context, external_context)["value"]
        with Limits(self.time_limit, self.memory_limit):
            return eval(code, self._scope(context, external_context))

    def execute(self, script, context, external_context=None):
        """Run a script in a sandbox worker; variables it sets or deletes are written back into `context`."""
        compile_script(script)  # what RestrictedPython refuses is refused here, before a worker is involved
        result = self._in_sandbox("exec", script, context, external_context)["context"]
        context.clear()
        context.update(result)
        return True

    def _in_sandbox(self, kind, code, context, external_context):
        request = {"op": kind, "code": code, "context": context, "external": external_context or {}}
        return shared_pool(self.memory_limit).run(request, self.functions, self.time_limit)


class CareerScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, validating and running expressions in our environment."""

    def __init__(self, functions=None):
        super().__init__(environment=RestrictedEnvironment(functions))

    def evaluate(self, task, expression, external_context=None):
        """Evaluate an expression or condition; JavaScript ones run in engine/scripts/javascript.py."""
        if is_javascript(expression):
            return evaluate_javascript(task, expression)
        return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        """Run a script task's script; JavaScript ones run in engine/scripts/javascript.py."""
        if is_javascript(script):
            return execute_javascript(task, script)
        return super().execute(task, script, external_context)

    def validate(self, expression):
        """Raise ExpressionSyntaxError when an expression cannot be compiled."""
        if not is_timer_text(expression) and not is_javascript(expression):
            compile_expression(expression)
