"""The demo organisation: a small company to try Career Pathing with (password `demo`)."""
import os

import sqlalchemy as sa

from engine.store.models import Group, User

from .auth import hash_password

DEMO_PASSWORD = "demo"

GROUPS = [
    ("leadership", "Leadership"),
    ("hr", "HR"),
    ("process-owners", "Process owners"),
    ("admins", "Administrators"),
    ("workers", "Connected systems (external task workers)"),
]

# username, name, department, job title, manager, groups
PEOPLE = [
    ("mia", "Mia Hoffmann", "Engineering", "Engineering Manager", None, []),
    ("ada", "Ada Lovelace", "Engineering", "Software Engineer", "mia", []),
    ("ben", "Ben Okafor", "Sales", "Account Executive", "mia", []),
    ("sam", "Sam Patel", "Product", "VP Product", None, []),
    ("sol", "Sol Rivera", "Strategy", "Director of Strategy", None, []),
    ("leo", "Leo Martin", "Executive", "Chief Operating Officer", None, ["leadership"]),
    ("hana", "Hana Kim", "People", "HR Business Partner", None, ["hr", "process-owners", "admins"]),
]

ROLES = {
    "ada": "employee (Engineering)", "ben": "employee (Sales)", "mia": "manager of ada and ben",
    "sam": "stakeholder", "sol": "stakeholder", "leo": "leadership", "hana": "HR and process owner",
}


def seed_demo(session):
    """Create the demo groups and people if missing; existing ones are left as they are."""
    groups = {}
    for name, label in GROUPS:
        group = session.scalars(sa.select(Group).where(Group.name == name)).first()
        if group is None:
            group = Group(name=name, label=label)
            session.add(group)
        groups[name] = group
    users = {}
    created = []
    for username, name, department, title, manager, member_of in PEOPLE:
        user = session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            user = User(username=username, name=name, department=department, job_title=title,
                        email=f"{username}@example.com", password_hash=hash_password(DEMO_PASSWORD))
            user.manager = users.get(manager)
            user.groups = [groups[g] for g in member_of]
            session.add(user)
            created.append(username)
        users[username] = user
    session.flush()
    return created


def seed_skills_framework(session):
    """Load the demo's skills framework (web/demo_skills.csv) when the framework is empty, so the skills
    evaluation step has a target role's skills to show; returns how many requirements were added."""
    from engine.store.pilot_models import RoleSkill
    from engine.pilot.skills_import import apply, parse

    if session.scalar(sa.select(sa.func.count()).select_from(RoleSkill)):
        return 0
    with open(os.path.join(os.path.dirname(__file__), "demo_skills.csv"), encoding="utf-8") as handle:
        parsed = parse(handle.read())
    return apply(session, parsed)["requirements"] if parsed.ok else 0


def demo_logins():
    """Lines describing the demo logins, for the console."""
    return [f"  {username:<5} / {DEMO_PASSWORD}   {ROLES[username]}" for username, *_ in PEOPLE]
