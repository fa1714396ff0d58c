"""decisions and forms deployed as resources of their own, versioned by id

Revision ID: 0008_diagrams
Revises: 0008_duties
Create Date: 2026-11-30 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_diagrams'
down_revision = '0008_jscron'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'resource_definition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=True),
        sa.Column('resource', sa.String(length=300), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('deployment_id', sa.Integer(), nullable=True),
        sa.Column('deployed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['deployment_id'], ['deployment.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'key', 'version'),
    )
    op.create_index(op.f('ix_resource_definition_deployment_id'), 'resource_definition', ['deployment_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_resource_definition_deployment_id'), table_name='resource_definition')
    op.drop_table('resource_definition')
