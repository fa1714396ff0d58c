"""The timer event definitions every diagram gets: SpiffWorkflow's, with cron cycles (engine/diagrams/cron.py), and a
timer value that cannot be read at run time (an expression that gave "banana") failing as a step error
that names the timer, so the path gets an incident (or its start fails) instead of an internal error."""
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from engine.diagrams.cron import CronCycleTimerEventDefinition, CronError
from engine.scripts.expressions import is_juel
from engine.diagrams.time_values import TIMER_FORMATS

_SPIFF_ERRORS = (WorkflowTaskException,)


def _unreadable(definition, my_task, kind, exc):
    expression = (definition.expression or "").strip()
    value = my_task._get_internal_data("event_value")
    if value is None and is_juel(expression):
        value = my_task.workflow.script_engine.evaluate(my_task, expression)
    what = f'"{expression}" gave "{value}", which' if value is not None and value != expression else f'"{expression}"'
    detail = f" ({exc})" if isinstance(exc, CronError) else ""
    return WorkflowTaskException(f"the {kind} timer {what} cannot be read{detail}; write {TIMER_FORMATS[kind]}",
                                 task=my_task)


def _checked(base, kind, method):
    """A subclass of a SpiffWorkflow timer whose unreadable value (in `method`) is a step error naming the timer;
    SpiffWorkflow's ISO parsers raise a bare Exception."""

    def checked(self, my_task):
        try:
            return getattr(base, method)(self, my_task)
        except _SPIFF_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - see above
            raise _unreadable(self, my_task, kind, exc) from exc

    return type(f"Checked{base.__name__}", (base,), {method: checked, "__module__": __name__,
                                                     "__doc__": f"A {kind} timer whose unreadable value is a step "
                                                                f"error naming the timer."})


CheckedDurationTimer = _checked(DurationTimerEventDefinition, "duration", "has_fired")
CheckedDateTimer = _checked(TimeDateEventDefinition, "date", "has_fired")
CheckedCycleTimer = _checked(CronCycleTimerEventDefinition, "cycle", "cycle_complete")


APP_TIMERS = {DurationTimerEventDefinition: CheckedDurationTimer, TimeDateEventDefinition: CheckedDateTimer,
              CycleTimerEventDefinition: CheckedCycleTimer}


def app_timer(definition):
    """Our subclass of a timer event definition SpiffWorkflow's parser built (other definitions unchanged)."""
    replacement = APP_TIMERS.get(type(definition))
    if replacement is None:
        return definition
    return replacement(definition.name, definition.expression, description=definition.description)
