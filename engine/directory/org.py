"""The org directory: people, their managers and groups, as the engine needs them."""
import sqlalchemy as sa

from engine.store.models import Absence, Group, User


def user_by_username(session, username):
    """The active user with this username, or None."""
    if not isinstance(username, str) or not username:
        return None
    return session.scalars(sa.select(User).where(User.username == username)).first()


def group_by_name(session, name):
    """The group with this name, or None."""
    return session.scalars(sa.select(Group).where(Group.name == name)).first()


def people_options(session, exclude=()):
    """Active people as form options [{label, value}], sorted by name."""
    users = session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name))
    return [{"label": f"{user.name} ({user.job_title})" if user.job_title else user.name, "value": user.username}
            for user in users if user.username not in set(exclude or ())]


# The variables `path_variables` sets: they come from the org directory, so no caller may set or change them.
DIRECTORY_VARIABLES = frozenset({"employee", "employee_name", "department", "job_title", "manager",
                                 "manager_name"})


def path_variables(employee):
    """Variables every path starts with, from the org directory: the employee and their manager."""
    manager = employee.manager
    return {
        "employee": employee.username,
        "employee_name": employee.name,
        "department": employee.department,
        "job_title": employee.job_title,
        "manager": manager.username if manager else None,
        "manager_name": manager.name if manager else None,
    }


def person_and_absence(session, username, day):
    """(the user with this username or None, their out-of-office period covering `day` or None), in one query."""
    if not isinstance(username, str) or not username:
        return None, None
    found = session.execute(
        sa.select(User, Absence).outerjoin(Absence, sa.and_(Absence.user_id == User.id, Absence.starts_on <= day,
                                                            Absence.ends_on >= day))
        .where(User.username == username).order_by(Absence.id).limit(1)).first()
    return (found[0], found[1]) if found else (None, None)


def display_names(session, usernames):
    """{username: display name} of the given usernames that are people in the directory."""
    usernames = set(usernames or ())
    if not usernames:
        return {}
    return dict(session.execute(sa.select(User.username, User.name).where(User.username.in_(usernames))).all())


def describe_candidates(session, usernames=(), group_names=()):
    """Who a task is offered to, in words: "the Leadership group", "Sam Patel or Sol Rivera" (labels and names
    from the directory; a name it does not know is shown as written)."""
    usernames, group_names = list(usernames or ()), list(group_names or ())
    names = display_names(session, usernames)
    labels = dict(session.execute(sa.select(Group.name, Group.label).where(Group.name.in_(group_names))).all()) \
        if group_names else {}
    parts = [f"the {labels.get(group) or group} group" for group in group_names]
    parts += [names.get(username, username) for username in usernames]
    if not parts:
        return "nobody yet"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
