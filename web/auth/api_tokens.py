"""Bearer API tokens: who a token belongs to. Only a hash of each token is stored; its use is noted at most every
few minutes. Tokens are made on Processes › API tokens (web/processes/tokens.py) or with `pathing api-token`."""
import hashlib
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from engine.store.models import ApiToken, User, utcnow

from ..extensions import db


def token_hash(token):
    """Only this hash of a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


USE_NOTED_EVERY = timedelta(minutes=5)


def user_for_token(token):
    """The active user owning a bearer token, or None. Its use is noted at most every few minutes, in a
    transaction of its own: the request's transaction never locks the token row, so many clients (workers
    long-polling, scripts) can share one token at once."""
    row = db.session.scalars(sa.select(ApiToken).options(joinedload(ApiToken.user).selectinload(User.groups))
                             .where(ApiToken.token_hash == token_hash(token or ""))).first()
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > USE_NOTED_EVERY:
        try:
            with db.engine.begin() as connection:
                connection.execute(sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        except OperationalError:  # the database is busy (SQLite's single writer): note it next time
            return row.user
        set_committed_value(row, "last_used_at", now)
    return row.user
