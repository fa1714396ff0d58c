"""Timers a workflow waits for, read from SpiffWorkflow's event manager.

The earliest due time is stored on the instance (`next_timer_at`) so the worker
finds due paths with one indexed query instead of reading every state.
"""
from datetime import timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

TIMER_EVENTS = ("DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition")


def waiting_timers(workflow):
    """{task id: (spec, due value)} of every timer the workflow (and its sub-workflows) waits for."""
    timers = {}
    for task in list(workflow.event_manager.tasks.values()):
        details = task.task_spec.event_definition.details(task)
        if details.event_type in TIMER_EVENTS or isinstance(task.task_spec.event_definition, TimerEventDefinition):
            timers[task.id] = (task.task_spec, details.value)
    return timers


def next_timer_at(workflow):
    """The earliest due time (naive UTC) of the timers the workflow waits for, or None."""
    due = []
    for _spec, value in waiting_timers(workflow).values():
        if isinstance(value, str):
            try:
                due.append(TimerEventDefinition.get_datetime(value).astimezone(timezone.utc).replace(tzinfo=None))
            except ValueError:
                continue
    return min(due) if due else None


def fire_due(workflow):
    """Fire the workflow's due timers and run what follows (a fired timer's path runs on the second pass)."""
    for _ in range(2):
        workflow.refresh_timers()
        workflow.do_engine_steps()
