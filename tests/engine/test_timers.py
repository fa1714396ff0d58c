"""Timers as the diagrams set them, fired by the worker on a moved clock (nothing sleeps)."""
import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.store.models import HumanTask, InstanceEvent, Notification, ProcessInstance
from engine.runtime.runner import Runtime
from engine.runtime.worker import fire_due_timers
from web.extensions import db

from ..bpmn import HEADER
from ..helpers import ALIGNMENT, CAREER_PATH, JOB_DESCRIPTION, OBJECTIVES, PATH_REVIEW, REVIEW, SKILLS

START = datetime(2026, 11, 2, 8, 0)
FORM = json.dumps({"id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def move(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


def reload(instance):
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance.id)


def open_rows(instance, element_id=None):
    db.session.expire_all()
    query = sa.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    if element_id:
        query = query.where(HumanTask.element_id == element_id)
    return db.session.scalars(query.order_by(HumanTask.id)).all()


def messages(username, org):
    db.session.expire_all()
    return [n.subject for n in db.session.scalars(sa.select(Notification).where(
        Notification.user_id == org[username].id, Notification.kind == "reminder").order_by(Notification.id))]


def fired(instance):
    db.session.expire_all()
    return [e.element_id for e in db.session.scalars(sa.select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "timer_fired").order_by(InstanceEvent.id))]


def complete(clock, org, instance, element_id, username, data):
    [row] = open_rows(instance, element_id)
    if row.assignee_id is None:
        from engine.runtime.task_actions import TaskActions
        TaskActions(db.session, clock).claim(row.id, org[username])
    Runtime(db.session, clock).complete(row.id, data, org[username])
    db.session.commit()


def test_jd_reminder_after_5_days_and_escalation_when_overdue_keep_the_task_open(org, deployed, clock):
    instance = Runtime(db.session, clock).start("career_pathing", org["ada"], org["ada"]).instance
    db.session.commit()
    complete(clock, org, instance, "career_objectives_meeting", "ada", OBJECTIVES)
    [jd] = open_rows(instance, "draft_job_description")
    assert jd.due_at == START + timedelta(days=7)
    assert reload(instance).next_timer_at == START + timedelta(days=5)

    clock.move(days=4, hours=23)
    assert fire_due_timers(db.session, clock) == []  # not due yet
    clock.move(hours=2)
    assert fire_due_timers(db.session, clock) == [instance.id]
    assert messages("ada", org) == ["Reminder: your future-role job description is due in 2 days"]
    reminder = db.session.scalars(sa.select(Notification).where(Notification.kind == "reminder")).one()
    assert reminder.human_task_id == jd.id  # the message links to the task
    assert fired(instance) == ["jd_reminder_timer"]
    assert reload(instance).next_timer_at == START + timedelta(days=7)

    clock.move(days=2)
    fire_due_timers(db.session, clock)
    assert messages("mia", org) == ["Overdue: the job description of Ada Lovelace"]
    assert [row.id for row in open_rows(instance, "draft_job_description")] == [jd.id]  # not cancelled
    assert reload(instance).next_timer_at is None
    assert fire_due_timers(db.session, clock) == []  # each timer fires once

    complete(clock, org, instance, "draft_job_description", "ada", JOB_DESCRIPTION)
    assert open_rows(instance)[0].element_id == "select_stakeholders"


def test_completing_the_jd_in_time_cancels_its_timers(org, deployed, clock):
    instance = Runtime(db.session, clock).start("career_pathing", org["ada"], org["ada"]).instance
    db.session.commit()
    complete(clock, org, instance, "career_objectives_meeting", "ada", OBJECTIVES)
    clock.move(days=1)
    complete(clock, org, instance, "draft_job_description", "ada", JOB_DESCRIPTION)
    assert reload(instance).next_timer_at is None
    clock.move(days=30)
    assert fire_due_timers(db.session, clock) == [] and messages("ada", org) == []


