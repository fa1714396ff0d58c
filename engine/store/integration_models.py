"""Tables of what connects paths to other systems: external tasks waiting for workers, the messages and
signals paths wait for, and webhooks with their deliveries (imported by engine.store.models)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.models import Base, ProcessInstance, User, utcnow


class ExternalTask(Base):
    """An element waiting for a worker outside the app (`camunda:type="external"`); the row is removed when the
    worker completes it. A lock (worker id, expiry) says who works on it; retries 0 means an incident."""

    __tablename__ = "external_task"
    __table_args__ = (sa.Index("ix_external_task_topic", "topic", "priority", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    element_id: Mapped[str] = mapped_column(sa.String(200))
    element_name: Mapped[str | None] = mapped_column(sa.String(300))
    topic: Mapped[str] = mapped_column(sa.String(200))
    priority: Mapped[int] = mapped_column(default=0)
    worker_id: Mapped[str | None] = mapped_column(sa.String(200))
    lock_expires_at: Mapped[datetime | None]
    retries: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(sa.String(1000))
    error_details: Mapped[str | None] = mapped_column(sa.Text)
    business_key: Mapped[str | None] = mapped_column(sa.String(200))
    process_key: Mapped[str] = mapped_column(sa.String(200))
    process_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instance: Mapped[ProcessInstance] = relationship()


class EventSubscription(Base):
    """A path waiting for a message or a signal (a catch event, receive task or boundary event): what message
    correlation and signals look up, instead of reading every path's state."""

    __tablename__ = "event_subscription"
    __table_args__ = (sa.Index("ix_event_subscription_name", "kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # message / signal
    name: Mapped[str] = mapped_column(sa.String(300))
    element_id: Mapped[str] = mapped_column(sa.String(200))
    task_guid: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """A URL told about path events (JSON signed with the webhook's secret), registered by HR or a process
    owner."""

    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(1000))
    secret: Mapped[str] = mapped_column(sa.String(200))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class WebhookDelivery(Base):
    """One event for one webhook: written with the change that caused it (the outbox), sent by the worker,
    retried with exponential backoff; the admin sees its history."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")  # pending / sent / failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    webhook: Mapped[Webhook] = relationship()
