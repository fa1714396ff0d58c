"""SCIM filters and sorts as SQL on the directory's tables, with the meaning scim2-models gives them
(`ScimFilter.match`, `SearchRequest.sort`): strings compared case-insensitively unless the attribute is
caseExact, a missing value equal only to null, `ne` true where the attribute is missing, a multi-valued
attribute matching when any value matches (`ne`: when none equals), substring operators on a dateTime never
matching, missing values sorted last when ascending.

Each resource type maps the attributes it publishes (web/scim/schema.py) to columns: `Scalar` for a value in a
column of the resource's row, `Many` for values in rows of another table (a group's members, a user's groups),
tested with EXISTS. Every predicate built here is true or false, never SQL NULL, so that `not (...)` negates it.
"""
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable

import sqlalchemy as sa
from scim2_models import InvalidFilterException, InvalidPathException
from scim2_models.path import STRING_OPERATORS, CompareOperator, FilterVisitor, LogicalOperator, coerce_value

from engine.store.models import Group, User, group_membership

from .schema import EnterpriseUser

TEXT, EXACT, BOOLEAN, DATETIME, IDENTIFIER = "text", "exact", "boolean", "datetime", "identifier"


@dataclass
class Scalar:
    """An attribute held in one SQL expression; `kind` says how it compares (text: case-insensitive)."""

    column: Any
    kind: str = TEXT


@dataclass
class Many:
    """A multi-valued attribute whose values are rows elsewhere: `exists(predicate)` is EXISTS over the rows
    of the resource that satisfy `predicate`; `subs` maps each sub-attribute (lower-case name) to a Scalar."""

    exists: Callable[[Any], Any]
    subs: dict = field(default_factory=dict)


@dataclass
class AnyOf:
    """A complex single-valued attribute (name): present when any of its sub-attributes is."""

    parts: list


def _naive_utc(value):
    """A dateTime from a filter as the database keeps it: naive, in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


class Mapping:
    """How the attributes of one resource type are stored; `dialect` is the database's ("postgresql", ...)."""

    def __init__(self, attributes, dialect, id_column):
        self.attributes = attributes
        self.dialect = dialect
        self.id_column = id_column

    def attribute(self, binding):
        """The Scalar, Many or AnyOf an attribute binding names; InvalidFilterException when it is not kept."""
        head = ("enterprise:" if binding.model is EnterpriseUser else "") + binding.field_name
        key = f"{head}.{binding.sub_field_name}" if binding.sub_field_name else head
        found = self.attributes.get(key)
        if found is None and binding.sub_field_name:
            many = self.attributes.get(head)
            found = many.subs.get(binding.sub_field_name) if isinstance(many, Many) else None
            if found is not None:
                return many, found
        if found is None:
            raise InvalidFilterException(detail=f"Filtering or sorting on '{binding.urn}' is not supported.")
        return found, None

    def ordered(self, expression):
        """Strings order by code point, as Python sorts them (PostgreSQL's collation would not)."""
        return sa.collate(expression, "C") if self.dialect == "postgresql" else expression


def user_mapping(dialect):
    """Where the User resource's attributes live: the user row, its groups through the membership table."""
    def groups_exist(predicate):
        return sa.exists(sa.select(1).select_from(group_membership.join(Group, Group.id == group_membership.c.group_id))
                         .where(group_membership.c.user_id == User.id, predicate))
    groups = Many(groups_exist, {"value": Scalar(sa.cast(Group.id, sa.String), EXACT),
                                 "display": Scalar(Group.label), "type": Scalar(sa.literal("direct"), EXACT)})
    given, family = Scalar(User.given_name), Scalar(User.family_name)
    return Mapping({
        "id": Scalar(sa.cast(User.id, sa.String), EXACT),
        "external_id": Scalar(User.external_id, EXACT),
        "user_name": Scalar(User.username),
        "display_name": Scalar(User.name),
        "name": AnyOf([given, family]), "name.given_name": given, "name.family_name": family,
        "title": Scalar(User.job_title),
        "active": Scalar(User.active, BOOLEAN),
        "emails": Scalar(User.email), "emails.value": Scalar(User.email),
        "groups": groups,
        "meta": AnyOf([Scalar(User.created_at, DATETIME)]),
        "meta.created": Scalar(User.created_at, DATETIME), "meta.last_modified": Scalar(User.updated_at, DATETIME),
        "meta.resource_type": Scalar(sa.literal("User"), EXACT),
        "enterprise:department": Scalar(User.department),
        "enterprise:manager": AnyOf([Scalar(User.manager_id, IDENTIFIER)]),
        "enterprise:manager.value": Scalar(sa.cast(User.manager_id, sa.String), EXACT),
    }, dialect, User.id)


