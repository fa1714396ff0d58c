"""Who does a user task, and by when.

The diagram decides: `camunda:assignee`, `candidateUsers` and `candidateGroups`
(literal or expression) take precedence; otherwise the lane does. A lane whose
name is a process variable holding a username (Employee -> `employee`,
Manager -> `manager`) assigns that person; any other lane offers the task to the
group of the same name (Leadership -> `leadership`). A task that names nobody is
offered to the process owners' group.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.roles import PROCESS_OWNER_GROUP as FALLBACK_GROUP  # offered the tasks that name nobody
from engine.scripts.expressions import ISO_DURATION, is_juel, is_timer_text


class AssignmentError(ValueError):
    """The diagram's assignment or date cannot be resolved for this task."""


@dataclass
class Assignment:
    """The resolved people and dates of one user-task activation."""

    assignee: str | None = None
    candidate_users: list = field(default_factory=list)
    candidate_groups: list = field(default_factory=list)
    due_at: datetime | None = None
    follow_up_at: datetime | None = None
    priority: int | None = None


def lane_key(lane):
    """The variable or group name a lane stands for: 'Line managers' -> 'line_managers'."""
    return re.sub(r"[^a-z0-9]+", "_", (lane or "").lower()).strip("_")


def _evaluate(task, text):
    """Evaluate an attribute value: expressions through the script engine, literals as they are."""
    if text is None:
        return None
    if is_juel(text):
        return task.workflow.script_engine.evaluate(task, text)
    return text


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set)):
        return [str(item) for item in value if item]
    raise AssignmentError(f"expected a name or a list of names, got {value!r}")


def resolve_assignment(task, now):
    """Resolve assignee, candidates and dates of a READY user task from its attributes and lane."""
    attributes = task.task_spec.extensions.get("camunda", {})
    result = Assignment()
    assignee = _evaluate(task, attributes.get("assignee"))
    if assignee is not None and not isinstance(assignee, str):
        raise AssignmentError(f"the assignee expression gave {assignee!r}, not a username")
    result.assignee = assignee or None
    result.candidate_users = _as_list(_evaluate(task, attributes.get("candidateUsers")))
    result.candidate_groups = _as_list(_evaluate(task, attributes.get("candidateGroups")))
    if not (result.assignee or result.candidate_users or result.candidate_groups):
        key = lane_key(task.task_spec.lane)
        if not key:
            result.candidate_groups = [FALLBACK_GROUP]  # nobody is named: the process owners pick it up
            return _with_dates(task, attributes, result, now)
        if key in task.data:
            value = task.data[key]
            if not isinstance(value, str) or not value:
                raise AssignmentError(f'the lane "{task.task_spec.lane}" stands for the variable "{key}", '
                                      f"which holds {value!r} instead of a username")
            result.assignee = value
        else:
            result.candidate_groups = [key]
    return _with_dates(task, attributes, result, now)


def _with_dates(task, attributes, result, now):
    """The assignment with its due and follow-up dates and priority resolved."""
    result.due_at = resolve_date(task, attributes.get("dueDate"), now)
    result.follow_up_at = resolve_date(task, attributes.get("followUpDate"), now)
    priority = _evaluate(task, attributes.get("priority"))
    if priority not in (None, ""):
        try:
            result.priority = int(priority)
        except (TypeError, ValueError):
            raise AssignmentError(f"the priority {priority!r} is not a whole number") from None
    return result


def resolve_date(task, text, now):
    """A due or follow-up date: ISO duration from now, ISO date/time, or an expression giving either."""
    if not text:
        return None
    value = text.strip() if is_timer_text(text) else _evaluate(task, text)
    if value in (None, ""):
        return None
    return to_datetime(value, now)


def to_datetime(value, now):
    """Turn a date, datetime, ISO text or ISO duration into a naive UTC datetime."""
    if isinstance(value, datetime):
        return _naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 23, 59)
    if isinstance(value, timedelta):
        return now + value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("P"):
            if not re.fullmatch(ISO_DURATION, text):
                raise AssignmentError(f'"{text}" is not an ISO 8601 duration (e.g. P7D, PT4H)')
            try:
                parsed = TimerEventDefinition.parse_iso_duration(text)
                return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
            except (ValueError, KeyError) as exc:
                raise AssignmentError(f'"{text}" is not an ISO 8601 duration: {exc}') from None
        try:
            if len(text) == 10:
                return to_datetime(date.fromisoformat(text), now)
            return _naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise AssignmentError(f"{value!r} is not a date, a date-time or an ISO 8601 duration")


def _naive_utc(value):
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
