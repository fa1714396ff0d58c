"""Two workers fire the same set of due timers at once on PostgreSQL: every timer fires exactly once."""
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from engine.store.models import InstanceEvent, Notification, ProcessInstance
from engine.runtime.runner import Runtime
from engine.runtime.worker import fire_due_timers
from web.extensions import db

from .test_timers import START, Clock, deploy_small, flows, small, timer

pytestmark = pytest.mark.postgres
PATHS = 40


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")


def test_two_workers_fire_each_due_timer_exactly_once(postgres, org):
    xml = small("nudge", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">{timer("timeDuration", "PT1H")}'
                '</bpmn:intermediateCatchEvent><bpmn:scriptTask id="tell"><bpmn:script>notify(employee, "Nudge")'
                '</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="e"/>'
                + flows(("s", "wait"), ("wait", "tell"), ("tell", "e")))
    version = deploy_small(xml)
    clock = Clock(START)
    runtime = Runtime(db.session, clock)
    for index in range(PATHS):
        runtime.start_version(version, org["ada" if index % 2 else "ben"], org["hana"])
    db.session.commit()
    clock.move(hours=1, seconds=1)

    factory = sessionmaker(bind=db.engine)
    results, errors, start = {}, [], threading.Barrier(2)

    def work(name):
        session = factory()
        try:
            start.wait()
            results[name] = fire_due_timers(session, clock)
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(results["one"] + results["two"]) == sorted(set(results["one"] + results["two"]))
    assert len(results["one"]) + len(results["two"]) == PATHS
    db.session.expire_all()
    per_instance = Counter(db.session.scalars(sa.select(InstanceEvent.instance_id).where(
        InstanceEvent.kind == "timer_fired")))
    assert len(per_instance) == PATHS and set(per_instance.values()) == {1}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.subject == "Nudge")) == PATHS
    assert set(db.session.scalars(sa.select(ProcessInstance.status))) == {"completed"}
    assert fire_due_timers(db.session, lambda: START + timedelta(days=1)) == []
