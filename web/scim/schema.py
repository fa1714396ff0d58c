"""What /scim/v2 serves, as scim2-models describes it: the User resource (with the enterprise extension's
department and manager) and the Group resource, each declaring only the attributes the org directory keeps,
so that every attribute a client writes reads back the same; and the ServiceProviderConfig.

An attribute that the directory does not keep (phone numbers, addresses, ...) is accepted and dropped
(policy `unknown=ignore`), as identity providers send many of them. `displayName` and `active` are declared
required because the directory always has them; a creation that leaves them out gets them filled in
(web/scim/service.py). A user's `emails` keeps one address: the primary one, or else the first.
"""
from typing import Annotated, Any

from pydantic import Field
from scim2_models import (URN, AuthenticationScheme, Bulk, CaseExact, ChangePassword, ComplexAttribute, ETag, Extension,
                          Filter, GroupMembership, Mutability, Pagination, Patch, Reference, Required, Resource,
                          ResourceType, ScimPolicy, ScimProvider, ServiceProviderConfig, Sort, Uniqueness)

ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MAX_RESULTS = 500
DEFAULT_PAGE_SIZE = 100


class Name(ComplexAttribute):
    """The parts of a person's name."""

    given_name: str | None = None
    """The given name (first name in most Western languages)."""

    family_name: str | None = None
    """The family name (last name in most Western languages)."""


class Email(ComplexAttribute):
    """An email address; the directory keeps one per person."""

    value: str | None = None
    """The email address (kept as sent: identity providers have addresses such as user@corp.local)."""


class Manager(ComplexAttribute):
    """The person someone reports to: who takes the manager's steps of their career path."""

    value: Annotated[str | None, Required.true, CaseExact.true] = None
    """The id of the manager's User resource."""

    ref: Annotated[Reference["User"] | None, Required.false] = Field(  # noqa: F821 (a SCIM resource type name)
        None, serialization_alias="$ref", validation_alias="$ref")
    """The URI of the manager's User resource."""


class EnterpriseUser(Extension):
    """The enterprise extension: the department and the manager."""

    __schema__ = URN(ENTERPRISE_SCHEMA)

    department: str | None = None
    """The department (leadership routing can depend on it)."""

    manager: Manager | None = None
    """The person's manager."""


class User(Resource[Any]):
    """A person in the Career Pathing org directory."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The username people sign in with (not case-sensitive, at most 80 characters)."""

    name: Name | None = None
    """The parts of the person's name."""

    display_name: Annotated[str | None, Required.true] = None
    """The full name the app shows."""

    title: str | None = None
    """The job title."""

    active: Annotated[bool | None, Required.true] = None
    """Whether the person may sign in and be given tasks; false for a leaver."""

    emails: list[Email] | None = None
    """The person's email address (one is kept)."""

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The groups the person belongs to (change them through the Group resources)."""


class GroupMember(ComplexAttribute):
    """A member of a group: a person."""

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The id of the member's User resource."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # noqa: F821
        None, serialization_alias="$ref", validation_alias="$ref")
    """The URI of the member's User resource."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """The type of the member's resource: User (groups hold people only)."""


class Group(Resource[Any]):
    """A group of the app: a candidate group of tasks (leadership, ...) or a role (hr, process-owners, admins,
    workers). Its displayName is the label shown in the app; a new group is named from it."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    """The group's label."""

    members: list[GroupMember] | None = None
    """The people in the group."""


USER_MODEL = User[EnterpriseUser]

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=True),
    etag=ETag(supported=True),
    pagination=Pagination(index=True, cursor=False, default_pagination_method=Pagination.DefaultPaginationMethod.index,
                          default_page_size=DEFAULT_PAGE_SIZE, max_page_size=MAX_RESULTS),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name="Provisioning token",
        description="A provisioning token made by an administrator (Admin › People › Provisioning tokens, or "
                    "`pathing provisioning-token`), sent as `Authorization: Bearer TOKEN`.",
        primary=True)],
)

# Tolerant of what identity providers send: attributes the directory does not keep are dropped; a PATCH remove
# with a value removes that value, and a PATCH on a filtered path that matches nothing adds it (Microsoft Entra).
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore,
                    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)


def build_provider():
    """The description of the SCIM service: User (with the enterprise extension) and Group, config, policy."""
    return ScimProvider(models=[User, EnterpriseUser, Group],
                        resource_types=[ResourceType.from_resource(USER_MODEL), ResourceType.from_resource(Group)],
                        config=CONFIG, policy=POLICY)
