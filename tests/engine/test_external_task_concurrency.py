"""Several workers fetch the same topic at once on PostgreSQL: each external task is locked by exactly one."""
import threading
from collections import Counter

import pytest
from sqlalchemy.orm import sessionmaker

from engine.connect import external_tasks
from engine.runtime.runner import Runtime
from web.extensions import db

from ..connect import ARCHIVE, deploy_text

pytestmark = pytest.mark.postgres
TASKS = 40
WORKERS = 6


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")


def test_concurrent_fetchers_never_lock_the_same_task(postgres, org):
    deploy_text("archive.bpmn", ARCHIVE)
    runtime = Runtime(db.session)
    for index in range(TASKS):
        runtime.start("archive", org["ada" if index % 2 else "ben"], org["hana"], {"priority": index % 3})
    db.session.commit()
    factory = sessionmaker(bind=db.engine)
    per_worker, errors, start = {}, [], threading.Barrier(WORKERS)
    topic = [{"topicName": "archive", "lockDuration": 60_000}]

    def fetch(worker_id):
        session = factory()
        mine = per_worker.setdefault(worker_id, [])
        try:
            start.wait()
            while True:
                rows = external_tasks.lock_for_worker(session, worker_id, topic, max_tasks=3, use_priority=True)
                ids = [row.id for row, _topic in rows]
                session.commit()
                if not ids:
                    break
                mine.extend(ids)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=fetch, args=(f"w{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    locked = Counter(task_id for ids in per_worker.values() for task_id in ids)
    assert sum(1 for ids in per_worker.values() if ids) > 1  # the work was shared
    assert len(locked) == TASKS and set(locked.values()) == {1}
