"""The table of provisioning tokens: what authorises an identity provider on /scim/v2 (registered by
engine.store). Only a token's hash is stored; the token itself is shown once, when it is made."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.models import Base, User, utcnow


class ProvisioningToken(Base):
    """A bearer token an identity provider sends to /scim/v2; made by an administrator (page or command line),
    revoked by one. Revoked tokens stay listed, so the page says which tool was cut off and when."""

    __tablename__ = "provisioning_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()
