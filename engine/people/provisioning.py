"""Provisioning the org directory from an identity provider: people and groups created, changed, deactivated
and deprovisioned, and the tokens that authorise the provider.

The SCIM layer (web/scim) speaks the protocol; every change it makes to the directory goes through the
functions here, which flush and leave the commit to the request. Two of them are the single doors the rest of
the app hooks into: `deactivate_person` (a leaver: can no longer sign in) and `change_manager` (a mover: a new
manager). Deleting a person through SCIM does not erase them: their paths, tasks and history refer to them, so
`deprovision_person` deactivates them and hides them from SCIM (`deprovisioned_at`); creating the same
username again brings the same person back.
"""
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.people import leavers, movers
from engine.store.models import Group, User, group_membership, utcnow
from engine.store.provisioning_models import ProvisioningToken
from engine.roles import ADMIN_GROUP, HR_GROUP, PROCESS_OWNER_GROUP, WORKER_GROUP

USERNAME_LENGTH = 80
GROUP_NAME_LENGTH = 80
TEXT_LENGTH = 200
DEPARTMENT_LENGTH = 120
# Groups the app itself gives a role (roles.py): renaming their label or changing members is fine, deleting
# them is not (the app would lose its HR, administrators, process owners or connected systems).
ROLE_GROUPS = frozenset({HR_GROUP, PROCESS_OWNER_GROUP, ADMIN_GROUP, WORKER_GROUP})


class UsernameTaken(Conflict):
    """Another person of the directory already has this username."""

    code = "username_taken"


class GroupNameTaken(Conflict):
    """Another group already has the name a new group would get."""

    code = "group_name_taken"


class LastAdministrator(Conflict):
    """The change would leave the app without an active administrator."""

    code = "last_administrator"


class RoleGroupKept(Forbidden):
    """A group that carries a role in the app cannot be deleted."""

    code = "role_group_kept"


@dataclass
class PersonDetails:
    """What the directory keeps about a person, as an identity provider sends it (None: not known)."""

    username: str
    name: str
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    job_title: str | None = None
    department: str | None = None
    external_id: str | None = None


def visible_people():
    """A query of the people SCIM sees: everyone in the directory except the deprovisioned."""
    return sa.select(User).where(User.deprovisioned_at.is_(None))


def find_person(session, person_id):
    """The person with this id, unless deprovisioned; None otherwise."""
    person = session.get(User, person_id) if isinstance(person_id, int) else None
    return person if person is not None and person.deprovisioned_at is None else None


def _text(value, field, length):
    """`value` stripped, None when empty; ValidationFailed naming `field` when longer than `length`."""
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > length:
        raise ValidationFailed(f"The {field} is {len(value)} characters long; at most {length} are kept.",
                               {field: f"at most {length} characters"})
    return value or None


def _checked(details):
    """`details` with every value stripped and checked; ValidationFailed naming the first field that is wrong."""
    username = _text(details.username, "username", USERNAME_LENGTH)
    if not username:
        raise ValidationFailed("A person needs a username.", {"username": "required"})
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise ValidationFailed(f"The username “{username}” holds a space or a control character; people sign in "
                               f"with it, so it may not.", {"username": "no spaces or control characters"})
    return PersonDetails(
        username=username,
        name=_text(details.name, "name", TEXT_LENGTH) or username,
        given_name=_text(details.given_name, "given name", TEXT_LENGTH),
        family_name=_text(details.family_name, "family name", TEXT_LENGTH),
        email=_text(details.email, "email", TEXT_LENGTH),
        job_title=_text(details.job_title, "job title", TEXT_LENGTH),
        department=_text(details.department, "department", DEPARTMENT_LENGTH),
        external_id=_text(details.external_id, "external id", TEXT_LENGTH),
    )


def _holder_of(session, username):
    """The person whose username is `username` ignoring case (usernames are not case-sensitive), or None."""
    return session.scalars(sa.select(User).where(sa.func.lower(User.username) == username.lower())
                           .order_by(User.deprovisioned_at.is_not(None), User.id)).first()


def _apply(person, details):
    person.username, person.name = details.username, details.name
    person.given_name, person.family_name = details.given_name, details.family_name
    person.email, person.job_title = details.email, details.job_title
    person.department, person.external_id = details.department, details.external_id


