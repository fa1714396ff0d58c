"""Quartz cron cycles (as Camunda Modeler writes them) on timers, fired on a moved clock."""
import os
from datetime import datetime

import pytest

from engine.diagrams.cron import CronError, cron_problem, next_after, to_croniter
from engine.diagrams.deployment import deploy
from engine.runtime.runner import Runtime
from engine.runtime.worker import fire_due_timers
from web.extensions import db

from .test_timers import Clock, fired, open_rows, reload

CORPUS = os.path.join(os.path.dirname(__file__), "..", "corpus", "camunda")


def corpus(name):
    with open(os.path.join(CORPUS, name), encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("cron, expected", [
    ("0 0 9 ? * MON-FRI", "Mon 2026-11-02 09:00:00"),
    ("0 0 9 ? * 2", "Mon 2026-11-02 09:00:00"),          # Quartz numbers weekdays from Sunday = 1
    ("0 0 9 ? * 6L", "Fri 2026-11-27 09:00:00"),         # last Friday of the month
    ("0 0 9 ? * 6#3", "Fri 2026-11-20 09:00:00"),        # third Friday
    ("0 0 9 L * ?", "Mon 2026-11-30 09:00:00"),          # last day of the month
    ("0 0 9 14W * ?", "Fri 2026-11-13 09:00:00"),        # weekday nearest the 14th (a Saturday)
    ("30 0/15 * * * ?", "Mon 2026-11-02 08:00:30"),
    ("0 0 9 1 JAN,JUL ? 2027", "Fri 2027-01-01 09:00:00"),
    ("0 0 9 ? * 1/2", "Tue 2026-11-03 09:00:00"),        # every other day from Sunday
])
def test_quartz_fields_are_read_as_quartz_reads_them(cron, expected):
    assert next_after(cron, datetime(2026, 11, 2, 8, 0)).strftime("%a %Y-%m-%d %H:%M:%S") == expected


@pytest.mark.parametrize("cron, words", [
    ("0 9 * * 1-5", "has five fields; Camunda cron has six or seven"),
    ("0 0 9 LW * ?", 'the day of month "LW"'),
    ("0 0 9 L-3 * ?", 'the day of month "L-3"'),
    ("0 0 9 1 * MON", "write ? in one of them"),
    ("0 0 25 * * ?", 'the hours field "25"'),
    ("0 0 9 ? * 8", 'the day of week "8" must use 1-7'),
])
def test_what_cannot_run_is_refused_with_what_to_write(cron, words):
    assert words in cron_problem(cron)
    with pytest.raises(CronError):
        to_croniter(cron)


def test_a_weekday_cron_reminder_fires_at_nine_on_weekdays_and_once_after_a_stop(org):
    clock = Clock(datetime(2026, 11, 2, 8, 0))  # a Monday
    result = deploy(db.session, {"cron_weekday_reminder.bpmn": corpus("cron_weekday_reminder.bpmn"),
                                 "cron_note.form": corpus("cron_note.form")})
    db.session.commit()
    instance = Runtime(db.session, clock).start_version(result.created[0], org["ada"], org["hana"]).instance
    db.session.commit()
    assert reload(instance).next_timer_at == datetime(2026, 11, 2, 9, 0)
    clock.now = datetime(2026, 11, 2, 9, 0, 1)
    fire_due_timers(db.session, clock)
    assert fired(instance) == ["Event_remind"]
    assert reload(instance).next_timer_at == datetime(2026, 11, 3, 9, 0)
    assert Runtime(db.session, clock).current_data(reload(instance))["reminders"] == 1
    clock.now = datetime(2026, 11, 6, 12, 0)  # Friday noon: the worker was stopped since Tuesday
    fire_due_timers(db.session, clock)
    assert fired(instance) == ["Event_remind", "Event_remind"]
    assert reload(instance).next_timer_at == datetime(2026, 11, 9, 9, 0)  # not on the weekend
    assert [row.element_id for row in open_rows(instance)] == ["Activity_note"]


def test_a_cron_from_an_expression_runs_too(org):
    clock = Clock(datetime(2026, 11, 2, 8, 0))
    xml = corpus("cron_weekday_reminder.bpmn").replace("0 0 9 ? * MON-FRI", "${reminder_cron}")
    version = deploy(db.session, {"c.bpmn": xml, "cron_note.form": corpus("cron_note.form")}).created[0]
    db.session.commit()
    instance = Runtime(db.session, clock).start_version(version, org["ada"], org["hana"],
                                                        {"reminder_cron": "0 30 7 ? * SAT"}).instance
    db.session.commit()
    assert reload(instance).next_timer_at == datetime(2026, 11, 7, 7, 30)