def group_mapping(dialect):
    """Where the Group resource's attributes live: the group row, its members through the membership table."""
    def members_exist(predicate):
        return sa.exists(sa.select(1).select_from(group_membership)
                         .where(group_membership.c.group_id == Group.id, predicate))
    members = Many(members_exist, {"value": Scalar(sa.cast(group_membership.c.user_id, sa.String), EXACT),
                                   "type": Scalar(sa.literal("User"), EXACT)})
    return Mapping({
        "id": Scalar(sa.cast(Group.id, sa.String), EXACT),
        "external_id": Scalar(Group.external_id, EXACT),
        "display_name": Scalar(Group.label),
        "members": members,
        "meta": AnyOf([Scalar(Group.created_at, DATETIME)]),
        "meta.created": Scalar(Group.created_at, DATETIME), "meta.last_modified": Scalar(Group.updated_at, DATETIME),
        "meta.resource_type": Scalar(sa.literal("Group"), EXACT),
    }, dialect, Group.id)


def _present(scalar):
    if scalar.kind in (TEXT, EXACT):
        return sa.and_(scalar.column.is_not(None), scalar.column != "")
    return scalar.column.is_not(None)


def _compare(mapping, scalar, op, value, binding):
    """`scalar op value` as scim2-models' evaluator reads it, never NULL."""
    column = scalar.column
    if value is None:
        return {CompareOperator.eq: column.is_(None), CompareOperator.ne: column.is_not(None)}.get(op, sa.false())
    if scalar.kind == DATETIME:
        if op in STRING_OPERATORS:
            return sa.false()  # a substring of a dateTime is no string: nothing matches
        value = _naive_utc(value)
    left, right = column, value
    if scalar.kind == TEXT:
        left, right = sa.func.lower(column), binding.comparable(value)
    if scalar.kind in (TEXT, EXACT) and op not in (CompareOperator.eq, CompareOperator.ne):
        left = mapping.ordered(left)
    if op == CompareOperator.ne:
        return sa.or_(column.is_(None), left != right)
    test = {
        CompareOperator.eq: lambda: left == right,
        CompareOperator.co: lambda: left.contains(right, autoescape=True),
        CompareOperator.sw: lambda: left.startswith(right, autoescape=True),
        CompareOperator.ew: lambda: left.endswith(right, autoescape=True),
        CompareOperator.gt: lambda: left > right,
        CompareOperator.ge: lambda: left >= right,
        CompareOperator.lt: lambda: left < right,
        CompareOperator.le: lambda: left <= right,
    }[op]()
    return sa.and_(column.is_not(None), test)


