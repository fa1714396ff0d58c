"""Settings every database connection gets, whoever opens it (the app, the worker, the CLI, migrations)."""
import sqlite3

import sqlalchemy as sa


@sa.event.listens_for(sa.engine.Engine, "connect")
def enforce_foreign_keys(dbapi_connection, _record):
    """SQLite checks foreign keys only when asked, per connection: ask on every one, as PostgreSQL always does."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def foreign_keys_off(connection):
    """Let SQLite migrations copy and drop tables (batch mode) without cascading deletes; give it back with
    `foreign_keys_on`. Nothing to do on other databases."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()


def foreign_keys_on(connection):
    """Check foreign keys again on a connection `foreign_keys_off` relaxed."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
