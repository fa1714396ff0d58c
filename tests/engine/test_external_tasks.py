"""External tasks, messages and signals in the engine: a service task waits for a worker, a message goes to the
one path waiting for it, Java implementations are refused at deploy."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.connect import external_tasks, messages
from engine.errors import Conflict, DeploymentRejected, Forbidden
from engine.connect.external_tasks import BadUserRequest
from engine.store.integration_models import EventSubscription, ExternalTask
from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, utcnow
from engine.runtime.runner import Runtime
from web.extensions import db

from ..connect import ARCHIVE, ONBOARDING, deploy_text, diagram, flows, worker_account

TOPIC = {"topicName": "archive", "lockDuration": 60_000}


class Clock:
    """A clock the test moves."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def archive(org):
    deploy_text("archive.bpmn", ARCHIVE)
    return worker_account()


def start_archive(org, priority=5):
    instance = Runtime(db.session).start("archive", org["ada"], org["hana"], {"priority": priority}).instance
    db.session.commit()
    return instance


def test_a_service_task_waits_for_a_worker_and_goes_on_when_completed(org, archive):
    instance = start_archive(org)
    row = db.session.scalars(sa.select(ExternalTask)).one()
    assert (row.topic, row.element_id, row.priority, row.business_key, row.retries) == (
        "archive", "archive_plan", 5, "ada", None)
    locked = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], max_tasks=5)
    db.session.commit()
    assert [r.id for r, _topic in locked] == [row.id]
    assert external_tasks.lock_available(db.session, archive, "w2", [TOPIC], max_tasks=5) == []
    runtime = Runtime(db.session)
    assert external_tasks.task_variables(runtime, row)["employee"] == "ada"
    with pytest.raises(BadUserRequest, match="locked by worker 'w1'"):
        external_tasks.complete(db.session, runtime, archive, row.id, "w2", {"archived": True})
    db.session.rollback()
    external_tasks.complete(db.session, Runtime(db.session), archive, row.id, "w1", {"archive_id": "A-17"})
    db.session.commit()
    assert db.session.scalars(sa.select(ExternalTask)).all() == []
    subscription = db.session.scalars(sa.select(EventSubscription)).one()
    assert (subscription.kind, subscription.name, subscription.element_id) == ("message", "training-done", "training")
    assert Runtime(db.session).current_data(db.session.get(ProcessInstance, instance.id))["archive_id"] == "A-17"


def test_only_workers_fetch_external_tasks(org, archive):
    start_archive(org)
    with pytest.raises(Forbidden, match="workers"):
        external_tasks.lock_available(db.session, org["hana"], "w1", [TOPIC], max_tasks=1)


def test_an_expired_lock_returns_the_task_to_the_pool(org, archive):
    start_archive(org)
    clock = Clock()
    first = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock)
    db.session.commit()
    assert external_tasks.lock_available(db.session, archive, "w2", [TOPIC], 1, clock=clock) == []
    clock.now += timedelta(seconds=61)
    second = external_tasks.lock_available(db.session, archive, "w2", [TOPIC], 1, clock=clock)
    db.session.commit()
    assert [r.id for r, _t in second] == [first[0][0].id] and second[0][0].worker_id == "w2"


def test_failures_use_up_retries_then_make_an_incident_that_retry_resolves(org, archive):
    instance = start_archive(org)
    clock = Clock()
    row = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock)[0][0]
    external_tasks.handle_failure(db.session, Runtime(db.session, clock), archive, row.id, "w1",
                                  "archive down", "stack...", retries=1, retry_timeout_ms=30_000)
    db.session.commit()
    assert external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock) == []
    clock.now += timedelta(seconds=31)
    row = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock)[0][0]
    external_tasks.handle_failure(db.session, Runtime(db.session, clock), archive, row.id, "w1",
                                  "archive still down", None, retries=0, retry_timeout_ms=0)
    db.session.commit()
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "incident" and instance.incident["element_id"] == "archive_plan"
    assert "archive still down" in instance.incident["message"]
    clock.now += timedelta(hours=1)
    assert external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock) == []
    Runtime(db.session, clock).retry(instance.id, org["hana"])  # the retry button on the incidents page
    db.session.commit()
    assert db.session.get(ProcessInstance, instance.id).status == "running"
    assert len(external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1, clock=clock)) == 1


def test_setting_retries_resolves_the_incident(org, archive):
    instance = start_archive(org)
    row = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1)[0][0]
    external_tasks.handle_failure(db.session, Runtime(db.session), archive, row.id, "w1", "down", None, 0, 0)
    db.session.commit()
    external_tasks.set_retries(db.session, Runtime(db.session), org["hana"], [row], 2)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "running"
    assert db.session.get(ExternalTask, row.id).retries == 2


