"""The `pathing` command: serve, deploy, validate, demo, people, webhooks."""
import os
import sys

import click

from . import PROJECT_ROOT
from .cli_app import app_from_environment as _app, ready_app as _ready_app
from .templating import counted


@click.group()
def main():
    """Career Pathing: collaborative career pathing run as BPMN processes."""


def _worker_session_factory(app):
    """Sessions for the timer worker, bound to the app's database engine."""
    from sqlalchemy.orm import sessionmaker

    from .extensions import db
    with app.app_context():
        return sessionmaker(bind=db.engine, expire_on_commit=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST", help="Address to listen on (or HOST).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), envvar="PORT",
              help="Port to listen on (or PORT).")
@click.option("--workers", default=0, type=int,
              help="Serve with gunicorn and this many worker processes (production); 0 uses the built-in server.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per gunicorn worker.")
@click.option("--no-worker", is_flag=True, help="Do not run the timer and email worker inside the web process(es).")
def serve(host, port, workers, threads, no_worker):
    """Serve the web application, with an embedded timer and email worker thread unless --no-worker (with
    gunicorn, one in each worker process: they share the work as `pathing worker` processes do)."""
    from engine.runtime.worker import start_thread

    from .config import mail_settings
    from .serving import PortTaken, check_port_free
    try:
        check_port_free(host, port)
    except PortTaken as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"Cannot serve on {host}:{port}: {exc.strerror}.", err=True)
        sys.exit(1)
    app = _ready_app()

    def start_worker():
        start_thread(_worker_session_factory(app), mail_settings(app.config), app.config["WORKER_INTERVAL"],
                     allowed_webhook_hosts=app.config["WEBHOOK_ALLOWED_HOSTS"])

    if workers > 0:
        from .production import serve_with_gunicorn
        click.echo(f"Career Pathing is running on http://{host}:{port} with {counted(workers, 'gunicorn worker')}")
        serve_with_gunicorn(app, host, port, workers, threads, in_each_worker=None if no_worker else start_worker)
        return
    if not no_worker:
        start_worker()
    click.echo(f"Career Pathing is running on http://{host}:{port}  (Ctrl+C stops it)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--interval", default=None, type=float, help="Seconds between polls (default WORKER_INTERVAL, 1).")
@click.option("--once", is_flag=True, help="Do one round (fire due timers, send pending emails) and stop.")
def worker(interval, once):
    """Fire due timers and send pending emails; run several for more throughput (they share the work)."""
    from engine.runtime.worker import run_forever, tick

    from .config import mail_settings
    app = _ready_app()
    factory, settings = _worker_session_factory(app), mail_settings(app.config)
    if once:
        session = factory()
        try:
            fired, sent = tick(session, settings, allowed_webhook_hosts=app.config["WEBHOOK_ALLOWED_HOSTS"])
        finally:
            session.close()
        click.echo(f"fired timers of {counted(fired, 'path')}; sent {counted(sent, 'email')}")
        return
    click.echo("Career Pathing worker is running (Ctrl+C stops it)")
    try:
        run_forever(factory, settings, interval or app.config["WORKER_INTERVAL"],
                    allowed_webhook_hosts=app.config["WEBHOOK_ALLOWED_HOSTS"])
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--name", default=None, help="Deployment name shown on the versions page.")
def deploy(paths, name):
    """Deploy .bpmn, .dmn and .form files (or folders of them) as new process versions."""
    from engine.diagrams.deployment import UnreadableFile, deploy as deploy_files, read_paths
    from engine.errors import DeploymentRejected

    from .extensions import db
    app = _ready_app()
    with app.app_context():
        try:
            files = read_paths(paths)
            result = deploy_files(db.session, files, deployment_name=name or "command line", source="command line")
        except UnreadableFile as exc:
            click.echo(str(exc.problem), err=True)
            sys.exit(2)
        except DeploymentRejected as exc:
            db.session.rollback()
            for problem in sorted(exc.problems + exc.warnings, key=lambda p: (p.file, p.line or 0)):
                click.echo(str(problem), err=True)
            click.echo(exc.message, err=True)
            sys.exit(1)
        db.session.commit()
        _report(result)


def _report(result):
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    for version in result.created:
        click.echo(f"deployed {version.key} version {version.version} ({version.name})")
    for version in result.unchanged:
        click.echo(f"unchanged {version.key} version {version.version} (same content already deployed)")


@main.command()
@click.argument("paths", nargs=-1, required=True)
def validate(paths):
    """Check files without deploying, each file on its own: one line per finding,
    FILE:LINE: ELEMENT_ID (name): message, FILE as given; a file that cannot be read is one line and the
    run goes on.

    Exits 0 when nothing is wrong (warnings allowed), 1 when any file has an error or cannot be read,
    2 when no file could be read at all.
    """
    from engine.diagrams.batch import check_each
    from engine.diagrams.deployment import read_each
    entries = list(read_each(paths, as_given=True))
    result = check_each(entries, **_deployed_context())
    for problem in result.findings:
        click.echo(str(problem))
    if not result.answered:
        click.echo("error: no file could be read" if entries else "error: no .bpmn, .dmn or .form files in the "
                   "paths given", err=True)
        sys.exit(2)
    if result.errors:
        sys.exit(1)
    count = len(result.warnings)
    warned = f", {count} warning{'s' if count != 1 else ''}" if count else ""
    click.echo(f"ok: {result.answered} file{'s' if result.answered != 1 else ''}{warned}, "
               f"processes: {', '.join(result.process_ids)}")


