"""`pathing export` and `pathing import`: a running path survives the round trip and completes afterwards."""
import gzip
import json

import sqlalchemy as sa
from click.testing import CliRunner

from engine.models import Base, InstanceEvent, ProcessInstance, User
from web.cli import main
from web.extensions import db

from ..helpers import finish_after_approval, run_to_leadership


def empty_database():
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def test_round_trip_of_a_running_path_which_then_completes(act, database_url, tmp_path):
    instance = act.start_path("ada")
    instance_id = instance.id
    run_to_leadership(act, instance)
    act.as_("mia").post(f"/paths/{instance.id}/comments", data={"body": "Ready for leadership"})
    events_before = [(e.kind, e.message) for e in act.events(instance)]
    runner = CliRunner(env={"DATABASE_URL": database_url})
    backup = tmp_path / "pathing.json.gz"
    exported = runner.invoke(main, ["export", str(backup)])
    assert exported.exit_code == 0, exported.output
    with gzip.open(backup, "rt", encoding="utf-8") as handle:
        assert json.load(handle)["tables"]["process_instance"][0]["id"] == instance_id

    refused = runner.invoke(main, ["import", str(backup)])
    assert refused.exit_code == 1 and "the database is not empty" in refused.output

    empty_database()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    imported = runner.invoke(main, ["import", str(backup)])
    assert imported.exit_code == 0, imported.output
    db.session.expire_all()
    restored = db.session.get(ProcessInstance, instance_id)
    assert restored.status == "running" and restored.employee.manager.username == "mia"
    assert [(e.kind, e.message) for e in act.events(restored)] == events_before

    fresh = type(act)(act.app)  # new logins against the restored database
    fresh.complete("leo", restored, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    finish_after_approval(fresh, restored)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    # new rows get new ids after the restore (sequences moved past the imported ones)
    assert max(db.session.scalars(sa.select(InstanceEvent.id))) > max(
        e.id for e in db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.kind == "started")))


def test_a_file_that_is_not_a_backup_is_refused(database_url, tmp_path):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    result = CliRunner(env={"DATABASE_URL": database_url}).invoke(main, ["import", str(bogus)])
    assert result.exit_code == 1 and "is not a Career Pathing backup" in result.output
