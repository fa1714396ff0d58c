"""The org directory as scim2-server's storage: SCIM User and Group resources read from the user and group
tables, searched with SQL (web/scim/filters.py), and written through engine.people.provisioning, which flushes; the
request commits (web/scim/__init__.py).

A resource's id is its row's id; its version (ETag) is a hash of what it holds, so it changes with any change,
whichever page or channel made it. A deprovisioned person (SCIM DELETE) is not found, not searched and not a
member of anything, while their row and history stay.
"""
import hashlib
import json
from contextlib import contextmanager
from datetime import timezone

import sqlalchemy as sa
from scim2_models import (ConflictException, ForbiddenException, GroupMembership, InvalidValueException, Meta,
                          NotFoundException, NotImplementedException, PreconditionFailedException, UniquenessException)
from scim2_server.storage import ScimStorage, SearchPage
from sqlalchemy.orm import selectinload

from engine.people import provisioning
from engine.errors import Conflict, DomainError, Forbidden, NotFound
from engine.store.models import Group, User, utcnow

from .filters import SqlFilter, group_mapping, order_by, user_mapping
from .schema import Email, EnterpriseUser, GroupMember, Manager, Name


def _aware(moment):
    """A stored (naive UTC) time as SCIM shows it, in UTC."""
    return (moment or utcnow()).replace(tzinfo=timezone.utc)


def _version(resource):
    """A weak ETag of everything a resource holds but its meta."""
    content = resource.model_dump(mode="json", exclude={"meta"})
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()[:20]
    return f'W/"{digest}"'


def _row_id(resource_id):
    """The row id a SCIM id names, or None when it names none (ids are decimal numbers here)."""
    return int(resource_id) if isinstance(resource_id, str) and resource_id.isascii() and resource_id.isdigit() \
        and len(resource_id) < 19 else None


@contextmanager
def scim_errors():
    """Domain errors of the directory as SCIM errors (the message becomes the detail)."""
    try:
        yield
    except (provisioning.UsernameTaken, provisioning.GroupNameTaken) as exc:
        raise UniquenessException(detail=exc.message) from exc
    except NotFound as exc:
        raise NotFoundException(detail=exc.message) from exc
    except Forbidden as exc:
        raise ForbiddenException(detail=exc.message) from exc
    except Conflict as exc:
        raise ConflictException(detail=exc.message) from exc
    except DomainError as exc:
        raise InvalidValueException(detail=exc.message) from exc


