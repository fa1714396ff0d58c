"""Timer values that cannot be read at run time: a failed start, or an incident on a running path."""
import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.errors import IncidentRaised, StartFailed
from engine.store.models import ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from .test_timers import FORM, flows, open_rows, small, timer


def test_a_timer_expression_that_gives_no_duration_fails_the_start_naming_timer_and_value(org):
    xml = small("waits", '<bpmn:startEvent id="s"/>'
                f'<bpmn:intermediateCatchEvent id="pause" name="Pause">{timer("timeDuration", "${wait}")}'
                '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + flows(("s", "pause"), ("pause", "e")))
    version = deploy(db.session, {"t.bpmn": xml}).created[0]
    with pytest.raises(StartFailed) as caught:
        Runtime(db.session).start_version(version, org["ada"], org["hana"], {"wait": "banana"})
    assert caught.value.message == (
        'The path of Ada Lovelace could not start: the step pause failed: the duration timer "${wait}" gave "banana", which '
        "cannot be read; write an ISO 8601 duration such as P7D or PT4H, or an expression such as ${wait}; "
        "HR has been told.")
    assert caught.value.failure["element_id"] == "pause"


def test_the_same_failure_later_in_a_path_is_an_incident_on_that_path(org):
    xml = small("later", '<bpmn:startEvent id="s"/>'
                '<bpmn:userTask id="ask" name="Ask" camunda:formRef="note" camunda:assignee="ada"/>'
                f'<bpmn:intermediateCatchEvent id="pause">{timer("timeDate", "${note}")}'
                '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
                + flows(("s", "ask"), ("ask", "pause"), ("pause", "e")))
    version = deploy(db.session, {"t.bpmn": xml, "note.form": FORM}).created[0]
    instance = Runtime(db.session).start_version(version, org["ada"], org["hana"]).instance
    db.session.commit()
    [row] = open_rows(instance)
    with pytest.raises(IncidentRaised, match='the date timer "\\$\\{note\\}" gave "tomorrow"'):
        Runtime(db.session).complete(row.id, {"note": "tomorrow"}, org["ada"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ProcessInstance.id))) == 1


# Ada (Engineering) gets a value that is no duration; Ben (Sales) waits a day.
WAIT = "${'P1D' if department == 'Sales' else department}"


def test_a_cohort_start_records_each_failed_start_and_leaves_no_trace_of_the_rolled_back_paths(org):
    from datetime import date

    from engine.pilot.cohorts import add_members, start_paths
    from engine.store.pilot_models import Cohort
    from engine.store.models import InstanceEvent, Notification, StartFailure

    xml = small("waits", '<bpmn:startEvent id="s"/>'
                f'<bpmn:intermediateCatchEvent id="pause">{timer("timeDuration", WAIT)}'
                '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + flows(("s", "pause"), ("pause", "e")))
    deploy(db.session, {"t.bpmn": xml})
    cohort = Cohort(name="Round 1", opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31), process_key="waits")
    db.session.add(cohort)
    add_members(db.session, cohort, [org["ada"], org["ben"]])
    started, skipped = start_paths(db.session, cohort, org["hana"])
    db.session.commit()
    assert [m.user.username for m in started] == ["ben"] and [name for name, _message in skipped] == ["Ada Lovelace"]
    assert "could not start" in skipped[0][1] and "HR has been told" in skipped[0][1]
    [failure] = db.session.scalars(sa.select(StartFailure)).all()
    assert (failure.employee.username, failure.started_by.username, failure.element_id) == ("ada", "hana", "pause")
    [instance] = db.session.scalars(sa.select(ProcessInstance)).all()
    assert instance.employee.username == "ben"
    events = db.session.scalars(sa.select(InstanceEvent)).all()
    assert {e.instance_id for e in events} == {instance.id}
    assert not any("Ada" in e.message for e in events)  # nothing of Ada's rolled-back start was written
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.kind == "incident")) == 1


def test_literal_dates_and_timer_values_are_judged_by_kind():
    from engine.diagrams.time_values import date_attribute_problem, literal_timer_problem

    assert date_attribute_problem("dueDate", "P7D") is None
    assert date_attribute_problem("dueDate", "2026-12-01T09:00:00Z") is None
    assert date_attribute_problem("followUpDate", "2026-12-01") is None
    assert date_attribute_problem("dueDate", "${deadline}") is None  # expressions are checked elsewhere
    assert date_attribute_problem("dueDate", "banana").startswith(
        'the due date (camunda:dueDate) "banana" cannot be read: write an ISO 8601 date-time')
    assert literal_timer_problem("duration", "PT4H") is None
    assert literal_timer_problem("duration", "'P7D'") is None  # quoted, as Python expressions write it
    assert literal_timer_problem("cycle", "R3/PT10M") is None
    assert literal_timer_problem("cycle", "0 0 9 ? * MON-FRI") is None
    assert literal_timer_problem("duration", "${wait}") is False  # not a literal
    assert "only a cycle timer (timeCycle) takes" in literal_timer_problem("duration", "0 0 9 ? * MON-FRI")
    assert literal_timer_problem("date", "2026-02-30T09:00:00Z").startswith('the date timer "2026-02-30T09:00:00Z"')