def provision_person(session, details, *, active=True, manager=None, now=None):
    """Add a person to the directory (no password: they sign in through the identity provider). A username
    that a deprovisioned person had brings that person back, with their history; one that someone else has
    is UsernameTaken."""
    details, now = _checked(details), now or utcnow()
    person = _holder_of(session, details.username)
    if person is not None and person.deprovisioned_at is None:
        raise UsernameTaken(f"The username “{details.username}” is taken by {person.name} (id {person.id}).",
                            {"username": "taken"})
    if person is None:  # someone new reports to nobody yet, so any manager is fine: one INSERT
        person = User(username=details.username, name=details.name, active=bool(active), manager=manager,
                      created_at=now, updated_at=now)
        _apply(person, details)
        session.add(person)
        session.flush()
        return person
    person.deprovisioned_at = None
    _apply(person, details)
    person.updated_at = now
    session.flush()
    change_manager(session, person, manager, now=now)
    if active:
        reactivate_person(session, person, now=now)
    return person


def update_person(session, person, details, *, active, manager, now=None):
    """Change what the directory keeps about `person`; a change of `active` or of the manager goes through
    `deactivate_person`/`reactivate_person` and `change_manager`."""
    details, now = _checked(details), now or utcnow()
    holder = _holder_of(session, details.username)
    if holder is not None and holder.id != person.id:
        raise UsernameTaken(f"The username “{details.username}” is taken by {holder.name} (id {holder.id}).",
                            {"username": "taken"})
    _apply(person, details)
    session.flush()
    change_manager(session, person, manager, now=now)
    if active:
        reactivate_person(session, person, now=now)
    else:
        deactivate_person(session, person, now=now)


def _active_administrators(session, excluding=()):
    query = (sa.select(sa.func.count()).select_from(User).join(group_membership, group_membership.c.user_id == User.id)
             .join(Group, Group.id == group_membership.c.group_id)
             .where(Group.name == ADMIN_GROUP, User.active.is_(True), User.deprovisioned_at.is_(None)))
    if excluding:
        query = query.where(User.id.not_in(list(excluding)))
    return session.scalar(query)


def deactivate_person(session, person, *, now=None):
    """A leaver: `person` can no longer sign in (their sessions end) nor be given new tasks. The one way any
    channel (page, SCIM, CSV) deactivates someone, so what must follow a leaver hooks in here. Returns whether
    anything changed; LastAdministrator when they are the app's only active administrator."""
    if not person.active:
        return False
    if ADMIN_GROUP in person.group_names and _active_administrators(session, excluding=[person.id]) == 0:
        raise LastAdministrator(f"{person.name} is the only active administrator; make someone else an "
                                f"administrator before deactivating them.", {"active": "last administrator"})
    leavers.deactivate_person(session, person, None, "scim", now=now)  # sign-in ends, open tasks handed over
    person.updated_at = now or utcnow()
    session.flush()
    return True


def reactivate_person(session, person, *, now=None):
    """`person` may sign in and be given tasks again. Returns whether anything changed."""
    if person.active:
        return False
    leavers.reactivate_person(session, person, None, "scim")
    person.updated_at = now or utcnow()
    session.flush()
    return True


def change_manager(session, person, manager, *, now=None):
    """A mover: `person` reports to `manager` (a User, or None for nobody) from now on. The one way any channel
    changes a manager, so what must follow a manager change hooks in here. Returns whether anything changed;
    ValidationFailed when it would make a reporting loop."""
    if (manager.id if manager else None) == person.manager_id:
        return False
    boss, seen = manager, set()
    while boss is not None:
        if boss.id == person.id:
            raise ValidationFailed(f"{manager.name} reports to {person.name}, so cannot be their manager: that "
                                   f"would make a reporting loop.", {"manager": "reporting loop"})
        if boss.id in seen:
            break
        seen.add(boss.id)
        boss = boss.manager
    movers.change_manager(session, person, manager, None, "scim", clock=(lambda: now) if now else utcnow)
    person.updated_at = now or utcnow()
    session.flush()
    return True


