"""Test fixtures: one migrated database per run (SQLite file, or PostgreSQL when
DATABASE_URL is set), emptied after every test; factories for people and paths."""
import os
import tempfile

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from engine.store.models import Base, User
from web import PROJECT_ROOT, create_app
from web.extensions import db

from .helpers import Actions


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    directory = tempfile.mkdtemp(prefix="pathing-test-")
    return "sqlite:///" + os.path.join(directory, "test.db")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own `g` and DB session), as in production,
    even though the test itself holds an app context for its own queries."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    instance = tempfile.mkdtemp(prefix="pathing-instance-")
    os.environ["PATHING_INSTANCE"] = instance
    app = create_app({
        "TESTING": True,
        "ANALYTICS_CACHE_SECONDS": 0,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": None,
        # Fast hashing keeps fixtures quick; production uses werkzeug's default (scrypt).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    app.test_client_class = IsolatedClient
    from flask_migrate import upgrade
    with app.app_context():
        _drop_everything()
        upgrade(directory=os.path.join(PROJECT_ROOT, "migrations"))
    return app


def _drop_everything():
    """Start from an empty schema so migrations run from scratch."""
    engine = db.engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def app_context(app):
    """Every test runs in an app context and leaves an empty database behind."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def org(app):
    """The demo organisation (ada, ben, mia, sam, sol, leo, hana)."""
    from web.demo import seed_demo
    seed_demo(db.session)
    db.session.commit()
    return {user.username: user for user in db.session.scalars(sa.select(User))}


@pytest.fixture
def deployed(app):
    """processes/ and forms/ deployed, as `pathing demo` does."""
    from engine.diagrams.deployment import deploy, read_paths
    result = deploy(db.session, read_paths([os.path.join(PROJECT_ROOT, "processes"),
                                            os.path.join(PROJECT_ROOT, "forms")]))
    db.session.commit()
    return {version.key: version for version in result.versions}


@pytest.fixture
def act(app, org, deployed):
    """User actions through HTTP: `act.login("ada")`, `act.complete(task, field=value)`."""
    return Actions(app)
