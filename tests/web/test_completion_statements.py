"""What one task completion costs the database, counted (not timed): the JSON API completion of the shipped
process's first task runs at most 12 SQL statements, whatever the path's history."""
import sqlalchemy as sa

from engine.store.models import HumanTask
from web.extensions import db

from ..helpers import OBJECTIVES

MAX_STATEMENTS = 12


class StatementCounter:
    """Every SQL statement the app's engine executes while counting."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(" ".join(statement.split())[:200])

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def _open_task(instance, element_id):
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                         HumanTask.element_id == element_id,
                                                         HumanTask.status == "open")).one()


def test_a_json_api_completion_runs_at_most_12_statements(act):
    warm, measured = act.start_path("ben"), act.start_path("ada")
    # caches warm as in a running server (parsed spec, forms, the webhooks list)
    task = _open_task(warm, "career_objectives_meeting")
    assert act.as_("ben").post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES}).status_code == 200
    task = _open_task(measured, "career_objectives_meeting")
    client = act.as_("ada")
    db.session.commit()
    with StatementCounter(db.engine) as counter:
        response = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(counter.statements) <= MAX_STATEMENTS, "\n".join(counter.statements)
