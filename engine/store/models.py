"""SQLAlchemy models of the organisation and of workflow state (no Flask here)."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow():
    """The current time in UTC, naive (as stored in the database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base shared by the engine and the web app (via Flask-SQLAlchemy)."""


group_membership = sa.Table(
    "group_membership",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("group.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A person in the org directory; `manager` is resolved per employee from here."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    department: Mapped[str | None] = mapped_column(sa.String(120))
    job_title: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Part of the id a login session carries: raising it (at logout) ends every session of the user.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Kept for SCIM provisioning (engine.people.provisioning): the identity provider's id and name parts, when the row
    # was written and changed, and when a SCIM DELETE deprovisioned it (inactive, hidden from SCIM, history kept).
    external_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    given_name: Mapped[str | None] = mapped_column(sa.String(200))
    family_name: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    deprovisioned_at: Mapped[datetime | None]
    manager: Mapped["User | None"] = relationship(remote_side=[id], foreign_keys=[manager_id])
    groups: Mapped[list["Group"]] = relationship(secondary=group_membership, back_populates="members")

    @property
    def group_names(self):
        """Names of the groups this user belongs to."""
        return {group.name for group in self.groups}

    # Flask-Login protocol, kept here so the model needs no web import.
    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        """The id a login session stores: the user's id and session version, so logout can revoke it."""
        return f"{self.id}:{self.session_version or 1}"


class Group(Base):
    """A candidate group (leadership, hr, ...) or role (process-owners, admins)."""

    __tablename__ = "group"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    external_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)  # the identity provider's id (SCIM)
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    members: Mapped[list[User]] = relationship(secondary=group_membership, back_populates="groups")


class Deployment(Base):
    """One deploy action (CLI, upload page, modeler or Camunda Modeler): what was sent, by whom."""

    __tablename__ = "deployment"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(200))
    tenant_id: Mapped[str | None] = mapped_column(sa.String(100))
    deployed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resources: Mapped[list] = mapped_column(sa.JSON, default=list)  # file names sent
    deployed_by: Mapped[User | None] = relationship()


class ApiToken(Base):
    """A bearer token for tools such as Camunda Modeler; only its hash is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class ProcessVersion(Base):
    """One deployed version of a process: its sources (BPMN, DMN, forms) stored once."""

    __tablename__ = "process_version"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(sa.String(64), index=True)
    # {"bpmn": {file: xml}, "dmn": {...}, "forms": {id: schema}}; large, so loaded only when read
    sources: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    deployment_name: Mapped[str | None] = mapped_column(sa.String(200))
    deployment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deployment.id"), index=True)
    deployed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[User | None] = relationship()
    deployment: Mapped[Deployment | None] = relationship()

    @property
    def main_file(self):
        """The name of the BPMN file that defines this version's own process (its other files are called)."""
        files = self.sources.get("bpmn", {})
        return next((name for name, xml in files.items() if f'id="{self.key}"' in xml), next(iter(files), None))

    @property
    def definition_id(self):
        """The Camunda-style id tools see: key:version:id."""
        return f"{self.key}:{self.version}:{self.id}"


