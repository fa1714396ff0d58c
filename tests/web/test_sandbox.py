"""Scripts in diagrams run in a sandbox: every known escape is refused with a clear incident, and the path
can be retried once the diagram is fixed."""
import json
import os
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import checksum_of
from engine.store.models import ProcessInstance, ProcessVersion
from web.extensions import db

from ..engine.test_runtime import small_process

FORM = {"id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]}
ESCAPES = [
    ("import os\nos.system('id')", "imports are not allowed"),
    ("x = __import__('os')", 'starts with "_"'),
    ("x = ().__class__.__bases__[0].__subclasses__()", '"__class__" is an invalid attribute name'),
    ("x = open('/tmp/pathing-escape', 'w')", "name 'open' is not defined"),
    ("x = eval('1 + 1')", "Eval calls are not allowed"),
    ("exec('x = 1')", "Exec calls are not allowed"),
    ("x = getattr(1, 'real')", "name 'getattr' is not defined"),
    ("x = globals()", "name 'globals' is not defined"),
    ("x = type(1).mro()", "name 'type' is not defined"),
    ("x = '{0.__class__}'.format(1)", "format"),
    ("g = (i for i in [1])\nx = g.gi_frame.f_back", '"gi_frame" is a restricted name'),
    ("x = 'a' * (10 ** 9)", "more than 1,000,000 items"),
    ("x = 10 ** (10 ** 6)", "over 100,000 bits"),
    ("x = [0]\nwhile True:\n    x.extend(x)", "MB of memory"),
    ("while True:\n    pass", "longer than 2 seconds"),
]


def deploy_unchecked(script, version=1):
    """A version written straight to the database, skipping deploy-time validation, so that the sandbox
    itself is what refuses the script."""
    sources = {"bpmn": {"small.bpmn": small_process(escape(script))}, "dmn": {}, "forms": {"note": FORM}}
    row = ProcessVersion(key="small", name="Small", version=version, checksum=checksum_of(sources), sources=sources)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("script, reason", ESCAPES, ids=[e[0].split("\n")[0][:30] for e in ESCAPES])
def test_known_escapes_are_refused_with_a_clear_incident(act, client, script, reason):
    deploy_unchecked(script)
    bystander = act.start_path("ben")  # another path, which must not be affected
    started = act.as_("ada").post("/api/v1/process-instances", json={"process_key": "small"})
    assert started.status_code == 201
    instance_id = started.json["id"]
    task_id = started.json["open_tasks"][0]["id"]
    response = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "go"}})
    assert response.status_code == 409 and response.json["code"] == "incident"
    assert reason in response.json["message"], response.json["message"]
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "incident" and instance.incident["element_id"] == "compute"
    assert reason in instance.incident["message"] and instance.incident["at"]
    assert act.task(instance, "first").status == "open"  # the step was rolled back
    assert db.session.get(ProcessInstance, bystander.id).status == "running"
    assert not os.path.exists("/tmp/pathing-escape")


def test_incidents_are_listed_for_hr_and_retried_after_a_fix(act):
    from engine.diagrams.deployment import deploy
    broken = deploy_unchecked("x = 1 / 0")
    instance_id = act.as_("ada").post("/api/v1/process-instances", json={"process_key": "small"}).json["id"]
    instance = db.session.get(ProcessInstance, instance_id)
    task = act.task(instance, "first")
    assert act.submit("ada", task, {"note": "go"}).status_code == 409
    listing = act.as_("hana").get("/paths/incidents").get_data(as_text=True)
    assert "division by zero" in listing and "<code>compute</code>" in listing
    assert act.as_("ada").get("/paths/incidents").status_code == 403
    assert "HR and process owners have been shown the problem" in act.as_("ada").get(
        f"/paths/{instance_id}").get_data(as_text=True)
    # fix: deploy a corrected version and migrate the path to it, which releases the incident
    fixed = deploy(db.session, {"small.bpmn": small_process("x = 1"), "note.form": json.dumps(FORM)}).created[0]
    db.session.commit()
    assert fixed.version == 2 and broken.version == 1
    assert act.as_("hana").post("/processes/small/1/migrate", data={"to": "2", "all": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "running"
    assert act.submit("ada", task, {"note": "go"}).status_code == 302
    assert act.task(instance, "second").status == "open"
    assert [e.kind for e in act.events(instance) if e.kind.startswith("incident")] == ["incident", "incident_resolved"]
    assert "No path is stopped" in act.as_("hana").get("/paths/incidents").get_data(as_text=True)


def test_a_timer_path_stopped_by_an_incident_runs_again_on_retry(act):
    from ..engine.test_timers import Clock, flows, small, timer
    from engine.runtime.runner import Runtime
    from engine.runtime.worker import fire_due_timers
    clock = Clock()
    xml = small("later", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1H")}'
                '</bpmn:intermediateCatchEvent><bpmn:scriptTask id="calc"><bpmn:script>x = missing_value + 1'
                '</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="e"/>'
                + flows(("s", "t"), ("t", "calc"), ("calc", "e"))).replace("missing_value", "lookup")
    version = ProcessVersion(key="later", name="Later", version=1, checksum="x",
                             sources={"bpmn": {"later.bpmn": xml}, "dmn": {}, "forms": {}})
    db.session.add(version)
    db.session.commit()
    instance = Runtime(db.session, clock).start_version(version, _user("ada"), _user("ada")).instance
    db.session.commit()
    clock.move(hours=2)
    fire_due_timers(db.session, clock)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "incident"
    page = act.as_("hana").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "name &#39;lookup&#39; is not defined" in page and "Retry" in page
    # the data the script needs arrives (as a fix would bring it); retry runs the step again
    instance = db.session.get(ProcessInstance, instance.id)
    state = dict(instance.state)
    state_text = json.dumps(state).replace('"data": {"employee"', '"data": {"lookup": 1, "employee"')
    instance.state = json.loads(state_text)
    db.session.commit()
    assert act.as_("hana").post(f"/paths/{instance.id}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"


def _user(username):
    from engine.store.models import User
    return db.session.scalars(sa.select(User).where(User.username == username)).one()
