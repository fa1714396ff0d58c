"""Who a diagram names for its user tasks, judged against the org directory.

A user task that names nobody goes to the process owners' group; a literal
assignee or candidate that the directory does not know is worth a warning at
deploy (the task would otherwise wait for someone who never sees it).
"""
import sqlalchemy as sa

from engine.directory.assignment import FALLBACK_GROUP
from engine.errors import Warn
from engine.scripts.expressions import is_juel
from engine.store.models import Group, User


def known_people(session):
    """(usernames, group names) of the org directory, or None when it is empty (nothing to judge by)."""
    usernames = set(session.scalars(sa.select(User.username)))
    if not usernames:
        return None
    return usernames, set(session.scalars(sa.select(Group.name)))


def _literal_names(value):
    """The names of a literal comma-separated attribute; none for an expression."""
    if not value or is_juel(value):
        return []
    return [part.strip() for part in value.split(",") if part.strip() and "{" not in part]


def people_problems(attributes, lane, directory):
    """Warnings about who a user task is for: nobody named, or literal names the directory does not know.
    `directory` is (usernames, group names), or None to skip the directory check."""
    messages = []
    if not (attributes.get("assignee") or attributes.get("candidateUsers")
            or attributes.get("candidateGroups") or lane):
        messages.append(Warn(f"nobody is named for this task: it will be offered to the process owners' group "
                             f'("{FALLBACK_GROUP}") to claim; set an assignee or candidate groups, or put it in a '
                             f"lane"))
    if directory is None:
        return messages
    usernames, groups = directory
    for name in _literal_names(attributes.get("assignee")):
        if name not in usernames:
            messages.append(Warn(f'the assignee "{name}" is not in the org directory: the task will be offered to '
                                 f"the process owners' group instead; add the person or correct the username"))
    for name in _literal_names(attributes.get("candidateUsers")):
        if name not in usernames:
            messages.append(Warn(f'the candidate user "{name}" is not in the org directory, so cannot claim this '
                                 f"task; add the person or correct the username"))
    for name in _literal_names(attributes.get("candidateGroups")):
        if name not in groups:
            messages.append(Warn(f'the candidate group "{name}" is not in the org directory, so nobody can claim '
                                 f"this task through it; create the group or correct its name"))
    return messages
