"""People from a CSV file: created and updated all or nothing, every problem with its line and column, the same
file twice changes nothing; from the command line and from Admin › People."""
import io
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from engine.people import csv_import
from engine.store.models import Group, InstanceEvent, Notification, User
from web.cli import main
from web.extensions import db

COMPANY = """username,name,email,department,job_title,manager,groups
cora,Cora Diaz,cora@example.com,Engineering,Engineer,dan,
dan,Dan Wu,dan@example.com,Engineering,Engineering Lead,leo,leadership;tech-leads
eve,Eve Stone,,Sales,Account Executive,mia,
"""


def person(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).first()


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def import_text(text, actor=None):
    """Read and apply a file as the CLI and the page do; returns (parsed, summary or None)."""
    parsed = csv_import.read(db.session, text, actor=actor)
    if not parsed.ok:
        db.session.rollback()
        return parsed, None
    summary = csv_import.apply(db.session, parsed, actor=actor)
    db.session.commit()
    return parsed, summary


@contextmanager
def writes_counted():
    """The INSERT, UPDATE and DELETE statements sent to the database meanwhile."""
    writes = []

    def note(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield writes
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def directory():
    """Everything the import may change, to compare before and after."""
    db.session.expire_all()
    return [(u.username, u.name, u.email, u.department, u.job_title, u.manager_id, u.active, u.password_hash,
             u.session_version, sorted(u.group_names)) for u in db.session.scalars(sa.select(User).order_by(User.id))]


def test_an_import_creates_people_with_managers_later_in_the_file_groups_and_no_password(org, client):
    _parsed, summary = import_text(COMPANY)
    assert summary.describe() == "3 created, 0 updated, 0 unchanged; new group: tech-leads"
    cora, dan, eve = person("cora"), person("dan"), person("eve")
    assert cora.manager.username == "dan" and dan.manager.username == "leo" and eve.manager.username == "mia"
    assert dan.group_names == {"leadership", "tech-leads"} and cora.group_names == set()
    assert (cora.email, cora.department, cora.job_title, eve.email) == ("cora@example.com", "Engineering",
                                                                        "Engineer", None)
    assert all(p.active and p.password_hash is None for p in (cora, dan, eve))
    # without a password nobody signs in as them (they use single sign-on, or an admin sets one)
    for password in ("", "demo", "x"):
        login = client.post("/login", data={"username": "cora", "password": password})
        assert login.status_code in (400, 401)
    assert "Unknown username or wrong password" in client.post(
        "/login", data={"username": "cora", "password": "demo"}).get_data(as_text=True)


def test_an_import_updates_only_the_columns_it_has_and_the_same_file_twice_changes_nothing(org):
    text = "username,name,job_title,manager,groups\nada,Ada Lovelace,Staff Engineer,leo,\nben,Ben Okafor,,mia,hr\n"
    _parsed, summary = import_text(text)
    assert summary.describe() == "0 created, 2 updated, 0 unchanged"
    ada, ben = person("ada"), person("ben")
    assert ada.job_title == "Staff Engineer" and ada.manager.username == "leo" and ada.department == "Engineering"
    assert ben.job_title is None and ben.group_names == {"hr"} and ben.email == "ben@example.com"
    before, events, messages = directory(), count(InstanceEvent), count(Notification)
    with writes_counted() as writes:
        _parsed, again = import_text(text)
    assert again.describe() == "0 created, 0 updated, 2 unchanged"
    assert writes == [] and directory() == before
    assert count(InstanceEvent) == events and count(Notification) == messages


def test_a_bigger_file_twice_writes_nothing_the_second_time(org):
    lines = ["username,name,email,department,job_title,manager,groups,active"]
    lines += [f"p{n:03d},Person {n},p{n}@example.com,Dept {n % 7},Title {n % 5},"
              f"{'p%03d' % (n // 10) if n >= 10 else 'mia'},{'leadership' if n % 50 == 0 else ''},yes"
              for n in range(300)]
    text = "\n".join(lines) + "\n"
    _parsed, first = import_text(text)
    assert first.created == 300
    assert person("p123").manager.username == "p012"
    before = directory()
    with writes_counted() as writes:
        _parsed, second = import_text(text)
    assert second.describe() == "0 created, 0 updated, 300 unchanged"
    assert writes == [] and directory() == before


def test_every_problem_is_named_by_line_and_column_and_nothing_is_written(org):
    text = ("username,name,email,manager,groups,active\n"
            "zed,Zed One,zed@example.com,mia,,\n"          # line 2: fine on its own
            "Bad Name,Someone,,,,\n"                       # line 3
            "yan,,not-an-email,,,\n"                       # line 4
            "zed,Zed Again,,,,\n"                          # line 5: same username as line 2
            "\n"                                           # line 6: empty lines are skipped
            "xia,Xia Li,,bob,,\n"                          # line 7
            "wes,Wes Hall,,vic,,maybe\n"                   # line 8
            "vic,Vic Ray,,wes,,\n"                         # line 9: vic -> wes -> vic
            "uma,Uma Roy,,tom,,\n"                         # line 10
            "tom,Tom Fay,,,,no\n")                         # line 11: tom leaves, yet is uma's manager
    before = directory()
    parsed, summary = import_text(text)
    assert summary is None
    problems = [str(problem) for problem in parsed.problems]
    assert 'line 7, column manager: no person "bob" in the file or directory' in problems
    assert 'line 3, column username: "bad name" is not a username: use lower-case letters, digits, dots, dashes ' \
           'or underscores' in problems
    assert "line 4, column name: is empty" in problems
    assert 'line 4, column email: "not-an-email" is not an email address' in problems
    assert 'line 5, column username: "zed" is already on line 2' in problems
    assert 'line 8, column active: "maybe" is not yes or no' in problems
    assert "line 9, column manager: that makes a reporting loop: vic \u2192 wes \u2192 vic" in problems
    assert 'line 10, column manager: "tom" is deactivated on line 11: choose an active manager' in problems
    assert [problem.line for problem in parsed.problems] == sorted(problem.line for problem in parsed.problems)
    assert directory() == before and person("zed") is None


def test_a_manager_kept_as_it_is_may_leave_in_the_same_file(org):
    _parsed, summary = import_text("username,name,manager,active\nada,Ada Lovelace,mia,yes\nmia,Mia Hoffmann,,no\n")
    assert summary.describe() == "0 created, 1 updated, 1 unchanged; 1 deactivated, 0 reactivated"
    assert person("ada").manager.username == "mia" and not person("mia").active
    parsed = csv_import.read(db.session, "username,name,manager\nben,Ben Okafor,mia\nsam,Sam Patel,mia\n")
    assert [str(problem) for problem in parsed.problems] == [
        'line 3, column manager: "mia" is deactivated in the directory: choose an active manager']


@pytest.mark.parametrize("text, message", [
    ("", "line 1: the file is empty"),
    ("username,name,manger\nada,Ada,mia\n", 'line 1: unknown column "manger"'),
    ("name,email\nAda,ada@example.com\n", "line 1: the first line must name the columns username,name (missing: "
                                          "username)"),
    ("username;name\nada;Ada\n", 'line 1: the columns are separated by ";"'),
    ("username,name\n", "line 2: the file has no people after the column names"),
    ("username,name\nada,Ada,extra\n", "line 2: the line has 3 values but the first line names 2 columns"),
    ("username,name,manager\nada,Ada Lovelace,ada\n", "line 2, column manager: a person cannot be their own manager"),
    ("username,name,manager\nmia,Mia Hoffmann,ada\n", "line 2, column manager: that makes a reporting loop: "
                                                      "mia \u2192 ada \u2192 mia"),
])
def test_file_level_problems(org, text, message):
    parsed = csv_import.read(db.session, text)
    assert not parsed.ok
    assert any(str(problem).startswith(message) for problem in parsed.problems), parsed.problems


def test_an_admin_cannot_lock_themselves_out_by_file(org):
    hana = person("hana")
    parsed = csv_import.read(db.session, "username,name,groups,active\nhana,Hana Kim,hr,no\n", actor=hana)
    assert [str(problem) for problem in parsed.problems] == [
        'line 2, column groups: you cannot remove your own admin rights (keep "admins")',
        "line 2, column active: you cannot deactivate your own account"]


def test_the_command_line_prints_the_summary_or_the_problems_and_exits_1(org, database_url, tmp_path):
    good, bad = tmp_path / "people.csv", tmp_path / "bad.csv"
    good.write_text(COMPANY, encoding="utf-8")
    bad.write_text("username,name,manager\nxia,Xia Li,bob\n", encoding="utf-8")
    runner = CliRunner(env={"DATABASE_URL": database_url})
    refused = runner.invoke(main, ["people", "import", str(bad)])
    assert refused.exit_code == 1
    assert f'{bad}: line 2, column manager: no person "bob" in the file or directory' in refused.stderr
    assert "1 problem; nothing was imported." in refused.stderr and refused.stdout == ""
    dry = runner.invoke(main, ["people", "import", "--dry-run", str(good)])
    assert dry.exit_code == 0 and "dry run, nothing saved: 3 created" in dry.output
    assert person("cora") is None
    done = runner.invoke(main, ["people", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "3 created, 0 updated, 0 unchanged; new group: tech-leads"
    assert person("dan").manager.username == "leo"
    again = runner.invoke(main, ["people", "import", str(good)])
    assert again.stdout.strip() == "0 created, 0 updated, 3 unchanged"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("username,name\nzoe,Zoë\n".encode("latin-1"))
    unreadable = runner.invoke(main, ["people", "import", str(latin)])
    assert unreadable.exit_code == 1 and "not UTF-8 text" in unreadable.output


def upload(client, text, name="people.csv"):
    return client.post("/admin/users/import", data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def test_the_people_page_imports_an_upload_or_lists_its_problems(act):
    hana = act.as_("hana")
    page = hana.get("/admin/users").get_data(as_text=True)
    assert "Import from CSV" in page and "username,name,email,department,job_title,manager,groups,active" in page
    refused = upload(hana, "username,name,manager\ncora,Cora Diaz,dan\nxia,Xia Li,bob\n")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "nothing was imported" in text
    assert "line 3, column manager: no person &#34;bob&#34; in the file or directory" in text
    assert person("cora") is None
    done = upload(hana, COMPANY)
    assert done.status_code == 302
    shown = hana.get("/admin/users").get_data(as_text=True)
    assert "Imported 3 people from people.csv: 3 created, 0 updated, 0 unchanged; new group: tech-leads." in shown
    assert person("dan").manager.username == "leo"
    assert db.session.scalars(sa.select(Group).where(Group.name == "tech-leads")).one().label == "tech-leads"
    assert upload(hana, "").status_code == 422
    missing = hana.post("/admin/users/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose a CSV file" in missing.get_data(as_text=True)
    latin = hana.post("/admin/users/import", data={"file": (io.BytesIO("username,name\nzoe,Zoë\n".encode("latin-1")),
                                                            "p.csv")}, content_type="multipart/form-data")
    assert latin.status_code == 422 and "not UTF-8" in latin.get_data(as_text=True)