def run_to_leadership_on(clock, org, instance):
    complete(clock, org, instance, "career_objectives_meeting", "ada", OBJECTIVES)
    complete(clock, org, instance, "draft_job_description", "ada", JOB_DESCRIPTION)
    complete(clock, org, instance, "select_stakeholders", "mia", {"stakeholders": ["sam"], "review_focus": "Fit"})
    complete(clock, org, instance, "stakeholder_review", "sam", REVIEW)
    complete(clock, org, instance, "alignment_meeting", "mia", ALIGNMENT)
    complete(clock, org, instance, "confirm_job_description", "ada", {"jd_decision": "accept"})
    complete(clock, org, instance, "skills_evaluation", "ada", SKILLS)
    complete(clock, org, instance, "draft_career_path", "mia", CAREER_PATH)
    complete(clock, org, instance, "review_career_path", "ada", PATH_REVIEW)


def test_leadership_is_reminded_every_3_days_three_times_then_milestones_remind(org, deployed, clock):
    instance = Runtime(db.session, clock).start("career_pathing", org["ada"], org["ada"]).instance
    db.session.commit()
    run_to_leadership_on(clock, org, instance)
    assert open_rows(instance)[0].element_id == "leadership_approval"
    assert reload(instance).next_timer_at == START + timedelta(days=3)
    for _ in range(4):
        clock.move(days=3, minutes=1)
        fire_due_timers(db.session, clock)
    assert messages("leo", org) == ["Waiting for your approval: the career path of Ada Lovelace"] * 3
    assert reload(instance).next_timer_at is None

    complete(clock, org, instance, "leadership_approval", "leo", {"leadership_decision": "approve",
                                                                  "leadership_comments": "Go"})
    # each milestone (due 2027-03-01 and 2027-06-01) reminds a week before it is due, at 09:00 UTC
    assert reload(instance).next_timer_at == datetime(2027, 2, 22, 9, 0)
    clock.now = datetime(2027, 2, 22, 9, 1)
    fire_due_timers(db.session, clock)
    assert messages("ada", org) == ["Milestone due on 2027-03-01: Architecture course"]
    assert reload(instance).next_timer_at == datetime(2027, 5, 25, 9, 0)


def small(process_id, body, extra_ns=""):
    return (HEADER.replace("<bpmn:definitions ", f"<bpmn:definitions {XSI}{extra_ns}")
            + f'<bpmn:process id="{process_id}" isExecutable="true" camunda:candidateStarterUsers="${{employee}}">'
            f'{body}</bpmn:process></bpmn:definitions>')


def timer(kind, text):
    return (f'<bpmn:timerEventDefinition><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{text}</bpmn:{kind}>'
            f'</bpmn:timerEventDefinition>')


def flows(*pairs):
    return "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(pairs))


def deploy_small(xml, name="t.bpmn"):
    version = deploy(db.session, {name: xml, "note.form": FORM}).created[0]
    db.session.commit()
    return version


def test_intermediate_timer_from_an_expression_over_process_data(org, clock):
    xml = small("waits", '<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>'
                '<camunda:formField id="wait" label="Wait" type="string"/></camunda:formData></bpmn:extensionElements>'
                '</bpmn:startEvent>'
                f'<bpmn:intermediateCatchEvent id="pause" name="Pause">{timer("timeDuration", "${wait}")}'
                '</bpmn:intermediateCatchEvent><bpmn:scriptTask id="after"><bpmn:script>done = True</bpmn:script>'
                '</bpmn:scriptTask><bpmn:endEvent id="e"/>' + flows(("s", "pause"), ("pause", "after"), ("after", "e")))
    version = deploy_small(xml)
    instance = Runtime(db.session, clock).start_version(version, org["ada"], org["ada"], {"wait": "P2D"}).instance
    db.session.commit()
    assert reload(instance).next_timer_at == START + timedelta(days=2)
    clock.move(days=2, seconds=1)
    fire_due_timers(db.session, clock)
    assert reload(instance).status == "completed" and fired(instance) == ["pause"]


