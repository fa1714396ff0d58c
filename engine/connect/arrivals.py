"""Waking long-polling workers when external tasks become fetchable, without holding database connections.

A change that makes tasks fetchable calls `announce(session)`. When its transaction commits, waiting requests
of this process are woken (a Condition), and on PostgreSQL a `NOTIFY` (sent only on commit) wakes those of
every other process: each process keeps one listening connection, opened by its first long poll. Waiting
requests also look again every few seconds, for locks that expired.
"""
import logging
import threading

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "pathing_external_tasks"
_arrived = threading.Condition()
_listeners = {}
_listeners_lock = threading.Lock()


def announce(session):
    """Mark this transaction as one that makes external tasks fetchable (wakes waiting workers on commit)."""
    session.info["external_tasks_arrived"] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"NOTIFY {CHANNEL}"))


@event.listens_for(Session, "after_commit")
def _wake_waiting(session):
    if session.info.pop("external_tasks_arrived", False):
        _wake()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("external_tasks_arrived", None)


def _wake():
    with _arrived:
        _arrived.notify_all()


def wait(engine, seconds):
    """Wait up to `seconds` for fetchable tasks to be announced (here, or on PostgreSQL anywhere)."""
    if engine.dialect.name == "postgresql":
        _ensure_listener(engine)
    with _arrived:
        _arrived.wait(seconds)


def _ensure_listener(engine):
    key = engine.url.render_as_string(hide_password=False)
    with _listeners_lock:
        thread = _listeners.get(key)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=_listen, args=(engine.url,), name="pathing-task-listener", daemon=True)
        _listeners[key] = thread
        thread.start()


def _listen(url):
    """Forward PostgreSQL notifications to the waiting requests of this process; reconnect after errors."""
    import psycopg
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    stop = threading.Event()
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                for _notice in connection.notifies():
                    _wake()
        except psycopg.Error:
            log.warning("external task listener lost its connection; reconnecting in 5 s")
            stop.wait(5)
