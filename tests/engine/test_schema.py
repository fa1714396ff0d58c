"""The models and the Alembic migrations describe the same schema (a model change needs a migration)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store.models import Base
from web.extensions import db


def test_migrations_build_exactly_the_schema_the_models_describe():
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