class SqlFilter(FilterVisitor):
    """A SCIM filter (bound to one resource model) as a SQLAlchemy condition on the resource's table."""

    def __init__(self, scim_filter, mapping):
        self.filter = scim_filter
        self.mapping = mapping

    def condition(self):
        """The whole filter as one condition."""
        return self.visit(self.filter.ast)

    def visit_logical_expr(self, node):
        terms = [self.visit(term) for term in node.terms]
        return sa.and_(*terms) if node.op == LogicalOperator.and_ else sa.or_(*terms)

    def visit_not(self, node):
        return sa.not_(self.visit(node.expr))

    def visit_present(self, node):
        binding = self.filter.resolve(node.attr_path, strict=False)
        if binding is None:
            return sa.false()
        attribute, sub = self.mapping.attribute(binding)
        if isinstance(attribute, Many):
            return attribute.exists(_present(sub) if sub is not None else sa.true())
        if isinstance(attribute, AnyOf):
            return sa.or_(*[_present(part) for part in attribute.parts])
        return _present(attribute)

    def visit_comparison(self, node):
        binding = self.filter.resolve_comparison(node.attr_path, strict=False)
        if binding is None:
            return sa.false()
        value = coerce_value(binding, node.value, node.op)
        attribute, sub = self.mapping.attribute(binding)
        if isinstance(attribute, AnyOf):
            raise InvalidFilterException(detail=f"'{binding.urn}' is complex: compare one of its sub-attributes.")
        if not isinstance(attribute, Many):
            return _compare(self.mapping, attribute, node.op, value, binding)
        if value is None:  # eq null: no value at all; ne null: some value
            return sa.not_(attribute.exists(sa.true())) if node.op == CompareOperator.eq else (
                attribute.exists(sa.true()) if node.op == CompareOperator.ne else sa.false())
        if node.op == CompareOperator.ne:  # no value equals it
            return sa.not_(attribute.exists(_compare(self.mapping, sub, CompareOperator.eq, value, binding)))
        return attribute.exists(_compare(self.mapping, sub, node.op, value, binding))

    def visit_value_path(self, node):
        binding = self.filter.resolve(node.attr_path, strict=False)
        if binding is None:
            return sa.false()
        head = ("enterprise:" if binding.model is EnterpriseUser else "") + binding.field_name
        attribute = self.mapping.attributes.get(head)
        if isinstance(attribute, Many):
            return attribute.exists(_ValueFilter(self.mapping, attribute.subs, binding).visit(node.val_filter))
        subs = {key.partition(".")[2]: value for key, value in self.mapping.attributes.items()
                if key.startswith(head + ".")}
        if not subs:
            raise InvalidFilterException(detail=f"Selecting values of '{binding.urn}' is not supported.")
        # emails: the directory keeps one address, in the person's own row; a selection needs one to select
        return sa.and_(*[_present(sub) for sub in subs.values()][:1],
                       _ValueFilter(self.mapping, subs, binding).visit(node.val_filter))


class _ValueFilter(FilterVisitor):
    """The filter inside a value selection (`members[value eq "3"]`): sub-attributes of one value."""

    def __init__(self, mapping, subs, binding):
        self.mapping, self.subs, self.binding = mapping, subs, binding

    def _sub(self, attr_path):
        sub = self.subs.get(attr_path.attr.lower().lstrip("$")) if not attr_path.sub_attr else None
        if sub is None:
            raise InvalidFilterException(detail=f"Filtering on '{self.binding.urn}.{attr_path}' is not supported.")
        return sub

    def visit_logical_expr(self, node):
        terms = [self.visit(term) for term in node.terms]
        return sa.and_(*terms) if node.op == LogicalOperator.and_ else sa.or_(*terms)

    def visit_not(self, node):
        return sa.not_(self.visit(node.expr))

    def visit_present(self, node):
        return _present(self._sub(node.attr_path))

    def visit_comparison(self, node):
        sub = self._sub(node.attr_path)
        value = node.value
        if sub.kind == BOOLEAN and isinstance(value, str):
            raise InvalidFilterException(detail=f"'{node.attr_path}' is a boolean.")
        return _compare(self.mapping, sub, node.op, value, _Exactness(sub.kind != TEXT))

    def visit_value_path(self, node):
        raise InvalidFilterException(detail="A value selection cannot hold another.")


@dataclass
class _Exactness:
    """Stands for an attribute binding where only the comparison key matters (sub-attributes of a value)."""

    case_exact: bool

    def comparable(self, value):
        return value if self.case_exact or not isinstance(value, str) else value.lower()


def order_by(search_request, model, mapping):
    """ORDER BY clauses for the search's sortBy and sortOrder (missing values last when ascending, first when
    descending, as SearchRequest.sort does), then the id; InvalidPathException for what cannot be sorted."""
    if search_request.sort_by is None:
        return [mapping.id_column]
    binding = search_request.sort_binding(model)
    if binding is None:
        raise InvalidPathException(detail=f"Cannot sort on '{search_request.sort_by}'.")
    try:
        attribute, _sub = mapping.attribute(binding)
    except InvalidFilterException:
        attribute = None
    if not isinstance(attribute, Scalar):
        raise InvalidPathException(detail=f"Sorting on '{search_request.sort_by}' is not supported.")
    value = sa.func.lower(attribute.column) if attribute.kind == TEXT else attribute.column
    if attribute.kind in (TEXT, EXACT):
        value = mapping.ordered(value)
    descending = search_request.sort_order == search_request.SortOrder.descending
    missing = attribute.column.is_(None)
    if descending:
        return [missing.desc(), value.desc(), mapping.id_column]
    return [missing.asc(), value.asc(), mapping.id_column]
