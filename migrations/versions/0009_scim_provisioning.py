"""SCIM provisioning: provisioning tokens; people's and groups' external ids, name parts, creation and change
times, and when a person was deprovisioned

Revision ID: 0009_scim
Revises: 0008_notices
Create Date: 2026-12-01 10:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_scim'
down_revision = '0008_notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provisioning_token',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('created_by_id', sa.Integer(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('last_used_at', sa.DateTime(), nullable=True),
                    sa.Column('revoked_at', sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('token_hash'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('given_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('family_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deprovisioned_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_user_external_id', ['external_id'])
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_group_external_id', ['external_id'])
    # People and groups already there were created before anyone kept the time: they count from now.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for table in ('"user"', '"group"'):
        op.execute(sa.text(f"UPDATE {table} SET created_at = :now, updated_at = :now").bindparams(now=now))


def downgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.drop_index('ix_group_external_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('external_id')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_external_id')
        batch_op.drop_column('deprovisioned_at')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('family_name')
        batch_op.drop_column('given_name')
        batch_op.drop_column('external_id')
    op.drop_table('provisioning_token')
