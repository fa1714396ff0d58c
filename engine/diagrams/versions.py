"""Deployed versions as they are looked up while paths run and when files deploy: a process key's newest or
given version, a decision's or form's newest or given resource row, and each row's parsed content, cached
per row (rows never change)."""
import threading

import sqlalchemy as sa

from engine.store.models import ProcessVersion, ResourceDefinition


def latest_resources(session, kind):
    """The newest ResourceDefinition of each key of a kind ("decision" or "form")."""
    newest = (sa.select(ResourceDefinition.key, sa.func.max(ResourceDefinition.version).label("version"))
              .where(ResourceDefinition.kind == kind).group_by(ResourceDefinition.key).subquery())
    return session.scalars(sa.select(ResourceDefinition).join(
        newest, sa.and_(ResourceDefinition.key == newest.c.key, ResourceDefinition.version == newest.c.version))
        .where(ResourceDefinition.kind == kind).options(sa.orm.undefer(ResourceDefinition.source))).all()


def resource_version(session, kind, key, version=None):
    """A deployed decision or form by id: the given version, or the newest; None when there is none."""
    query = sa.select(ResourceDefinition).where(ResourceDefinition.kind == kind, ResourceDefinition.key == key)
    if version is not None:
        query = query.where(ResourceDefinition.version == version)
    return session.scalars(query.order_by(ResourceDefinition.version.desc()).limit(1)).first()


def process_version(session, key, number):
    """A given version of a process key, or None."""
    return session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                                           ProcessVersion.version == number)).first()


def latest_version(session, key):
    """The newest deployed version of a process key, or None."""
    return session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.key == key).order_by(ProcessVersion.version.desc()).limit(1)
    ).first()


_parsed = {}


_lock = threading.Lock()


def parsed_resource(row, parse):
    """The parsed content of a resource row, parsed once per row (`parse()` does it)."""
    key = (row.id, row.checksum)
    value = _parsed.get(key)
    if value is None:
        value = parse()
        with _lock:
            _parsed[key] = value
    return value