def test_interrupting_boundary_timer_withdraws_the_task_and_moves_on(org, clock):
    xml = small("expires", '<bpmn:startEvent id="s"/>'
                '<bpmn:userTask id="answer" name="Answer" camunda:formRef="note" camunda:assignee="ada"/>'
                f'<bpmn:boundaryEvent id="expired" attachedToRef="answer">{timer("timeDate", "2026-11-03T08:00:00Z")}'
                '</bpmn:boundaryEvent>'
                '<bpmn:userTask id="chase" name="Chase" camunda:formRef="note" camunda:assignee="mia"/>'
                '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
                + flows(("s", "answer"), ("answer", "e1"), ("expired", "chase"), ("chase", "e2")))
    version = deploy_small(xml)
    instance = Runtime(db.session, clock).start_version(version, org["ada"], org["ada"]).instance
    db.session.commit()
    [answer] = open_rows(instance)
    clock.move(days=1, seconds=1)
    fire_due_timers(db.session, clock)
    db.session.expire_all()
    assert db.session.get(HumanTask, answer.id).status == "cancelled"
    assert [(r.element_id, r.assignee.username) for r in open_rows(instance)] == [("chase", "mia")]


def test_timer_start_event_with_a_cycle(org, clock):
    xml = small("recurring", f'<bpmn:startEvent id="s">{timer("timeCycle", "R2/PT1H")}</bpmn:startEvent>'
                '<bpmn:scriptTask id="tick"><bpmn:script>ticked = True</bpmn:script></bpmn:scriptTask>'
                '<bpmn:endEvent id="e"/>' + flows(("s", "tick"), ("tick", "e")))
    version = deploy_small(xml)
    instance = Runtime(db.session, clock).start_version(version, org["hana"], org["hana"]).instance
    db.session.commit()
    assert reload(instance).next_timer_at == START + timedelta(hours=1)
    clock.move(hours=1, seconds=1)
    fire_due_timers(db.session, clock)
    assert fired(instance) == ["s"]
    assert reload(instance).next_timer_at == START + timedelta(hours=2)
    clock.move(hours=1)
    fire_due_timers(db.session, clock)
    assert fired(instance) == ["s", "s"]


def test_a_failing_timer_path_gets_an_incident_and_the_others_still_fire(org, clock):
    good = small("good", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1H")}'
                 '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + flows(("s", "t"), ("t", "e")))
    bad = small("bad", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1H")}'
                '</bpmn:intermediateCatchEvent><bpmn:scriptTask id="boom"><bpmn:script>x = 1 / 0</bpmn:script>'
                '</bpmn:scriptTask><bpmn:endEvent id="e"/>' + flows(("s", "t"), ("t", "boom"), ("boom", "e")))
    runtime = Runtime(db.session, clock)
    broken = runtime.start_version(deploy_small(bad, "bad.bpmn"), org["ada"], org["ada"]).instance
    fine = runtime.start_version(deploy_small(good, "good.bpmn"), org["ben"], org["ben"]).instance
    db.session.commit()
    clock.move(hours=2)
    assert fire_due_timers(db.session, clock) == [fine.id]
    assert reload(fine).status == "completed"
    broken = reload(broken)
    assert broken.status == "incident" and broken.incident["element_id"] == "boom"
    assert "division by zero" in broken.incident["message"]
    assert fire_due_timers(db.session, clock) == []  # an instance with an incident is not retried by the worker


def test_the_worker_thread_embedded_in_serve_fires_due_timers(org, clock):
    """The thread `pathing serve` starts picks up a path whose timer is already due (set up on a past clock)."""
    import time

    from sqlalchemy.orm import sessionmaker

    from engine.connect.notifications import MailSettings
    from engine.runtime.worker import start_thread

    xml = small("soon", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1H")}'
                '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + flows(("s", "t"), ("t", "e")))
    instance = Runtime(db.session, clock).start_version(deploy_small(xml), org["ada"], org["ada"]).instance
    db.session.commit()
    thread, stop = start_thread(sessionmaker(bind=db.engine), MailSettings(), interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while reload(instance).status != "completed" and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the other thread, not for the timer
    finally:
        stop.set()
        thread.join(timeout=10)
    assert reload(instance).status == "completed" and fired(instance) == ["t"]
