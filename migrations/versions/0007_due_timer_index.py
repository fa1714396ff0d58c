"""due timer index: the worker's claim is one index probe, however many timers are due

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DUE = sa.text("status = 'running' AND next_timer_at IS NOT NULL")


def upgrade():
    op.drop_index('ix_process_instance_next_timer_at', table_name='process_instance')
    op.create_index('ix_process_instance_due', 'process_instance', ['next_timer_at', 'id'], unique=False,
                    postgresql_where=DUE, sqlite_where=DUE)


def downgrade():
    op.drop_index('ix_process_instance_due', table_name='process_instance',
                  postgresql_where=DUE, sqlite_where=DUE)
    op.create_index('ix_process_instance_next_timer_at', 'process_instance', ['next_timer_at'], unique=False)
