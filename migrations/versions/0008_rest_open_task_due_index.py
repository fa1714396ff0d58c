"""task list indexes: open tasks in due order (Camunda's task query), and tasks offered to groups (who sees
which path reads only those)

Revision ID: 0008_rest
Revises: 0008_holes
Create Date: 2026-11-30 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_rest'
down_revision = '0008_diagrams'
branch_labels = None
depends_on = None


GROUP_OFFERED = sa.text("CAST(candidate_groups AS VARCHAR) != '[]'")


def upgrade():
    op.create_index('ix_human_task_status_due', 'human_task', ['status', 'due_at', 'id'], unique=False)
    op.create_index('ix_human_task_group_offered', 'human_task', ['instance_id'], unique=False,
                    postgresql_where=GROUP_OFFERED, sqlite_where=GROUP_OFFERED)


def downgrade():
    op.drop_index('ix_human_task_group_offered', table_name='human_task', postgresql_where=GROUP_OFFERED,
                  sqlite_where=GROUP_OFFERED)
    op.drop_index('ix_human_task_status_due', table_name='human_task')