def deprovision_person(session, person, *, now=None):
    """What a SCIM DELETE does: `person` is deactivated and hidden from provisioning; the row stays, since paths,
    tasks and history refer to them; they leave their groups. Provisioning the same username again brings them
    back."""
    now = now or utcnow()
    deactivate_person(session, person, now=now)
    person.groups = []
    person.deprovisioned_at = now
    person.updated_at = now
    session.flush()


def group_name_for(label):
    """The name a new group gets from its label (what diagrams' candidateGroups use): lower-case letters,
    digits and dashes, e.g. "Leadership EMEA" -> "leadership-emea"."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")[:GROUP_NAME_LENGTH].strip("-")
    return name or "group"


def create_group(session, label, *, external_id=None, members=(), now=None):
    """A new group labelled `label`, named from it (`group_name_for`); GroupNameTaken when a group already has
    that name or label."""
    label = _text(label, "group name", TEXT_LENGTH)
    if not label:
        raise ValidationFailed("A group needs a name.", {"displayName": "required"})
    name, now = group_name_for(label), now or utcnow()
    existing = session.scalars(sa.select(Group).where(sa.or_(Group.name == name,
                                                             sa.func.lower(Group.label) == label.lower()))).first()
    if existing is not None:
        raise GroupNameTaken(f"A group “{existing.label}” (name {existing.name}, id {existing.id}) already exists; "
                             f"use it, or give the new group another name.", {"displayName": "taken"})
    group = Group(name=name, label=label, external_id=_text(external_id, "external id", TEXT_LENGTH),
                  created_at=now, updated_at=now)
    session.add(group)
    session.flush()
    set_group_members(session, group, members, now=now)
    return group


def update_group(session, group, label, *, external_id, members, now=None):
    """Relabel a group and set its members; its name (what diagrams use) stays."""
    label = _text(label, "group name", TEXT_LENGTH)
    if not label:
        raise ValidationFailed("A group needs a name.", {"displayName": "required"})
    group.label, group.external_id = label, _text(external_id, "external id", TEXT_LENGTH)
    group.updated_at = now or utcnow()
    session.flush()
    set_group_members(session, group, members, now=now)


def set_group_members(session, group, people, *, now=None):
    """Make `people` the members of `group`. LastAdministrator when the administrators' group would be left
    without an active member."""
    people = list(dict.fromkeys(people))
    if {p.id for p in people} == {p.id for p in group.members}:
        return False
    if group.name == ADMIN_GROUP and _active_administrators(session) and not any(
            p.active and p.deprovisioned_at is None for p in people):
        raise LastAdministrator("The administrators' group would have no active member left; keep at least one "
                                "active administrator.", {"members": "last administrator"})
    group.members = people
    group.updated_at = now or utcnow()
    session.flush()
    return True


def delete_group(session, group):
    """Remove a group (its memberships go with it); RoleGroupKept for the groups that carry a role in the app."""
    if group.name in ROLE_GROUPS:
        raise RoleGroupKept(f"The group “{group.label}” ({group.name}) carries a role in Career Pathing and is kept; "
                            f"remove its members instead.", {"group": "carries a role"})
    session.delete(group)
    session.flush()


# ---- provisioning tokens ----------------------------------------------------------------------------------

TOKEN_USE_NOTED_EVERY = timedelta(minutes=5)


def token_hash(token):
    """Only this hash of a provisioning token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_provisioning_token(session, name, *, created_by=None):
    """A new provisioning token named `name`: (its row, the token itself, to be shown once and never again)."""
    name = _text(name, "token name", TEXT_LENGTH)
    if not name:
        raise ValidationFailed("Give the token a name, e.g. the identity provider that will use it.",
                               {"name": "required"})
    token = "scim_" + secrets.token_urlsafe(32)
    row = ProvisioningToken(name=name, token_hash=token_hash(token), created_by=created_by)
    session.add(row)
    session.flush()
    return row, token


def provisioning_token_for(session, token):
    """The live (not revoked) provisioning token row for `token`, or None."""
    if not isinstance(token, str) or not token:
        return None
    return session.scalars(sa.select(ProvisioningToken).where(ProvisioningToken.token_hash == token_hash(token),
                                                              ProvisioningToken.revoked_at.is_(None))).first()


def revoke_provisioning_token(session, row, *, now=None):
    """Revoke a provisioning token: the provider using it gets 401 from now on. Returns whether it was live."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    session.flush()
    return True
