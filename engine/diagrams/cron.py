"""Cron cycles as Camunda writes them (Quartz style) for timer `timeCycle` values.

A Quartz cron has six or seven fields: seconds, minutes, hours, day of month, month, day of week, and an
optional year, with `?`, `L`, `W`, `#`, `/`, ranges and names (MON-FRI, JAN). The times are computed by
croniter (maintained by Pallets-Eco), which reads seconds first, `?`, `L` in the day of month, `W`, `#`,
names and a year field. What croniter reads differently is translated here: Quartz numbers weekdays 1-7
from Sunday (croniter 0-6) and writes "last Friday" as `6L` (croniter `L5`). What cannot work is refused
at validation with a message saying what to write instead: `LW`, `L-3`, `W` in the day of week, and
both a day of month and a day of week (Quartz asks for `?` in one of them). Times are UTC.

A cycle timer with a cron fires at each matching moment; after it fires, the next moment is the first one
after the current time, so a worker that was stopped fires once, not once per missed moment (as Camunda).
"""
import re
from datetime import datetime, timezone

from croniter import CroniterError, croniter
import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition

from engine.scripts.expressions import is_juel

FIELD_NAMES = ("seconds", "minutes", "hours", "day of month", "month", "day of week", "year")
EXAMPLES = "e.g. 0 0 9 ? * MON-FRI (09:00 UTC on weekdays) or 0 0/30 * * * ? (every 30 minutes)"
_FIELD = re.compile(r"^[0-9A-Za-z*?/,#\-]+$")


class CronError(ValueError):
    """A cron expression that cannot run; the message says which field and what to write."""


def looks_like_cron(text):
    """True when a timer text has the shape of a cron expression (five to seven fields of cron characters)."""
    if not isinstance(text, str):
        return False
    fields = text.split()
    return 5 <= len(fields) <= 7 and all(_FIELD.match(field) for field in fields) and not is_juel(text)


def to_croniter(text):
    """The croniter form (seconds first) of a Quartz cron expression; CronError when it cannot run."""
    fields = text.split()
    if len(fields) == 5:
        raise CronError(f'the cron "{text}" has five fields; Camunda cron has six or seven, starting with the '
                        f"seconds: {EXAMPLES}")
    if len(fields) not in (6, 7):
        raise CronError(f'the cron "{text}" needs six or seven fields (seconds, minutes, hours, day of month, '
                        f"month, day of week, optional year): {EXAMPLES}")
    day_of_month, day_of_week = fields[3], fields[5]
    upper_dom = day_of_month.upper()
    if "LW" in upper_dom or re.search(r"L-\d", upper_dom):
        raise CronError(f'the day of month "{day_of_month}" (last weekday, or days before the last) is not '
                        f"supported here: use L for the last day of the month, or a day such as 28")
    if "W" in day_of_week.upper().replace("WED", ""):
        raise CronError(f'the day of week "{day_of_week}" uses W, which only the day of month takes')
    if day_of_month not in ("?", "*") and day_of_week not in ("?", "*"):
        raise CronError(f'the cron "{text}" sets both a day of month ({day_of_month}) and a day of week '
                        f"({day_of_week}): write ? in one of them, as Quartz requires")
    fields[5] = _weekdays(day_of_week)
    expression = " ".join(fields)
    try:
        croniter(expression, datetime(2026, 1, 1), second_at_beginning=True).get_next(datetime)
    except (CroniterError, ValueError, KeyError):
        raise CronError(f'the cron "{text}" cannot be read (see {_which_field(fields)}): {EXAMPLES}') from None
    return expression


def _weekdays(field):
    """A Quartz day-of-week field with croniter's numbers (Quartz 1 = Sunday, croniter 0 = Sunday)."""
    if field in ("?", "*"):
        return field

    def number(text):
        if text.isdigit():
            value = int(text)
            if not 1 <= value <= 7:
                raise CronError(f'the day of week "{field}" must use 1-7 (1 is Sunday) or SUN-SAT')
            return str(value - 1)
        return text

    parts = []
    for part in field.split(","):
        upper = part.upper()
        if upper == "L":
            parts.append("6")  # Quartz: L alone in the day of week is Saturday
        elif upper.endswith("L"):
            parts.append("L" + number(upper[:-1]))
        elif "#" in upper:
            day, nth = upper.split("#", 1)
            parts.append(f"{number(day)}#{nth}")
        elif "/" in upper:
            start, step = upper.split("/", 1)
            first = "0" if start in ("*", "") else number(start)
            parts.append(f"{first}-6/{step}")
        elif "-" in upper:
            low, high = upper.split("-", 1)
            parts.append(f"{number(low)}-{number(high)}")
        else:
            parts.append(number(upper))
    return ",".join(parts)


def _which_field(fields):
    """Name the first field that croniter refuses on its own (the others replaced by `*`)."""
    for index, value in enumerate(fields):
        probe = ["*"] * len(fields)
        probe[index] = value
        try:
            croniter(" ".join(probe), datetime(2026, 1, 1), second_at_beginning=True).get_next(datetime)
        except (CroniterError, ValueError, KeyError):
            return f'the {FIELD_NAMES[index]} field "{value}"'
    return "check each field"


def cron_problem(text):
    """None when a Quartz cron expression can run here, else the message saying why not."""
    try:
        to_croniter(text.strip())
    except CronError as exc:
        return str(exc)
    return None


def next_after(text, moment):
    """The first time (aware UTC) after `moment` that the Quartz cron `text` matches."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    following = croniter(to_croniter(text.strip()), moment, second_at_beginning=True).get_next(datetime)
    return following.replace(tzinfo=timezone.utc)


class CronCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A cycle timer that also takes a Quartz cron (literal, or from an expression); ISO cycles (R3/PT10M)
    run as SpiffWorkflow runs them."""

    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = spiff_timer.datetime.now(timezone.utc)  # the running Runtime's clock (engine/context.py)
        if event_value is None:
            cron = self._cron_of(my_task)
            if cron is None:
                return super().cycle_complete(my_task)
            my_task._set_internal_data(event_value={"cycles": -1, "cron": cron,
                                                    "next": next_after(cron, now).isoformat()})
            return False
        if "cron" not in event_value:
            return super().cycle_complete(my_task)
        if datetime.fromisoformat(event_value["next"]) < now:
            my_task._set_internal_data(event_value=dict(event_value,
                                                        next=next_after(event_value["cron"], now).isoformat()))
            return True
        return False

    def _cron_of(self, my_task):
        text = (self.expression or "").strip()
        if looks_like_cron(text):
            return text
        if is_juel(text):
            value = my_task.workflow.script_engine.evaluate(my_task, text)
            if isinstance(value, str) and looks_like_cron(value.strip()):
                return value.strip()
        return None