def test_a_bpmn_error_takes_the_error_boundary_flow(org, archive):
    instance = start_archive(org)
    row = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1)[0][0]
    external_tasks.handle_bpmn_error(db.session, Runtime(db.session), archive, row.id, "w1", "ARCHIVE_REFUSED",
                                     "no space", {"reason": "full"})
    db.session.commit()
    fix = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert fix.element_id == "fix_archive" and fix.assignee.username == "ada"
    assert db.session.scalars(sa.select(ExternalTask)).all() == []


def test_an_uncaught_bpmn_error_is_an_incident(org, archive):
    instance = start_archive(org)
    row = external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1)[0][0]
    external_tasks.handle_bpmn_error(db.session, Runtime(db.session), archive, row.id, "w1", "OTHER", "odd")
    db.session.commit()
    db.session.expire_all()
    stopped = db.session.get(ProcessInstance, instance.id)
    assert stopped.status == "incident" and "OTHER" in stopped.incident["message"]


def test_a_message_reaches_the_one_path_waiting_and_sets_its_variables(org, archive):
    first, second = start_archive(org), start_archive(org)
    for instance in (first, second):
        row = db.session.scalars(sa.select(ExternalTask).where(ExternalTask.instance_id == instance.id)).one()
        external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 2)
        external_tasks.complete(db.session, Runtime(db.session), archive, row.id, "w1", {"course": f"c{instance.id}"})
        db.session.commit()
    with pytest.raises(messages.MismatchingCorrelation, match="2 executions"):
        messages.correlate(Runtime(db.session), archive, "training-done")
    db.session.rollback()
    results = messages.correlate(Runtime(db.session), archive, "training-done",
                                 correlation_keys={"course": f"c{second.id}"}, variables={"score": 93})
    db.session.commit()
    assert [(r.result_type, r.instance.id) for r in results] == [("Execution", second.id)]
    db.session.expire_all()
    done = db.session.get(ProcessInstance, second.id)
    assert done.status == "completed" and Runtime(db.session).current_data(done)["score"] == 93
    assert db.session.get(ProcessInstance, first.id).status == "running"
    with pytest.raises(messages.MismatchingCorrelation, match="No process definition or execution"):
        messages.correlate(Runtime(db.session), archive, "training-done", business_key="ben")


def test_people_reach_only_the_paths_they_may_see(org, archive):
    instance = start_archive(org)
    row = db.session.scalars(sa.select(ExternalTask)).one()
    external_tasks.lock_available(db.session, archive, "w1", [TOPIC], 1)
    external_tasks.complete(db.session, Runtime(db.session), archive, row.id, "w1")
    db.session.commit()
    with pytest.raises(messages.MismatchingCorrelation):
        messages.correlate(Runtime(db.session), org["ben"], "training-done")  # ben may not see ada's path
    db.session.rollback()
    assert messages.correlate(Runtime(db.session), org["ada"], "training-done")[0].instance.id == instance.id


def test_a_message_start_event_starts_a_path_and_a_signal_moves_it(org):
    deploy_text("onboarding.bpmn", ONBOARDING)
    hris = worker_account("hris")
    with pytest.raises(Conflict, match="joined-pilot"):
        Runtime(db.session).start("onboarding", org["ada"], org["hana"])
    db.session.rollback()
    results = messages.correlate(Runtime(db.session), hris, "joined-pilot", business_key="ben",
                                 variables={"cohort": "spring"})
    db.session.commit()
    (result,) = results
    assert result.result_type == "ProcessDefinition" and result.instance.business_key == "ben"
    assert db.session.scalars(sa.select(EventSubscription.name)).all() == ["pilot-opens"]
    assert messages.signal(Runtime(db.session), org["mia"], "pilot-opens") == 1  # mia manages ben
    db.session.commit()
    welcome = db.session.scalars(sa.select(HumanTask)).one()
    assert welcome.element_id == "welcome" and welcome.assignee.username == "ben"
    assert Runtime(db.session).current_data(db.session.get(ProcessInstance, result.instance.id))["cohort"] == "spring"
    kinds = db.session.scalars(sa.select(InstanceEvent.kind).where(
        InstanceEvent.instance_id == result.instance.id).order_by(InstanceEvent.id)).all()
    assert "message_received" in kinds and "signal_received" in kinds


@pytest.mark.parametrize("attributes, expected", [
    ('camunda:class="org.example.Archive"', "camunda:class names Java code"),
    ('camunda:delegateExpression="${archiver}"', "camunda:delegateExpression names Java code"),
    ('camunda:expression="${archiver.run()}"', "camunda:expression names Java code"),
    ('', "is mandatory on a service task"),
    ('camunda:type="external"', "needs camunda:topic"),
])
def test_service_tasks_that_cannot_run_are_refused_with_a_pointer_to_external(org, attributes, expected):
    text = diagram("java", '<bpmn:startEvent id="start"/>'
                   f'<bpmn:serviceTask id="call" name="Call" {attributes}/><bpmn:endEvent id="end"/>'
                   + flows(("start", "call"), ("call", "end")))
    with pytest.raises(DeploymentRejected) as refused:
        deploy_text("java.bpmn", text)
    (problem,) = refused.value.problems
    assert problem.element_id == "call" and expected in problem.message
    if "Java" in expected or "mandatory" in expected:
        assert 'camunda:type="external"' in problem.message


