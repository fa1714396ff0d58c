"""Date and time values that diagrams write literally: user tasks' `camunda:dueDate` / `camunda:followUpDate`
and timer durations, dates and cycles. A literal that cannot be read is refused at validation and deploy,
with the format to use, instead of failing when a path reaches it.
"""
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.directory.assignment import AssignmentError, to_datetime
from engine.diagrams.cron import cron_problem, looks_like_cron
from engine.scripts.expressions import is_juel, is_timer_text

DATE_FORMATS = ("an ISO 8601 date-time (2026-12-01T09:00:00Z), a date (2026-12-01), a duration from when the "
                "task opens (P7D, PT4H) or an expression such as ${deadline}")
TIMER_FORMATS = {
    "duration": "an ISO 8601 duration such as P7D or PT4H, or an expression such as ${wait}",
    "date": "an ISO 8601 date-time such as 2026-12-01T09:00:00Z, or an expression such as ${remind_at}",
    "cycle": ("an ISO 8601 cycle such as R3/PT10M, a cron such as 0 0 9 ? * MON-FRI (seconds first), or an "
              "expression such as ${cycle}"),
}
DATE_ATTRIBUTES = {"dueDate": "due date (camunda:dueDate)", "followUpDate": "follow-up date (camunda:followUpDate)"}


def date_attribute_problem(attribute, text):
    """None when a user task's dueDate / followUpDate can work, else the message saying what to write.
    Expressions (${...}) are checked with the other expressions."""
    if not text or not text.strip() or is_juel(text):
        return None
    try:
        to_datetime(text.strip(), datetime(2026, 1, 1))
    except AssignmentError:
        return f'the {DATE_ATTRIBUTES.get(attribute, attribute)} "{text}" cannot be read: write {DATE_FORMATS}'
    return None


def timer_kind(definition):
    """'duration', 'date' or 'cycle' for a timer event definition."""
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    if isinstance(definition, DurationTimerEventDefinition):
        return "duration"
    return "date" if isinstance(definition, TimeDateEventDefinition) else "duration"


def literal_timer_problem(kind, text):
    """For a timer value that is a literal (ISO text or cron, quoted or not): None when it can run, else the
    message. Returns False when `text` is no literal (an expression, checked elsewhere)."""
    value = text.strip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    if looks_like_cron(value):
        if kind != "cycle":
            return (f'the timer "{value}" is a cron, which only a cycle timer (timeCycle) takes: make it a cycle '
                    f"or write {TIMER_FORMATS[kind]}")
        return cron_problem(value)
    if is_juel(value) or not is_timer_text(value):
        return False
    if not _parses(kind, value):
        return f'the {kind} timer "{value}" cannot be read: write {TIMER_FORMATS[kind]}'
    return None


def _parses(kind, value):
    """Whether SpiffWorkflow's own parser reads an ISO timer text of this kind."""
    try:
        if kind == "cycle":
            if not value.upper().startswith("R"):
                return False
            TimerEventDefinition.parse_iso_recurring_interval(value)
        elif kind == "duration":
            TimerEventDefinition.parse_iso_duration(value)
        else:
            return isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime)
    except Exception:  # noqa: BLE001 - SpiffWorkflow's ISO parsers raise bare Exception for bad text
        return False
    return True


def unreadable_timer_message(kind, text, unknown):
    """The message for a timer value that is neither a literal nor an expression over known variables."""
    why = f"; {', '.join(unknown)} is not set by any form field, script or start variable" if unknown else ""
    return f'the {kind} timer "{text.strip()}" cannot be read{why}: write {TIMER_FORMATS[kind]}'
