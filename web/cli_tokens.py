"""`pathing api-token USERNAME`: an API token for any active account, e.g. a worker's or another system's,
which cannot open the API tokens page itself (and has no password to use once LOCAL_LOGIN=false)."""
import secrets
import sys

import click

from .cli_app import ready_app


@click.command("api-token")
@click.argument("username")
@click.option("--name", default="Command line", show_default=True,
              help="What the token is for (shown on the API tokens page), e.g. \"Archive worker\".")
def api_token(username, name):
    """Make a bearer API token for USERNAME and print it (only this once: keep it somewhere safe)."""
    import sqlalchemy as sa

    from engine.store.models import ApiToken, User

    from .extensions import db
    from .auth.api_tokens import token_hash
    name = name.strip()
    if not name or len(name) > 200:
        click.echo("error: --name: give the token a name of 1 to 200 characters.", err=True)
        sys.exit(1)
    app = ready_app()
    with app.app_context():
        person = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if person is None or not person.active:
            click.echo(f"error: there is no active account {username!r} (Admin › People lists them).", err=True)
            sys.exit(1)
        token = secrets.token_urlsafe(32)
        db.session.add(ApiToken(user_id=person.id, name=name, token_hash=token_hash(token)))
        db.session.commit()
        click.echo(f"API token {name!r} for {person.username} (send it as \"Authorization: Bearer TOKEN\"):")
        click.echo(token)
