"""`pathing provisioning-token`: make a provisioning token for an identity provider's SCIM client."""
import sys

import click


@click.command("provisioning-token")
@click.option("--name", default="SCIM provisioning", show_default=True,
              help="What will use the token (shown on Admin › People › Provisioning tokens).")
@click.option("--url", "base_url", default="http://127.0.0.1:5000", show_default=True, envvar="PATHING_URL",
              help="The address people reach Career Pathing at (or PATHING_URL), to print the SCIM address.")
def provisioning_token_command(name, base_url):
    """Make a provisioning token: what an identity provider sends (as a bearer token) to /scim/v2 to create,
    change and deactivate people and groups. Explanation first; the token is the last line printed, and is
    not shown again."""
    from engine.people import provisioning
    from engine.errors import ValidationFailed

    from .cli_app import ready_app
    from .extensions import db
    app = ready_app()
    with app.app_context():
        try:
            row, token = provisioning.make_provisioning_token(db.session, name)
        except ValidationFailed as exc:
            db.session.rollback()
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        number, label = row.id, row.name
        db.session.commit()
    click.echo(f"Provisioning token {number} (“{label}”) made. In your identity provider's SCIM settings give")
    click.echo(f"  the SCIM address   {base_url.rstrip('/')}/scim/v2")
    click.echo("  the bearer token   printed on the last line (copy it now: it is not shown again;")
    click.echo("                     revoke it on Admin › People › Provisioning tokens).")
    click.echo(token)
