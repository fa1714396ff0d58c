"""How long a people import takes (issue "The whole company comes in": 2,000 people in well under a minute).

    .venv/bin/python bench/people_import.py                    # 2,000 people, SQLite in a temporary folder
    BENCH_PEOPLE=10000 .venv/bin/python bench/people_import.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mydb .venv/bin/python bench/people_import.py
    BENCH_ONLY=people make bench                               # the same, as a section of bench/run.py (PostgreSQL)

On a database with the demo deployed and seeded, a file of BENCH_PEOPLE people (an org chart eight reports
wide, lines shuffled so that most managers come later in the file than their reports, departments, job titles,
some in groups) is imported four times:

1. `pathing people import FILE` as a user runs it (a new process: start-up, migrations check, read, write,
   commit): every person is new;
2. the same file again, in this process: nothing changes and nothing is written;
3. after a career path is started for BENCH_MOVED people, a file where those people have a new manager, in
   this process: their paths' manager steps move and their `manager` variables change (one path restored and
   stored per person);
4. the file of step 3 deactivating those BENCH_MOVED people: their open tasks are handed over to their manager.

It prints the seconds of each. Not a test: the figures depend on the machine.
"""
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PEOPLE = int(os.environ.get("BENCH_PEOPLE", 2000))
MOVED = int(os.environ.get("BENCH_MOVED", 200))
TARGET_S = 60.0
HEADER = "username,name,email,department,job_title,manager,groups,active"


def company_csv(count, manager_of=None, leaving=()):
    """A file of `count` people; `manager_of` overrides some managers, `leaving` are marked inactive."""
    manager_of, leaving = manager_of or {}, set(leaving)
    rows = []
    for n in range(count):
        username = f"emp{n:05d}"
        manager = manager_of.get(username, f"emp{(n - 1) // 8:05d}" if n else "")
        groups = "leadership" if n % 100 == 0 else ("hr" if n % 250 == 7 else "")
        rows.append(f"{username},Employee {n},{username}@example.com,Department {n % 12},Title {n % 20},{manager},"
                    f"{groups},{'no' if username in leaving else 'yes'}")
    random.Random(7).shuffle(rows)
    return "\n".join([HEADER, *rows]) + "\n"


def timed_import(app, text):
    """(seconds, summary) of reading, applying and committing one file in this process."""
    from engine.people import csv_import
    from web.extensions import db
    with app.app_context():
        started = time.perf_counter()
        parsed = csv_import.read(db.session, text)
        if not parsed.ok:
            raise SystemExit("\n".join(str(problem) for problem in parsed.problems[:20]))
        summary = csv_import.apply(db.session, parsed)
        db.session.commit()
        return time.perf_counter() - started, summary


def start_paths(app, usernames):
    """A career path for each of these people, waiting for its first step."""
    import sqlalchemy as sa
    from engine.runtime.runner import Runtime
    from engine.store.models import User
    from web.extensions import db
    with app.app_context():
        hr = db.session.scalars(sa.select(User).where(User.username == "hana")).one()
        runtime = Runtime(db.session)
        for user in db.session.scalars(sa.select(User).where(User.username.in_(usernames))).all():
            runtime.start("career_pathing", user, hr)
        db.session.commit()


def bench_people_import(app, url, results, pathing, say=print):
    """Run the four imports on `url` (demo deployed and seeded), print and record the seconds."""
    folder = tempfile.mkdtemp(prefix="bench-people-")
    first_file = os.path.join(folder, "people.csv")
    text = company_csv(PEOPLE)
    with open(first_file, "w", encoding="utf-8") as handle:
        handle.write(text)
    started = time.perf_counter()
    output = pathing(url, "people", "import", first_file).stdout.strip()
    first = time.perf_counter() - started
    say(f"people import, {PEOPLE} new people, `pathing people import` end to end: {first:.2f} s ({output})")
    again, summary = timed_import(app, text)
    say(f"people import, the same file again: {again:.2f} s ({summary.describe()})")
    movers = [f"emp{n:05d}" for n in range(PEOPLE - MOVED, PEOPLE)]
    start_paths(app, movers)
    moved, summary = timed_import(app, company_csv(PEOPLE, manager_of={name: "emp00001" for name in movers}))
    say(f"people import, {MOVED} people with running paths get a new manager: {moved:.2f} s ({summary.describe()})")
    leaving, summary = timed_import(app, company_csv(PEOPLE, manager_of={name: "emp00001" for name in movers},
                                                     leaving=movers))
    say(f"people import, {MOVED} leavers: {leaving:.2f} s ({summary.describe()})")
    results["people_import"] = {"people": PEOPLE, "moved": MOVED, "first_s": first, "again_s": again,
                                "moved_s": moved, "leaving_s": leaving}


def _standalone():
    """A database of its own (SQLite in a temporary folder unless BENCH_DATABASE_URL), the demo on it, the run."""
    url = os.environ.get("BENCH_DATABASE_URL") or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "people.db")

    def pathing(database_url, *args):
        env = dict(os.environ, DATABASE_URL=database_url, PATHING_INSTANCE=tempfile.mkdtemp(prefix="bench-"))
        command = [os.path.join(os.path.dirname(sys.executable), "pathing"), *args]
        return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)

    pathing(url, "demo")
    from web import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    results = {}
    print(f"people import on {url.rsplit('@', 1)[-1]}")
    bench_people_import(app, url, results, pathing)
    figure = results["people_import"]
    print(f"{PEOPLE} people: first import {figure['first_s']:.2f} s (target: well under {TARGET_S:.0f} s), "
          f"again {figure['again_s']:.2f} s")


if __name__ == "__main__":
    _standalone()
