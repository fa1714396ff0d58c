"""The app as the `pathing` commands use it: built from the environment, its schema brought up to date."""
import os

from . import create_app
from .config import PROJECT_ROOT


def app_from_environment():
    """The app configured from the environment alone."""
    return create_app()


def ready_app():
    """The app with its database schema brought up to date."""
    app = app_from_environment()
    upgrade_schema(app)
    return app


def upgrade_schema(app):
    """Bring the database schema up to date (Alembic migrations)."""
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(directory=os.path.join(PROJECT_ROOT, "migrations"))
