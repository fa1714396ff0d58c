"""The org directory from a CSV file: `username,name,email,department,job_title,manager,groups[,active]`.

`read` reads the whole file and checks it against itself and the directory, reporting every problem with its
line and column (`line 7, column manager: no person "bob" in the file or directory`); `apply` writes it only
when there is none, all rows in the caller's one transaction.

- `username` and `name` are required columns; the others are optional, and a column the file leaves out is left
  as it is in the directory. An empty cell in a column the file has clears that field (no email, no manager,
  no groups).
- Usernames (also in `manager`) are read in lower case: letters, digits, dots, dashes, underscores.
- `manager` is a username, of someone in the directory or anywhere in the file (later lines too).
- `groups` are group names separated by `;` (e.g. `leadership;hr`): the person's groups become exactly those.
  Groups that do not exist yet are created (and listed in the summary).
- `active` is yes/no (true/false, 1/0); empty leaves it as it is. `no` deactivates the person as on Admin ›
  People (engine/people/leavers.py). People missing from the file are left alone: the import never deactivates
  anyone the file does not name.
- New people get no password: they sign in by single sign-on, or an admin sets one.

Importing the same file again changes nothing and writes nothing.
"""
import csv
import io
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import selectinload

from engine.people.leavers import deactivate_person, reactivate_person
from engine.store.models import Group, User, utcnow
from engine.people.movers import follow_new_managers
from engine.roles import ADMIN_GROUP

COLUMNS = ["username", "name", "email", "department", "job_title", "manager", "groups", "active"]
REQUIRED = ["username", "name"]
GROUP_SEPARATOR = ";"
USERNAME = re.compile(r"^[a-z0-9._-]+$")  # as on Admin › People
LIMITS = {"username": 80, "name": 200, "email": 200, "department": 120, "job_title": 200}
YES, NO = {"yes", "y", "true", "1", "active"}, {"no", "n", "false", "0", "inactive"}
_CHUNK = 500  # names per IN (...) query


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where it is."""

    line: int
    column: str | None
    message: str

    def __str__(self):
        return f"line {self.line}, column {self.column}: {self.message}" if self.column else \
            f"line {self.line}: {self.message}"


@dataclass
class PeopleFile:
    """What a CSV file holds: the columns it has, its rows (each with its `line`), and the problems; the rows are
    clean when there are no problems."""

    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return bool(self.rows) and not self.problems


@dataclass
class ImportSummary:
    """What an import changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    groups_created: list = field(default_factory=list)
    tasks_moved: int = 0
    paths_updated: int = 0

    def describe(self):
        """ "2 created, 1 updated, 1997 unchanged", then what else happened, if anything."""
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        extra = []
        if self.deactivated or self.reactivated:
            extra.append(f"{self.deactivated} deactivated, {self.reactivated} reactivated")
        if self.groups_created:
            extra.append(f"new group{'s' if len(self.groups_created) != 1 else ''}: "
                         f"{', '.join(self.groups_created)}")
        if self.paths_updated:
            extra.append(f"{self.paths_updated} running path{'s' if self.paths_updated != 1 else ''} follow a new "
                         f"manager")
        if self.tasks_moved:
            extra.append(f"{self.tasks_moved} open task{'s' if self.tasks_moved != 1 else ''} moved")
        return "; ".join([text, *extra])


def read(session, text, actor=None):
    """Read and check a people CSV (text) against itself and the directory; never raises for bad content.
    `actor`, when given, may not deactivate themselves or drop their own admin rights."""
    result = PeopleFile()
    if not text or not text.strip():
        result.problems.append(Problem(1, None, "the file is empty: the first line must name the columns "
                                                "username,name (and any of " + ",".join(COLUMNS[2:]) + ")"))
        return result
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        result.problems.append(Problem(1, None, f"not readable as CSV: {exc}"))
        return result
    if not _check_header(header, result):
        return result
    result.columns = header
    seen = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                result.problems.append(Problem(line, None, f"the line has {len(values)} values but the first line "
                                                           f"names {len(header)} columns"))
                continue
            row = _read_row(dict(zip(header, (value.strip() for value in values))), line, header, result.problems)
            if not row["username"]:
                continue
            if row["username"] in seen:
                result.problems.append(Problem(line, "username", f'"{row["username"]}" is already on line '
                                                                 f'{seen[row["username"]]}'))
                continue
            seen[row["username"]] = line
            result.rows.append(row)
    except csv.Error as exc:
        result.problems.append(Problem(reader.line_num, None, f"not readable as CSV: {exc}"))
    if not result.rows and not result.problems:
        result.problems.append(Problem(2, None, "the file has no people after the column names"))
    if result.rows:
        _check_against_directory(session, result, actor)
    result.problems.sort(key=lambda problem: (problem.line, COLUMNS.index(problem.column) if problem.column else -1))
    return result


