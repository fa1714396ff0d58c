"""Requests that lose their database connection (a database restart, a failover, a connection cut).

Connections are checked before use (`pool_pre_ping`, web/config.py), so one that died while it sat in the
pool is replaced unseen. A connection can also die while a request holds it: then the request's transaction is
gone, and nothing of it was saved as long as it had not begun to commit. Such a request is run once more, from
the start of its view, on a fresh connection: the caller gets the answer instead of a 500, and nothing is done
twice, because the first run left nothing behind.

It is not run again once it has committed, or begun to: after a commit that went through, web/retries.py tells
the caller the change was saved; a connection lost during COMMIT may or may not have saved it, and the caller is
told so, to look before sending it again (503).
A second lost connection in a row answers 503 too, saying nothing was changed.
"""
import functools
import logging

import sqlalchemy as sa
from flask import g, has_request_context, request

from engine.errors import DomainError

from .extensions import db

log = logging.getLogger(__name__)


class DatabaseUnavailable(DomainError):
    """The database connection was lost again on the retry; nothing was changed."""

    status = 503
    code = "database_unavailable"


class SavedOrNot(DomainError):
    """The database connection was lost while the request was committing: the change may have been saved."""

    status = 503
    code = "connection_lost_while_saving"


def lost_connection(exc):
    """True when `exc` (or an exception it arose from) is a database error that invalidated its connection."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _count_commit(_connection):
    """Every COMMIT a request begins (on any connection), counted before it is sent to the database."""
    if has_request_context():
        g.database_commits = g.get("database_commits", 0) + 1


def _commits():
    return g.get("database_commits", 0)


def _rewind_uploads():
    for upload in request.files.values():
        try:
            upload.stream.seek(0)
        except (AttributeError, OSError, ValueError):
            continue


def retried_once(view):
    """`view`, run again once when its first run lost its database connection before committing anything."""

    @functools.wraps(view)
    def run_view(*args, **kwargs):
        commits = _commits()
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            if not lost_connection(exc):
                raise
            _give_up_if_committing(commits, exc)
            log.warning("%s %s lost its database connection before committing; running it once more",
                        request.method, request.path)
            db.session.rollback()
            _rewind_uploads()
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            if not lost_connection(exc):
                raise
            _give_up_if_committing(commits, exc)
            db.session.rollback()
            raise DatabaseUnavailable("The database connection was lost twice; nothing was changed. Try again in "
                                      "a moment.") from exc

    return run_view


def _give_up_if_committing(commits, exc):
    """Not again once a commit began: a commit that went through is answered by web/retries.py ("saved"); one
    cut off may or may not have been saved (503)."""
    if _commits() != commits:
        if g.get("committed_changes"):
            raise exc
        db.session.rollback()
        raise SavedOrNot("The database connection was lost while your change was being saved, so it may or may "
                         "not have been saved. Reload to see whether it was before sending it again.") from exc


def init_app(app):
    """Count commits per request and run each view of `app` once more after a lost connection (call after every
    blueprint is registered)."""
    if not sa.event.contains(sa.engine.Engine, "commit", _count_commit):
        sa.event.listen(sa.engine.Engine, "commit", _count_commit)
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "retried_once", False):
            wrapped = retried_once(view)
            wrapped.retried_once = True
            app.view_functions[endpoint] = wrapped
