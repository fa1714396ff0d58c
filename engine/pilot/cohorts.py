"""Pilot cohorts: who is in a round of career pathing, starting their paths together, asking for feedback."""
from datetime import date

import sqlalchemy as sa

from engine.diagrams.versions import latest_version
from engine.errors import DomainError, Forbidden, NotFound, StartFailed
from engine.store.pilot_models import Cohort, CohortMember
from engine.store.models import ProcessInstance, User
from engine.runtime.runner import Runtime
from engine.runtime.start_failures import record_start_failure


def people_for(session, usernames=(), department=None, manager=None):
    """Active people chosen by name, by department, or as the reports of a manager."""
    chosen = {}
    if usernames:
        for user in session.scalars(sa.select(User).where(User.username.in_(list(usernames)), User.active.is_(True))):
            chosen[user.id] = user
    if department:
        for user in session.scalars(sa.select(User).where(User.department == department, User.active.is_(True))):
            chosen[user.id] = user
    if manager:
        boss = session.scalars(sa.select(User).where(User.username == manager)).first()
        if boss is not None:
            for user in session.scalars(sa.select(User).where(User.manager_id == boss.id, User.active.is_(True))):
                chosen[user.id] = user
    return sorted(chosen.values(), key=lambda user: user.name)


def add_members(session, cohort, people):
    """Add people to a cohort (those already in it are skipped); returns how many were added."""
    present = {member.user_id for member in cohort.members}
    added = 0
    for person in people:
        if person.id not in present:
            member = CohortMember(user=person)
            cohort.members.append(member)
            adopt_running_path(session, cohort, member)
            present.add(person.id)
            added += 1
    session.flush()
    return added


def adopt_running_path(session, cohort, member):
    """A member whose path of the cohort's process already runs outside any cohort (she started it herself)
    joins with that path, so the cohort shows it instead of "not started"; returns the path or None."""
    existing = running_path_of(session, member.user)
    if (existing is None or existing.cohort_id not in (None, cohort.id)
            or existing.process_version.key != cohort.process_key):
        return None
    existing.cohort_id = cohort.id
    member.instance = existing
    return existing


def running_path_of(session, user):
    """The user's path that is still going (running or stopped by an incident), if any."""
    return session.scalars(sa.select(ProcessInstance).where(
        ProcessInstance.employee_id == user.id, ProcessInstance.status.in_(("running", "incident")))
        .order_by(ProcessInstance.id.desc())).first()


def version_for(session, cohort):
    """The process version a cohort's paths start on: the one chosen, else the newest of its process."""
    version = cohort.process_version or latest_version(session, cohort.process_key)
    if version is None:
        raise NotFound(f'No process "{cohort.process_key}" is deployed.')
    return version


def start_paths(session, cohort, actor, runtime=None):
    """Start a path for every member who has none yet, one savepoint each; returns (started, skipped) where
    skipped is [(member name, reason)]."""
    runtime = runtime or Runtime(session)
    version = version_for(session, cohort)
    started, skipped = [], []
    for member in cohort.members:
        if member.instance is not None:
            skipped.append((member.user.name, f"already has path {member.instance_id} in this cohort"))
            continue
        if adopt_running_path(session, cohort, member) is not None:
            continue
        existing = running_path_of(session, member.user)
        if existing is not None:
            skipped.append((member.user.name, f"already has a running path ({existing.id})"))
            continue
        try:
            with session.begin_nested():
                instance = runtime.start_version(version, member.user, actor).instance
                instance.cohort_id = cohort.id
                member.instance = instance
        except StartFailed as exc:  # kept for HR under Incidents, with Start again
            record_start_failure(session, exc.failure, now=runtime.clock())
            skipped.append((member.user.name, exc.message))
            continue
        except DomainError as exc:
            skipped.append((member.user.name, exc.message))
            continue
        started.append(member)
    session.flush()
    return started, skipped


def open_cohort_of(session, user, day):
    """The open cohort the user is a member of on `day`, if any."""
    return session.scalars(sa.select(Cohort).join(CohortMember).where(
        CohortMember.user_id == user.id, Cohort.opens_on <= day, Cohort.closes_on >= day)
        .order_by(Cohort.opens_on.desc())).first()


def check_may_start_own(session, employee, day, cohort_required):
    """When the company requires a cohort, only members of an open cohort may start a path. Returns the open
    cohort (or None)."""
    cohort = open_cohort_of(session, employee, day or date.today())
    if cohort is None and cohort_required:
        raise Forbidden(f"{employee.name} is not in an open pilot cohort; career paths start through HR's cohorts "
                        f"for now. Ask HR to add you to the next cohort.")
    return cohort


def ask_feedback(session, cohort, actor, process_key, runtime=None):
    """Start the pilot feedback process for every member (employee and manager answer); returns how many."""
    runtime = runtime or Runtime(session)
    version = latest_version(session, process_key)
    if version is None:
        raise NotFound(f'No process "{process_key}" is deployed to ask for feedback with.')
    asked = 0
    for member in cohort.members:
        with session.begin_nested():
            instance = runtime.start_version(version, member.user, actor).instance
            instance.cohort_id = cohort.id
        asked += 1
    session.flush()
    return asked