class ResourceDefinition(Base):
    """A decision (DMN) or a form deployed as a resource of its own, versioned by its id: business rule tasks
    and user tasks find it by id at run time (latest, same deployment, or a given version)."""

    __tablename__ = "resource_definition"
    __table_args__ = (sa.UniqueConstraint("kind", "key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "decision" or "form"
    key: Mapped[str] = mapped_column(sa.String(200))  # the decision id or form id
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(sa.String(300))
    resource: Mapped[str] = mapped_column(sa.String(300))  # the file it came from
    checksum: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.Text, deferred=True)
    deployment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deployment.id"), index=True)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployment: Mapped[Deployment | None] = relationship()

    @property
    def definition_id(self):
        """The Camunda-style id tools see: key:version:id."""
        return f"{self.key}:{self.version}:{self.id}"


DUE_CONDITION = "status = 'running' AND next_timer_at IS NOT NULL"


class ProcessInstance(Base):
    """A running or finished path; `state` holds the workflow state only, never the spec."""

    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="running", index=True)
    state: Mapped[dict] = mapped_column(sa.JSON)
    lock_version: Mapped[int] = mapped_column(default=1)
    next_timer_at: Mapped[datetime | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    incident: Mapped[dict | None] = mapped_column(sa.JSON)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id"), index=True)

    process_version: Mapped[ProcessVersion] = relationship()
    employee: Mapped[User | None] = relationship(foreign_keys=[employee_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])

    # The timer worker's claim (most overdue running path first) is one probe of this index, whatever the backlog.
    __table_args__ = (sa.Index("ix_process_instance_due", "next_timer_at", "id",
                               postgresql_where=sa.text(DUE_CONDITION), sqlite_where=sa.text(DUE_CONDITION)),)
    __mapper_args__ = {"version_id_col": lock_version}


GROUP_OFFERED = sa.text("CAST(candidate_groups AS VARCHAR) != '[]'")


class HumanTask(Base):
    """One activation of a user task: what the inbox and analytics query."""

    __tablename__ = "human_task"
    __table_args__ = (sa.Index("ix_human_task_open_assignee", "status", "assignee_id"),
                      sa.Index("ix_human_task_status_due", "status", "due_at", "id"),
                      sa.Index("ix_human_task_group_offered", "instance_id", postgresql_where=GROUP_OFFERED,
                               sqlite_where=GROUP_OFFERED))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    task_guid: Mapped[str] = mapped_column(sa.String(36), index=True)
    element_id: Mapped[str] = mapped_column(sa.String(200))
    process_key: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(300))
    # what this activation is about (e.g. a milestone's title), from the user task's `subject` property
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    lane: Mapped[str | None] = mapped_column(sa.String(200))
    form_ref: Mapped[str | None] = mapped_column(sa.String(200))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    candidate_users: Mapped[list] = mapped_column(sa.JSON, default=list)
    candidate_groups: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")  # open / completed / cancelled
    due_at: Mapped[datetime | None]
    follow_up_at: Mapped[datetime | None]
    priority: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    outcome: Mapped[dict | None] = mapped_column(sa.JSON)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)  # who delegated it
    substitute_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))  # absent assignee replaced
    # the person whose path this task decides on, who may not act on it (None: the task is for the employee)
    decides_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    instance: Mapped[ProcessInstance] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    substitute_for: Mapped[User | None] = relationship(foreign_keys=[substitute_for_id])
    decides_on: Mapped[User | None] = relationship(foreign_keys=[decides_on_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def title(self):
        """The step's name with its subject, so that activations of the same step read differently."""
        return f"{self.name}: {self.subject}" if self.subject else self.name


class InstanceEvent(Base):
    """Append-only history of a path: who did what, when, with which data."""

    __tablename__ = "instance_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
    human_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("human_task.id"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()
    human_task: Mapped[HumanTask | None] = relationship()


class Absence(Base):
    """An out-of-office period: tasks assigned to the user meanwhile go to the substitute."""

    __tablename__ = "absence"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])


class Notification(Base):
    """The outbox: written in the same transaction as the change that caused it; shown in the app (bell)
    and, when the user wants it and SMTP is configured, delivered by email by the worker."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"))
    human_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("human_task.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_status: Mapped[str] = mapped_column(sa.String(20), default="off", index=True)  # off/pending/sent/failed
    email_attempts: Mapped[int] = mapped_column(default=0)
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    instance: Mapped[ProcessInstance | None] = relationship()
    human_task: Mapped[HumanTask | None] = relationship()


class Comment(Base):
    """A comment on a path, or on one task of it; shown to everyone who may see the path."""

    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("human_task.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    human_task: Mapped[HumanTask | None] = relationship()


class LoginFailure(Base):
    """A failed login (form or HTTP Basic), kept briefly to slow down password guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (sa.Index("ix_login_failure_username_at", "username", "at"),
                      sa.Index("ix_login_failure_ip_at", "ip", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(200))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """The first answer to a request sent with an Idempotency-Key header, replayed when the same user
    retries it, so a retried start never makes a second path."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))  # method, address and body of the first request
    status: Mapped[int | None]  # None while the first request runs
    content_type: Mapped[str | None] = mapped_column(sa.String(200))
    location: Mapped[str | None] = mapped_column(sa.String(2000))
    body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StartFailure(Base):
    """A start that failed and was rolled back (no path exists): kept in its own transaction so HR and process
    owners see it under Incidents, with who tried, and can start the path again for that person."""

    __tablename__ = "start_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"))
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
    message: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"))

    process_version: Mapped[ProcessVersion] = relationship()
    employee: Mapped[User | None] = relationship(foreign_keys=[employee_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
