"""`pathing webhooks add|list|remove`: register the URLs told about path events from the command line."""
import sys

import click

from .cli_app import ready_app


@click.group("webhooks")
def webhooks_group():
    """Webhooks: other systems told about path events (signed JSON, sent by the worker)."""


@webhooks_group.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True,
              help="An event (path.started, path.completed, task.created, task.completed, incident.created) or the "
                   "name of a message a diagram sends (e.g. plan-approved); repeatable.")
@click.option("--secret", default=None, help="The signing secret (16-200 characters; default: a new random one).")
@click.option("--description", default="", help="What receives it (shown on the Webhooks page).")
def add(url, events, secret, description):
    """Register URL for EVENTs; prints its id and secret (keep the secret to check signatures)."""
    from engine.connect import webhooks
    from engine.errors import ValidationFailed

    from .extensions import db
    app = ready_app()
    with app.app_context():
        try:
            webhook = webhooks.add_webhook(db.session, url, list(events), secret=secret, description=description)
        except ValidationFailed as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                click.echo(f"error: {field}: {message}", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"webhook {webhook.id} added for {', '.join(webhook.events)}: {webhook.url}")
        click.echo(f"secret: {webhook.secret}")


@webhooks_group.command("list")
def list_webhooks():
    """List the registered webhooks with their delivery counts."""
    import sqlalchemy as sa

    from engine.connect import webhooks
    from engine.store.integration_models import WebhookDelivery

    from .extensions import db
    app = ready_app()
    with app.app_context():
        counts = dict(((hook_id, status), count) for hook_id, status, count in db.session.execute(
            sa.select(WebhookDelivery.webhook_id, WebhookDelivery.status, sa.func.count())
            .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)).all())
        rows = webhooks.webhooks(db.session)
        if not rows:
            click.echo("no webhooks")
        for webhook in rows:
            tally = ", ".join(f"{counts.get((webhook.id, s), 0)} {s}" for s in ("sent", "pending", "failed"))
            click.echo(f"{webhook.id}\t{webhook.url}\t{','.join(webhook.events)}\t{tally}")


@webhooks_group.command("remove")
@click.argument("webhook_id", type=int)
def remove(webhook_id):
    """Remove a webhook and its delivery history."""
    from engine.connect import webhooks
    from engine.errors import NotFound

    from .extensions import db
    app = ready_app()
    with app.app_context():
        try:
            removed = webhooks.remove_webhook(db.session, webhook_id)
        except NotFound as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(f"webhook {webhook_id} removed ({removed.url})")