def _deployed_context():
    """What is deployed, to resolve called processes, forms and decisions, when the database is there;
    otherwise nothing."""
    import sqlalchemy as sa
    from engine.diagrams.deployment import deployed_decisions, deployed_forms, deployed_processes

    from .extensions import db
    app = _app()
    with app.app_context():
        try:
            if sa.inspect(db.engine).has_table("process_version"):
                return {"known_forms": deployed_forms(db.session), "known_processes": deployed_processes(db.session),
                        "known_decisions": deployed_decisions(db.session)}
        except sa.exc.OperationalError:
            pass
    return {}


@main.command("migrate-instances")
@click.argument("key")
@click.option("--from", "from_version", type=int, required=True, help="Version the paths run on now.")
@click.option("--to", "to_version", type=int, default=None, help="Target version (default: the newest).")
@click.option("--instance", "instance_ids", type=int, multiple=True, help="Only these paths (repeatable).")
@click.option("--apply", is_flag=True, help="Move the paths; without it this is a dry run that changes nothing.")
def migrate_instances(key, from_version, to_version, instance_ids, apply):
    """Move running paths of KEY from one version to another: a dry run unless --apply.

    Prints one line per path (and per waiting step); exits 1 when a path cannot move.
    """
    import sqlalchemy as sa
    from engine.runtime import migration
    from engine.diagrams.versions import latest_version
    from engine.errors import DomainError
    from engine.store.models import ProcessInstance, ProcessVersion
    from engine.runtime.runner import Runtime

    from .extensions import db
    app = _ready_app()
    with app.app_context():
        def version(number):
            return db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                                                      ProcessVersion.version == number)).first()
        source = version(from_version)
        target = version(to_version) if to_version else latest_version(db.session, key)
        if source is None or target is None:
            click.echo(f"error: {key} has no version {from_version if source is None else to_version}", err=True)
            sys.exit(2)
        query = sa.select(ProcessInstance).where(ProcessInstance.process_version_id == source.id,
                                                 ProcessInstance.status.in_(("running", "incident")))
        if instance_ids:
            query = query.where(ProcessInstance.id.in_(instance_ids))
        runtime, refused = Runtime(db.session), 0
        for instance in db.session.scalars(query.order_by(ProcessInstance.id)).all():
            plan = migration.plan(runtime, instance, target)
            verdict = "can move" if plan.ok else "cannot move: " + "; ".join(plan.problems)
            if plan.ok and apply:
                try:
                    with db.session.begin_nested():
                        migration.migrate(runtime, instance, target, None)
                    verdict = f"moved to version {target.version}"
                except DomainError as exc:
                    verdict = f"cannot move: {exc.message}"
            refused += not verdict.startswith(("can move", "moved"))
            click.echo(f"path {instance.id} ({instance.business_key}): {verdict}")
            for step in plan.steps:
                where = f"-> {step.new_name}" if step.ok else f"cannot be mapped: {step.reason}"
                click.echo(f"  {step.element_id} ({step.name}) {where}")
        db.session.commit() if apply else db.session.rollback()
    sys.exit(1 if refused else 0)


def _schema_revision(app):
    """The Alembic revision the database is at."""
    from alembic.migration import MigrationContext

    from .extensions import db
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def export_command(file):
    """Write all data (processes, paths, tasks, history, people) to FILE (JSON; gzip when it ends in .gz)."""
    from engine.store.backup import export_data, write_file

    from .extensions import db
    app = _ready_app()
    revision = _schema_revision(app)
    with app.app_context():
        data = export_data(db.session, revision)
        db.session.rollback()
    write_file(file, data)
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in data["tables"].items() if rows)
    click.echo(f"exported to {file}: {counts}")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(file):
    """Restore FILE (made by `pathing export`) into an empty database; all or nothing."""
    from engine.store.backup import BackupError, import_data, read_file

    from .extensions import db
    app = _ready_app()
    revision = _schema_revision(app)
    with app.app_context():
        try:
            counts = import_data(db.session, read_file(file), revision)
        except BackupError as exc:
            db.session.rollback()
            click.echo(f"error: {exc}; nothing was imported.", err=True)
            sys.exit(1)
        db.session.commit()
    click.echo("imported: " + ", ".join(f"{count} {name}" for name, count in counts.items() if count))


@main.command()
def demo():
    """Create the database, deploy processes/ and forms/, seed the demo organisation (safe to rerun)."""
    from engine.diagrams.deployment import deploy as deploy_files, read_paths

    from .demo import demo_logins, seed_demo, seed_skills_framework
    from .extensions import db
    app = _ready_app()
    with app.app_context():
        files = read_paths([os.path.join(PROJECT_ROOT, "processes"), os.path.join(PROJECT_ROOT, "forms")])
        result = deploy_files(db.session, files, deployment_name="demo", source="demo")
        created = seed_demo(db.session)
        skills = seed_skills_framework(db.session)
        db.session.commit()
        _report(result)
    click.echo(f"demo organisation: {len(created)} people added" if created else "demo organisation: already there")
    if skills:
        click.echo(f"skills framework: {skills} role requirements added (Pilot › Skills framework)")
    click.echo("Demo logins (username / password):")
    for line in demo_logins():
        click.echo(line)


from .cli_people import people_group  # noqa: E402  (command groups of their own modules)
from .cli_webhooks import webhooks_group  # noqa: E402

main.add_command(people_group)
main.add_command(webhooks_group)

from .cli_tokens import api_token  # noqa: E402  (tokens for system accounts, in a module of its own)

main.add_command(api_token)
from .cli_provisioning import provisioning_token_command  # noqa: E402

main.add_command(provisioning_token_command)

if __name__ == "__main__":
    main()
