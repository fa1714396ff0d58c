"""Functions that diagram scripts and expressions may call. This list is the whole
vocabulary a diagram has beyond plain Python expressions; each is documented for
process owners in the README."""
from datetime import date, datetime, timedelta

from engine.runtime import milestones as pilot
from engine.scripts.vocabulary import FUNCTION_NAMES
from engine.context import current_instance
from engine.directory.org import people_options, user_by_username
from engine.connect.notifications import notify as send, recipients


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def build_functions(session, clock=None):
    """The script functions bound to a database session (and an injectable clock)."""
    now = clock or datetime.now

    def people(exclude=None):
        """Active people as options for a select or taglist, leaving out `exclude` (usernames)."""
        return people_options(session, exclude or ())

    def person_name(username):
        """The display name of a user, or the username if unknown."""
        user = user_by_username(session, username)
        return user.name if user else username

    def today():
        """Today's date as YYYY-MM-DD."""
        return now().date().isoformat()

    def add_days(start, days):
        """The date `days` after `start` (a date or YYYY-MM-DD text), as YYYY-MM-DD."""
        return (_as_date(start) + timedelta(days=int(days))).isoformat()

    def notify(to, subject, body=""):
        """Send a message (in the app, and by email for who wants it) to a username, "group:NAME", or a list of
        those; it links to the recipient's open task in this path, else to the path. Returns how many got it."""
        instance = current_instance()
        people = recipients(session, to)
        send(session, people, str(subject), str(body or ""), kind="reminder",
             instance_id=instance.id if instance is not None else None, now=now())
        return len(people)

    def skills_for_role(title):
        """The skills a role (by title) needs: [{skill, required_level, description}]; [] for an unknown role."""
        return pilot.skills_for_role(session, title)

    def track_milestones(milestones):
        """Start tracking the path's milestones; returns them numbered (keep the result in the variable)."""
        return pilot.track_milestones(session, current_instance(), milestones)

    def update_milestone(milestone, status, recognized_by=None, **fields):
        """Set a tracked milestone's status (planned, in progress, done) and completion/recognition fields."""
        return pilot.update_milestone(session, current_instance(), milestone, status, recognized_by, **fields)

    functions = {"people": people, "person_name": person_name, "today": today, "add_days": add_days, "notify": notify,
            "skills_for_role": skills_for_role, "track_milestones": track_milestones,
            "update_milestone": update_milestone}
    assert set(functions) == set(FUNCTION_NAMES), "engine.scripts.vocabulary names every script function"
    return functions
