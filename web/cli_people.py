"""`pathing people import FILE.csv`: the org directory from a CSV file (engine/people/csv_import.py)."""
import sys

import click


@click.group("people")
def people_group():
    """People in the org directory."""


@people_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and print what it would change, saving nothing.")
def import_people(file, dry_run):
    """Create and update people from FILE (columns username,name,email,department,job_title,manager,groups and
    optionally active; groups separated by ";"), all or nothing. Prints the summary, or every problem as
    `line N, column C: message`, and exits 1 when there is any."""
    from engine.people import csv_import

    from .cli_app import ready_app
    from .extensions import db
    try:
        with open(file, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        click.echo(f"{file}: not UTF-8 text: save it as \u201cCSV UTF-8\u201d and try again; nothing was imported.",
                   err=True)
        sys.exit(1)
    app = ready_app()
    with app.app_context():
        parsed = csv_import.read(db.session, text)
        if not parsed.ok:
            db.session.rollback()
            for problem in parsed.problems:
                click.echo(f"{file}: {problem}", err=True)
            click.echo(f"{len(parsed.problems)} problem{'s' if len(parsed.problems) != 1 else ''}; nothing was "
                       f"imported.", err=True)
            sys.exit(1)
        summary = csv_import.apply(db.session, parsed, actor=None, source="csv")
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    click.echo(("dry run, nothing saved: " if dry_run else "") + summary.describe())
