"""task subjects (what a task is about, from the diagram) and messages about finished tasks marked read

Revision ID: 0008_notices
Revises: 0008_external
Create Date: 2026-11-30 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_notices'
down_revision = '0008_external'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=300), nullable=True))
    # Messages about tasks that are no longer open need nothing from their readers any more.
    op.execute(sa.text(
        "UPDATE notification SET read_at = CURRENT_TIMESTAMP WHERE read_at IS NULL AND human_task_id IN "
        "(SELECT id FROM human_task WHERE status <> 'open')"))


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('subject')