class DirectoryStorage(ScimStorage):
    """scim2-server's storage over the directory tables of one database session."""

    def __init__(self, session, provider, clock=utcnow):
        self.session = session
        self.user_model = provider.model_for("User")
        self.group_model = provider.model_for("Group")
        self.clock = clock
        self.dialect = session.get_bind().dialect.name

    # ---- reading ------------------------------------------------------------------------------------------

    def get(self, resource_type, resource_id, *, response_parameters=None):
        """The User or Group with this id; NotFoundException when there is none (or it was deprovisioned)."""
        if resource_type.name == "User":
            return self.user_resource(self._person(resource_id))
        return self.group_resource(self._group(resource_id))

    def _person(self, resource_id, lock=False):
        row_id = _row_id(resource_id)
        query = provisioning.visible_people().where(User.id == row_id).options(selectinload(User.groups))
        person = self.session.scalars(query.with_for_update(of=User) if lock else query).first() \
            if row_id is not None else None
        if person is None:
            raise NotFoundException(detail=f"There is no User {resource_id!r}.")
        return person

    def _group(self, resource_id, lock=False):
        row_id = _row_id(resource_id)
        query = sa.select(Group).where(Group.id == row_id).options(selectinload(Group.members))
        group = self.session.scalars(query.with_for_update(of=Group) if lock else query).first() \
            if row_id is not None else None
        if group is None:
            raise NotFoundException(detail=f"There is no Group {resource_id!r}.")
        return group

    def user_resource(self, person):
        """The SCIM User of a person."""
        resource = self.user_model(
            id=str(person.id), external_id=person.external_id, user_name=person.username,
            name=Name(given_name=person.given_name, family_name=person.family_name)
            if person.given_name or person.family_name else None,
            display_name=person.name, title=person.job_title, active=bool(person.active),
            emails=[Email(value=person.email)] if person.email else None,
            groups=[GroupMembership(value=str(group.id), ref=f"Groups/{group.id}", display=group.label, type="direct")
                    for group in sorted(person.groups, key=lambda group: group.id)] or None)
        if person.department or person.manager_id:
            resource[EnterpriseUser] = EnterpriseUser(
                department=person.department,
                manager=Manager(value=str(person.manager_id), ref=f"Users/{person.manager_id}")
                if person.manager_id else None)
        resource.meta = Meta(resource_type="User", created=_aware(person.created_at),
                             last_modified=_aware(person.updated_at or person.created_at), version=_version(resource))
        return resource

    def group_resource(self, group):
        """The SCIM Group of a group: its label and the people in it."""
        members = sorted((person for person in group.members if person.deprovisioned_at is None),
                         key=lambda person: person.id)
        resource = self.group_model(
            id=str(group.id), external_id=group.external_id, display_name=group.label,
            members=[GroupMember(value=str(person.id), ref=f"Users/{person.id}", type="User") for person in members]
            or None)
        resource.meta = Meta(resource_type="Group", created=_aware(group.created_at),
                             last_modified=_aware(group.updated_at or group.created_at), version=_version(resource))
        return resource

    def search(self, resource_types, search_request, *, position=None):
        """One page of the Users or the Groups matching the search, in its order, and how many match."""
        if len(resource_types) != 1:
            raise NotImplementedException(detail="Searching Users and Groups at once is not supported; search "
                                                 "/Users or /Groups.")
        if resource_types[0].name == "User":
            query, model = provisioning.visible_people(), self.user_model
            mapping, loading, build = user_mapping(self.dialect), selectinload(User.groups), self.user_resource
        else:
            query, model = sa.select(Group), self.group_model
            mapping, loading, build = group_mapping(self.dialect), selectinload(Group.members), self.group_resource
        if search_request.filter is not None:
            query = query.where(SqlFilter(search_request.filter, mapping).condition())
        total = self.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        query = query.order_by(*order_by(search_request, model, mapping)).offset(search_request.start_index_0 or 0)
        if search_request.count is not None:
            query = query.limit(search_request.count)
        rows = self.session.scalars(query.options(loading)).all() if search_request.count != 0 else []
        return SearchPage(total, [build(row) for row in rows])

    # ---- writing ------------------------------------------------------------------------------------------

    def _details(self, resource):
        """What the directory keeps from a User resource."""
        name = resource.name
        parts = [part for part in (name.given_name, name.family_name) if part] if name else []
        extension = resource[EnterpriseUser]
        emails = [email.value for email in resource.emails or [] if email.value]
        return provisioning.PersonDetails(
            username=resource.user_name or "",
            name=resource.display_name or " ".join(parts) or resource.user_name or "",
            given_name=name.given_name if name else None, family_name=name.family_name if name else None,
            email=emails[0] if emails else None, job_title=resource.title,
            department=extension.department if extension else None, external_id=resource.external_id)

    def _manager(self, resource):
        """The person a User resource names as manager (by id, or by the id its $ref ends with), or None."""
        extension = resource[EnterpriseUser]
        manager = extension.manager if extension else None
        if manager is None or not (manager.value or manager.ref):
            return None
        reference = manager.value or str(manager.ref).rstrip("/").rpartition("/")[2]
        person = provisioning.find_person(self.session, _row_id(reference))
        if person is None:
            raise InvalidValueException(detail=f"The manager {reference!r} is not a User of this directory.")
        return person

    def _members(self, resource):
        """The people a Group resource lists; InvalidValueException for a member that is not a User here."""
        people = []
        for member in resource.members or []:
            if member.type and member.type != "User":
                raise InvalidValueException(detail=f"A group holds people only; {member.type} {member.value!r} "
                                                   f"cannot be a member.")
            reference = member.value or (str(member.ref).rstrip("/").rpartition("/")[2] if member.ref else "")
            person = provisioning.find_person(self.session, _row_id(reference))
            if person is None:
                raise InvalidValueException(detail=f"The member {reference!r} is not a User of this directory.")
            people.append(person)
        return people

    def create(self, resource_type, resource):
        """Add a person (or bring a deprovisioned one back) or a group."""
        with scim_errors():
            if resource_type.name == "User":
                person = provisioning.provision_person(self.session, self._details(resource),
                                                       active=resource.active is not False,
                                                       manager=self._manager(resource), now=self.clock())
                return self.user_resource(person)
            group = provisioning.create_group(self.session, resource.display_name, external_id=resource.external_id,
                                              members=self._members(resource), now=self.clock())
            return self.group_resource(group)

    @staticmethod
    def _check_version(current, expected_version):
        if expected_version is not None and current.meta.version != expected_version:
            raise PreconditionFailedException(detail="The resource changed since it was read; read it again.")

    def update(self, resource_type, resource, *, expected_version=None):
        """Make the stored person or group what `resource` says (PUT and PATCH both end here)."""
        with scim_errors():
            if resource_type.name == "User":
                person = self._person(resource.id, lock=True)
                self._check_version(self.user_resource(person), expected_version)
                provisioning.update_person(self.session, person, self._details(resource),
                                           active=resource.active is not False, manager=self._manager(resource),
                                           now=self.clock())
                return self.user_resource(person)
            group = self._group(resource.id, lock=True)
            self._check_version(self.group_resource(group), expected_version)
            provisioning.update_group(self.session, group, resource.display_name, external_id=resource.external_id,
                                      members=self._members(resource), now=self.clock())
            return self.group_resource(group)

    def delete(self, resource_type, resource_id, *, expected_version=None):
        """Deprovision a person (deactivated and hidden; history kept) or delete a group."""
        with scim_errors():
            if resource_type.name == "User":
                person = self._person(resource_id, lock=True)
                self._check_version(self.user_resource(person), expected_version)
                provisioning.deprovision_person(self.session, person, now=self.clock())
                return
            group = self._group(resource_id, lock=True)
            self._check_version(self.group_resource(group), expected_version)
            provisioning.delete_group(self.session, group)

    @contextmanager
    def operation(self):
        """One SCIM operation in a savepoint: a unique value taken meanwhile by another request is a 409."""
        try:
            with self.session.begin_nested():
                yield
        except sa.exc.IntegrityError as exc:
            raise UniquenessException(detail="A unique value was taken meanwhile; read and try again.") from exc
