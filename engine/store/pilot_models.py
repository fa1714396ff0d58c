"""Tables of the pilot: cohorts and their members, the skills framework (job families, roles, skills) and the
milestones a path tracks."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.models import Base, ProcessInstance, ProcessVersion, User, utcnow


class Cohort(Base):
    """A pilot cohort: the people HR runs career pathing for in one round, with its dates and process."""

    __tablename__ = "cohort"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    process_key: Mapped[str] = mapped_column(sa.String(200))
    process_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_version.id"))  # None: newest
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process_version: Mapped[ProcessVersion | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    members: Mapped[list["CohortMember"]] = relationship(back_populates="cohort", cascade="all, delete-orphan",
                                                         order_by="CohortMember.id")

    def is_open(self, day):
        """True when people can start paths in this cohort on `day`."""
        return self.opens_on <= day <= self.closes_on


class CohortMember(Base):
    """A person in a cohort, and the path started for them in it."""

    __tablename__ = "cohort_member"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
    instance: Mapped[ProcessInstance | None] = relationship()


class JobFamily(Base):
    """A family of related roles (Engineering, Sales, ...) in the skills framework."""

    __tablename__ = "job_family"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    roles: Mapped[list["Role"]] = relationship(back_populates="family", order_by="Role.title",
                                               cascade="all, delete-orphan")


class Skill(Base):
    """A skill people can have at proficiency 1 (aware) to 5 (expert)."""

    __tablename__ = "skill"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")


class Role(Base):
    """A role in a job family, with the proficiency it needs in each skill."""

    __tablename__ = "role"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_family_id: Mapped[int] = mapped_column(sa.ForeignKey("job_family.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), unique=True)
    family: Mapped[JobFamily] = relationship(back_populates="roles")
    requirements: Mapped[list["RoleSkill"]] = relationship(back_populates="role", cascade="all, delete-orphan")


class RoleSkill(Base):
    """The proficiency (1-5) a role needs in a skill."""

    __tablename__ = "role_skill"
    __table_args__ = (sa.CheckConstraint("required_level BETWEEN 1 AND 5", name="ck_role_skill_level"),)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True)
    required_level: Mapped[int]
    role: Mapped[Role] = relationship(back_populates="requirements")
    skill: Mapped[Skill] = relationship()


class Milestone(Base):
    """A milestone of an approved career path, tracked to completion and recognised (rows written by the
    diagram's scripts through `track_milestones` and `update_milestone`)."""

    __tablename__ = "milestone"
    __table_args__ = (sa.UniqueConstraint("instance_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(40), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    measure: Mapped[str] = mapped_column(sa.Text, default="")
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="planned", index=True)  # planned/in progress/done
    reported_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completion_note: Mapped[str | None] = mapped_column(sa.Text)
    evidence_link: Mapped[str | None] = mapped_column(sa.String(500))
    recognition_kind: Mapped[str | None] = mapped_column(sa.String(100))
    recognition_note: Mapped[str | None] = mapped_column(sa.Text)
    recognized_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    instance: Mapped[ProcessInstance] = relationship()
    recognized_by: Mapped[User | None] = relationship()

    def shown_status(self, today):
        """planned / in progress / done, or overdue when not done after its due date."""
        if self.status != "done" and self.due_on is not None and self.due_on < today:
            return "overdue"
        return self.status