def _check_header(header, result):
    if len(header) == 1 and ";" in header[0]:
        result.problems.append(Problem(1, None, 'the columns are separated by ";": save the file as CSV with commas '
                                                '("CSV UTF-8" in spreadsheet programs)'))
        return False
    unknown = [name for name in header if name not in COLUMNS]
    for name in unknown:
        result.problems.append(Problem(1, None, f'unknown column "{name}": the columns are {",".join(COLUMNS)}'))
    doubled = sorted({name for name in header if header.count(name) > 1})
    for name in doubled:
        result.problems.append(Problem(1, None, f'the column "{name}" is named twice'))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.problems.append(Problem(1, None, f"the first line must name the columns {','.join(REQUIRED)} "
                                                f"(missing: {', '.join(missing)})"))
    return not (unknown or doubled or missing)


def _read_row(values, line, header, problems):
    """One line's values checked and cleaned; its problems are added to `problems`."""
    found = []
    row = {"line": line}
    for column in header:
        value = values.get(column, "")
        if column in ("username", "manager"):
            value = value.lower()
        if column in LIMITS and len(value) > LIMITS[column]:
            found.append(Problem(line, column, f"is longer than {LIMITS[column]} characters"))
        row[column] = value
    for column in REQUIRED:
        if not row[column]:
            found.append(Problem(line, column, "is empty"))
    for column in ("username", "manager"):
        if row.get(column) and not USERNAME.match(row[column]):
            found.append(Problem(line, column, f'"{row[column]}" is not a username: use lower-case letters, digits, '
                                               f"dots, dashes or underscores"))
    if row.get("manager") and row["manager"] == row["username"]:
        found.append(Problem(line, "manager", "a person cannot be their own manager"))
    if row.get("email"):
        try:
            validate_email(row["email"], check_deliverability=False)
        except EmailNotValidError:
            found.append(Problem(line, "email", f'"{row["email"]}" is not an email address'))
    if "groups" in header:
        names = [name.strip() for name in row["groups"].replace("|", GROUP_SEPARATOR).split(GROUP_SEPARATOR)]
        row["groups"] = sorted({name for name in names if name})
        for name in row["groups"]:
            if len(name) > 80 or "," in name:
                found.append(Problem(line, "groups", f'"{name}" is not a group name: at most 80 characters, no commas '
                                                     f'(separate groups with "{GROUP_SEPARATOR}")'))
    if "active" in header:
        flag = row["active"].lower()
        if flag and flag not in YES | NO:
            found.append(Problem(line, "active", f'"{row["active"]}" is not yes or no'))
        row["active"] = None if not flag else flag in YES
    problems.extend(found)
    return row  # (kept with its problems too, so that the lines naming it are checked against it)


def _check_against_directory(session, result, actor):
    """Managers must exist (in the file or the directory), be active, and make no reporting loop; the actor may
    not lock themselves out."""
    directory = {username: (user_id, active, manager_id) for user_id, username, active, manager_id in session.execute(
        sa.select(User.id, User.username, User.active, User.manager_id))}
    username_of = {user_id: username for username, (user_id, _active, _manager) in directory.items()}
    in_file = {row["username"]: row for row in result.rows}

    def active(username):
        row = in_file.get(username)
        if row is not None and row.get("active") is not None:
            return row["active"]
        return directory[username][1] if username in directory else True

    manager_of = {username: username_of.get(manager_id) for username, (_id, _a, manager_id) in directory.items()}
    current = dict(manager_of)
    for row in result.rows:
        if "manager" in result.columns:
            manager_of[row["username"]] = row["manager"] or None
        manager = row.get("manager")
        if manager and manager not in in_file and manager not in directory:
            result.problems.append(Problem(row["line"], "manager", f'no person "{manager}" in the file or directory'))
        elif manager and not active(manager) and active(row["username"]) and manager != current.get(row["username"]):
            # (a manager kept as it is may have left: the report's steps go to whoever takes over from them)
            where = f"on line {in_file[manager]['line']}" if manager in in_file else "in the directory"
            result.problems.append(Problem(row["line"], "manager", f'"{manager}" is deactivated {where}: choose an '
                                                                   f"active manager"))
    if "manager" in result.columns:
        for username, cycle in _loops(manager_of, in_file):
            result.problems.append(Problem(in_file[username]["line"], "manager",
                                           "that makes a reporting loop: " + " \u2192 ".join(cycle)))
    if actor is not None and actor.username in in_file:
        row = in_file[actor.username]
        if row.get("active") is False:
            result.problems.append(Problem(row["line"], "active", "you cannot deactivate your own account"))
        if "groups" in result.columns and ADMIN_GROUP in actor.group_names and ADMIN_GROUP not in row["groups"]:
            result.problems.append(Problem(row["line"], "groups", f'you cannot remove your own admin rights (keep '
                                                                  f'"{ADMIN_GROUP}")'))


