"""A request whose database connection dies under it (a restart, a failover) before it commits is run once more
on a fresh connection: the caller gets the answer, not a 500, and nothing is done twice. One that loses it while
committing is not run again and says the change may have been saved. A connection that died in the pool is
replaced before use (pool_pre_ping).

On PostgreSQL the connection is really cut (pg_terminate_backend of its server process); on SQLite the driver's
connection is closed under the request, which SQLAlchemy reports as the same lost connection."""
import base64
import logging

import pytest
import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent
from web.extensions import db

from ..helpers import OBJECTIVES

ADA = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}


def cut(connection):
    """Lose this checked-out connection as a database restart would."""
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        pid = raw.info.backend_pid
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(10_000):  # until the server process is gone (a query each time, no sleep)
                if not other.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                     {"pid": pid}).scalar():
                    break
    else:
        raw.close()


class Cutter:
    """Cuts the connection of the first statement that starts with `prefix` (or of the first COMMIT after
    it, when `at_commit`), once; counts the statements that start with `prefix`."""

    def __init__(self, prefix, at_commit=False):
        self.prefix, self.at_commit = prefix, at_commit
        self.seen, self.cut = 0, False

    def before_statement(self, connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(self.prefix):
            self.seen += 1
            if not self.at_commit and not self.cut:
                self.cut = True
                cut(connection)

    def before_commit(self, connection):
        if self.at_commit and self.seen and not self.cut:
            self.cut = True
            cut(connection)


@pytest.fixture
def cutter(app):
    made = []

    def make(prefix, at_commit=False):
        made.append(Cutter(prefix, at_commit))
        sa.event.listen(db.engine, "before_cursor_execute", made[-1].before_statement)
        sa.event.listen(db.engine, "commit", made[-1].before_commit)
        return made[-1]

    yield make
    for each in made:
        sa.event.remove(db.engine, "before_cursor_execute", each.before_statement)
        sa.event.remove(db.engine, "commit", each.before_commit)


def complete_objectives(act, path):
    task = act.task(path, "career_objectives_meeting")
    db.session.rollback()  # the test's own connection back to the pool
    response = act.app.test_client().post(f"/api/v1/tasks/{task.id}/complete", headers=ADA,
                                          json={"data": OBJECTIVES})
    return task.id, response


def stored_once(path, task_id):
    db.session.expire_all()
    completions = db.session.scalar(sa.select(sa.func.count()).select_from(InstanceEvent).where(
        InstanceEvent.kind == "task_completed", InstanceEvent.human_task_id == task_id))
    next_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == path.id, HumanTask.element_id == "draft_job_description"))
    return completions, next_tasks, db.session.get(HumanTask, task_id).status


def lost_before_commit(act, cutter, caplog):
    path = act.start_path("ada")
    cut_at = cutter("UPDATE HUMAN_TASK")
    with caplog.at_level(logging.WARNING, logger="web.lost_connections"):
        task_id, response = complete_objectives(act, path)
    assert cut_at.cut, "the completion never updated its task: nothing was cut"
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert [t["element_id"] for t in response.json["next_tasks"]] == ["draft_job_description"]
    assert "running it once more" in caplog.text
    assert cut_at.seen == 2  # the view ran twice: the first run's update was lost with its connection
    assert stored_once(path, task_id) == (1, 1, "completed")


def test_a_completion_that_lost_its_connection_is_run_once_more_on_sqlite(act, cutter, caplog):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL test below cuts a real connection")
    lost_before_commit(act, cutter, caplog)


@pytest.mark.postgres
def test_a_completion_whose_server_process_was_terminated_is_run_once_more_on_postgresql(act, cutter, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")
    lost_before_commit(act, cutter, caplog)


def test_a_connection_lost_while_committing_is_not_run_again(act, cutter):
    path = act.start_path("ada")
    cut_at = cutter("UPDATE HUMAN_TASK", at_commit=True)
    task_id, response = complete_objectives(act, path)
    assert cut_at.cut and cut_at.seen == 1  # not run a second time
    assert response.status_code == 503 and response.json["code"] == "connection_lost_while_saving"
    assert "may or may not have been saved" in response.json["message"]
    completions, next_tasks, status = stored_once(path, task_id)
    assert completions == next_tasks and completions <= 1  # whatever the database kept, it kept once
    if db.engine.dialect.name == "sqlite":
        assert (completions, status) == (0, "open")  # SQLite drops an uncommitted transaction with its connection
    if status == "open":
        assert complete_objectives(act, path)[1].status_code == 200  # so trying again is safe


@pytest.mark.postgres
def test_connections_cut_while_in_the_pool_are_replaced_before_use(act, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")
    path = act.start_path("ada")
    db.session.rollback()
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    with caplog.at_level(logging.WARNING, logger="web.lost_connections"):
        task_id, response = complete_objectives(act, path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "running it once more" not in caplog.text  # pre-ping replaced them: no request lost its connection
    assert stored_once(path, task_id) == (1, 1, "completed")