def test_send_and_business_rule_tasks_and_message_throw_events_can_be_external(org):
    text = diagram("many", '<bpmn:startEvent id="start"/>'
                   '<bpmn:sendTask id="send" camunda:type="external" camunda:topic="mail"/>'
                   '<bpmn:businessRuleTask id="rule" camunda:type="external" camunda:topic="score"/>'
                   '<bpmn:intermediateThrowEvent id="tell"><bpmn:messageEventDefinition messageRef="m" '
                   'camunda:type="external" camunda:topic="tell"/></bpmn:intermediateThrowEvent>'
                   '<bpmn:endEvent id="end"/>'
                   + flows(("start", "send"), ("send", "rule"), ("rule", "tell"), ("tell", "end")),
                   '<bpmn:message id="m" name="told"/>')
    deploy_text("many.bpmn", text)
    worker = worker_account()
    instance = Runtime(db.session).start("many", org["ada"], org["ada"]).instance
    db.session.commit()
    for topic in ("mail", "score", "tell"):
        (row, _t), = external_tasks.lock_available(db.session, worker, "w", [{"topicName": topic,
                                                                                "lockDuration": 1000}], 1)
        external_tasks.complete(db.session, Runtime(db.session), worker, row.id, "w")
        db.session.commit()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"


# a user task with an interrupting message boundary ("withdrawn") and a non-interrupting one ("nudged"),
# then an intermediate message catch event ("confirmed")
BOUNDARIES = diagram("boundaries", (
    '<bpmn:startEvent id="start"/>'
    '<bpmn:userTask id="work" name="Work" camunda:assignee="${employee}" camunda:formRef="note"/>'
    '<bpmn:boundaryEvent id="withdrawn" attachedToRef="work"><bpmn:messageEventDefinition messageRef="w"/>'
    '</bpmn:boundaryEvent>'
    '<bpmn:boundaryEvent id="nudged" attachedToRef="work" cancelActivity="false">'
    '<bpmn:messageEventDefinition messageRef="n"/></bpmn:boundaryEvent>'
    '<bpmn:scriptTask id="count_nudge"><bpmn:script>nudged_because = why</bpmn:script>'
    '</bpmn:scriptTask>'
    '<bpmn:intermediateCatchEvent id="confirmed"><bpmn:messageEventDefinition messageRef="c"/>'
    '</bpmn:intermediateCatchEvent>'
    '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_withdrawn"/><bpmn:endEvent id="end_nudge"/>'
    + flows(("start", "work"), ("work", "confirmed"), ("confirmed", "end"), ("withdrawn", "end_withdrawn"),
            ("nudged", "count_nudge"), ("count_nudge", "end_nudge"))),
    '<bpmn:message id="w" name="withdrawn"/><bpmn:message id="n" name="nudged"/>'
    '<bpmn:message id="c" name="confirmed"/>')


def test_message_boundary_events_interrupt_or_not_and_all_reaches_every_path(org):
    deploy_text("boundaries.bpmn", BOUNDARIES)
    hris = worker_account("hris")
    runtime = Runtime(db.session)
    first = runtime.start("boundaries", org["ada"], org["ada"]).instance
    second = runtime.start("boundaries", org["ben"], org["ben"]).instance
    db.session.commit()
    nudged = messages.correlate(Runtime(db.session), hris, "nudged", correlate_all=True, variables={"why": "late"})
    db.session.commit()
    assert sorted(r.instance.id for r in nudged) == [first.id, second.id]
    open_work = db.session.scalars(sa.select(HumanTask).where(HumanTask.status == "open")).all()
    assert len(open_work) == 2  # not interrupted
    messages.correlate(Runtime(db.session), hris, "withdrawn", business_key="ben")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, second.id).status == "completed"
    assert db.session.scalars(sa.select(HumanTask.status).where(HumanTask.instance_id == second.id)).all() == [
        "cancelled"]
    work = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == first.id)).one()
    Runtime(db.session).complete(work.id, {"note": "done"}, org["ada"])
    db.session.commit()
    names = db.session.scalars(sa.select(EventSubscription.name).where(
        EventSubscription.instance_id == first.id)).all()
    assert names == ["confirmed"]
    (result,) = messages.correlate(Runtime(db.session), hris, "confirmed", instance_id=first.id)
    db.session.commit()
    assert result.instance.status == "completed"