def _loops(manager_of, in_file):
    """(username in the file, the loop from them back to them) for every file row on a reporting loop."""
    done, found = set(), []
    for start in in_file:
        chain, position = [], {}
        person = start
        while person is not None and person not in done and person not in position:
            position[person] = len(chain)
            chain.append(person)
            person = manager_of.get(person)
        if person is not None and person in position:
            cycle = chain[position[person]:]
            found += [(name, cycle[cycle.index(name):] + cycle[:cycle.index(name)] + [name])
                      for name in cycle if name in in_file]
        done.update(chain)
    return found


def apply(session, parsed, actor=None, source="csv", clock=utcnow):
    """Write a clean file (callers check `parsed.ok` first): create and update people, their managers and
    groups, deactivate and reactivate. Flushes; the caller commits. Returns an ImportSummary."""
    summary = ImportSummary()
    columns = set(parsed.columns)
    names = {row["username"] for row in parsed.rows} | {row["manager"] for row in parsed.rows if row.get("manager")}
    people = {user.username: user for user in _people_named(session, names)}
    groups = {group.name: group for group in session.scalars(sa.select(Group))}
    for name in sorted({name for row in parsed.rows for name in row.get("groups") or ()} - set(groups)):
        groups[name] = Group(name=name, label=name)
        session.add(groups[name])
        summary.groups_created.append(name)
    existing = [row for row in parsed.rows if row["username"] in people]
    _create(session, [row for row in parsed.rows if row["username"] not in people], people, groups)
    summary.created = len(parsed.rows) - len(existing)
    new_managers, leaving, returning = [], [], []
    for row in existing:
        user = people[row["username"]]
        changed = _update(user, row, groups, columns)
        manager = people[row["manager"]] if row.get("manager") else None
        if "manager" in columns and user.manager_id != (manager.id if manager else None):
            user.manager = manager
            new_managers.append(user)
            changed = True
        if row.get("active") is False and user.active:
            leaving.append(user)
            changed = True
        elif row.get("active") is True and not user.active:
            returning.append(user)
            changed = True
        summary.updated += changed
        summary.unchanged += not changed
    session.flush()
    moved = follow_new_managers(session, new_managers, actor, source, clock)
    summary.paths_updated, summary.tasks_moved = len(moved.paths), len(moved.moved)
    for user in returning:
        summary.reactivated += reactivate_person(session, user, actor, source)
    for user in leaving:
        handover = deactivate_person(session, user, actor, source, now=clock())
        summary.deactivated += handover.deactivated
        summary.tasks_moved += len(handover.moved)
    session.flush()
    return summary


def _people_named(session, names):
    """The people with these usernames, with their groups, in a few queries whatever their number."""
    names, found = sorted(names), []
    for start in range(0, len(names), _CHUNK):
        found += session.scalars(sa.select(User).options(selectinload(User.groups))
                                 .where(User.username.in_(names[start:start + _CHUNK]))).all()
    return found


def _create(session, rows, people, groups):
    """Insert new people in waves, managers before their reports, so each insert knows its manager's id
    (a few batched INSERTs, however many people)."""
    pending = rows
    while pending:
        ready = [row for row in pending if not row.get("manager") or row["manager"] in people]
        if not ready:  # (cannot happen: read refuses reporting loops)
            raise ValueError("reporting loop among new people")
        wave = []
        for row in ready:
            user = User(username=row["username"], name=row["name"], email=row.get("email") or None,
                        department=row.get("department") or None, job_title=row.get("job_title") or None,
                        active=row.get("active") is not False, password_hash=None,
                        manager_id=people[row["manager"]].id if row.get("manager") else None,
                        groups=[groups[name] for name in row.get("groups") or ()])
            wave.append(user)
        session.add_all(wave)
        session.flush()
        people.update((user.username, user) for user in wave)
        pending = [row for row in pending if row["username"] not in people]


def _update(user, row, groups, columns):
    """Bring an existing person's fields and groups in line with the row; True when anything changed."""
    changed = False
    for column in ("name", "email", "department", "job_title"):
        if column in columns:
            value = row[column] if column == "name" else (row[column] or None)
            if getattr(user, column) != value:
                setattr(user, column, value)
                changed = True
    if "groups" in columns and user.group_names != set(row["groups"]):
        user.groups = [groups[name] for name in row["groups"]]
        changed = True
    return changed
