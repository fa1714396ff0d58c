"""`pathing export` and `pathing import`: a running path survives the round trip and completes afterwards."""
import gzip
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from engine.store.models import Base, InstanceEvent, ProcessInstance, User
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


def _backup_with(act, database_url, tmp_path, edit):
    """Export the database, empty it, and return the path of the exported file changed by `edit(tables)`."""
    act.start_path("ada")
    backup = tmp_path / "pathing.json"
    assert CliRunner(env={"DATABASE_URL": database_url}).invoke(main, ["export", str(backup)]).exit_code == 0
    data = json.loads(backup.read_text())
    edit(data["tables"])
    backup.write_text(json.dumps(data))
    empty_database()
    return backup


def _import(database_url, backup):
    result = CliRunner(env={"DATABASE_URL": database_url}).invoke(main, ["import", str(backup)])
    db.session.expire_all()
    return result


def _rows_in_database():
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(table)) for table in Base.metadata.sorted_tables)


@pytest.mark.parametrize("table, column, message", [
    ("process_instance", "process_version_id", "process_instance has rows that refer to rows the backup does not hold"),
    ("user", "manager_id", "user has rows that refer to rows the backup does not hold"),
    ("human_task", "instance_id", "human_task has rows that refer to rows the backup does not hold"),
])
def test_dangling_references_are_refused_in_one_sentence_and_nothing_is_written(act, database_url, tmp_path,
                                                                              table, column, message):
    def dangle(tables):
        tables[table][0][column] = 999999

    result = _import(database_url, _backup_with(act, database_url, tmp_path, dangle))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (f"error: the backup's table {message}: the file is incomplete or was edited; "
                                     f"nothing was imported.")
    assert _rows_in_database() == 0


@pytest.mark.parametrize("edit, message", [
    (lambda t: t["user"][0].update(username=None), "the backup's table user lacks a value that is required"),
    (lambda t: t["user"].append(dict(t["user"][0], id=999998)), "the backup's table user repeats a value"),
    (lambda t: t["process_instance"][0].update(started_at="yesterday"), "holds a date or time that is not in ISO"),
    (lambda t: t.update(user="nobody"), "the backup's table user is not a list of rows"),
])
def test_broken_rows_are_refused_with_a_plain_sentence(act, database_url, tmp_path, edit, message):
    result = _import(database_url, _backup_with(act, database_url, tmp_path, edit))
    assert result.exit_code == 1 and message in result.output, result.output
    assert "sqlalchemy" not in result.output.lower() and "Traceback" not in result.output
    assert _rows_in_database() == 0


def test_foreign_keys_are_enforced_on_every_connection(database_url):
    from engine.store.models import ProcessInstance
    if database_url.startswith("sqlite"):
        fresh = sa.create_engine(database_url)
        try:
            with fresh.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            fresh.dispose()
    db.session.add(ProcessInstance(process_version_id=424242, state={}, status="running"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_unreadable_file_is_one_plain_sentence(database_url, tmp_path):
    broken = tmp_path / "x.json.gz"
    broken.write_bytes(b"not gzip at all")
    result = CliRunner(env={"DATABASE_URL": database_url}).invoke(main, ["import", str(broken)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (f"error: {broken} is not a readable backup: it is not the JSON that "
                                     f"`pathing export` writes; nothing was imported.")
