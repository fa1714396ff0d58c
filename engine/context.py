"""What the engine is running right now: the clock and the path, for code that SpiffWorkflow calls.

SpiffWorkflow's timers read `datetime.now` of their own module. We route that
through a context variable, so the clock a `Runtime` was given (the real one in
production, a moved one in tests) decides when timers are due. Diagram script
functions such as `notify` read the path they run for from here too.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer

_CLOCK = ContextVar("pathing_clock", default=None)
_INSTANCE = ContextVar("pathing_instance", default=None)


class _ClockedDatetime(datetime):
    """`datetime` whose `now()` asks the running Runtime's clock (naive UTC) when there is one."""

    @classmethod
    def now(cls, tz=None):
        clock = _CLOCK.get()
        if clock is None:
            return datetime.now(tz)
        aware = clock().replace(tzinfo=timezone.utc)
        return aware.astimezone(tz) if tz is not None else aware.replace(tzinfo=None)


spiff_timer.datetime = _ClockedDatetime


@contextmanager
def running(clock, instance=None):
    """Run engine code on `clock` (and for `instance`, when given)."""
    clock_token = _CLOCK.set(clock)
    instance_token = _INSTANCE.set(instance)
    try:
        yield
    finally:
        _INSTANCE.reset(instance_token)
        _CLOCK.reset(clock_token)


def current_instance():
    """The ProcessInstance whose workflow is running now, or None."""
    return _INSTANCE.get()
