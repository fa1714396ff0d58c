"""Export all data to one file and import it into an empty database.

The file is JSON (gzip-compressed when its name ends in .gz): every table of
the schema, row by row, with dates as ISO text, stamped with the schema
revision it was written at. Import refuses a database that already holds data
or a file from another schema revision, and writes everything in one
transaction.
"""
import gzip
import json
from datetime import date, datetime

import sqlalchemy as sa

from engine.store.models import Base, utcnow

FORMAT = "career-pathing-backup"
FORMAT_VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be written or restored; the message says why."""


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(column, value):
    if value is None:
        return None
    if isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(value)
    return value


def export_data(session, revision):
    """Every row of every table, as a JSON-ready dict."""
    tables = {}
    for table in Base.metadata.sorted_tables:
        order = [column for column in table.primary_key.columns]
        rows = session.execute(sa.select(table).order_by(*order)).mappings()
        tables[table.name] = [{key: _plain(value) for key, value in row.items()} for row in rows]
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision,
            "exported_at": utcnow().isoformat(), "tables": tables}


def write_file(path, data):
    """Write a backup dict to `path` (gzip when it ends in .gz)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write(text)


def read_file(path):
    """Read a backup file; BackupError when it is not one."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (UnicodeDecodeError, EOFError, json.JSONDecodeError, RecursionError, gzip.BadGzipFile):
        raise BackupError(f"{path} is not a readable backup: it is not the JSON that `pathing export` "
                          f"writes") from None
    except OSError:
        raise BackupError(f"{path} cannot be read: check that it exists and that you may read it") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tables"), dict):
        raise BackupError(f"{path} is not a Career Pathing backup (made by `pathing export`)")
    return data


def import_data(session, data, revision):
    """Restore a backup into an empty database (flushes; the caller commits)."""
    if data.get("schema_revision") != revision:
        raise BackupError(f"the backup was written at schema revision {data.get('schema_revision')}, this database "
                          f"is at {revision}: restore it with the version of Career Pathing that wrote it")
    for table in Base.metadata.sorted_tables:
        if session.execute(sa.select(sa.func.count()).select_from(table)).scalar():
            raise BackupError(f"the database is not empty (table {table.name} has rows): import only into a new, "
                              f"empty database")
    unknown = set(data["tables"]) - {table.name for table in Base.metadata.sorted_tables}
    if unknown:
        raise BackupError(f"the backup has tables this version does not know: {', '.join(sorted(unknown))}")
    for table in Base.metadata.sorted_tables:
        rows = data["tables"].get(table.name) or []
        if rows:
            _import_table(session, table, rows)
    _reset_sequences(session)
    session.flush()
    return {name: len(rows) for name, rows in data["tables"].items()}


def _import_table(session, table, rows):
    """Insert one table's rows; BackupError (one plain sentence) when they do not fit the schema or refer to
    rows the backup does not hold (foreign keys are checked on every database)."""
    columns = {column.name: column for column in table.columns}
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BackupError(f"the backup's table {table.name} is not a list of rows")
    try:
        typed = [{name: _typed(columns[name], value) for name, value in row.items() if name in columns}
                 for row in rows]
    except (TypeError, ValueError):
        raise BackupError(f"the backup's table {table.name} holds a date or time that is not in ISO "
                          f"format") from None
    # references to rows of the same table (a user's manager) are set once all rows exist
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    try:
        session.execute(sa.insert(table), [{**row, **{name: None for name in self_refs}} for row in typed])
        for name in self_refs:
            key = next(iter(table.primary_key.columns))
            for row in typed:
                if row.get(name) is not None:
                    session.execute(sa.update(table).where(key == row[key.name]).values({name: row[name]}))
    except sa.exc.IntegrityError as exc:
        raise BackupError(f"the backup's table {table.name} {_broken_rule(exc)}: the file is incomplete or was "
                          f"edited") from None
    except sa.exc.StatementError:
        raise BackupError(f"the backup's table {table.name} holds values of the wrong type: the file is "
                          f"incomplete or was edited") from None


def _broken_rule(exc):
    """What an integrity error says about the rows, in words (PostgreSQL's SQLSTATE, SQLite's message)."""
    code = getattr(exc.orig, "sqlstate", None)
    text = str(exc.orig).upper()
    if code == "23503" or "FOREIGN KEY" in text:
        return "has rows that refer to rows the backup does not hold"
    if code == "23505" or "UNIQUE" in text:
        return "repeats a value that must be unique"
    if code == "23502" or "NOT NULL" in text:
        return "lacks a value that is required"
    return "has rows the schema does not allow"


def _reset_sequences(session):
    """On PostgreSQL, move id sequences past the imported ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement:
            session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))
