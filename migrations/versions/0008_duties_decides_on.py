"""separation of duties: each task row names the person whose path it decides on

Revision ID: 0008_duties
Revises: 0007
Create Date: 2026-11-30 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_duties'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decides_on_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_human_task_decides_on_id', 'user', ['decides_on_id'], ['id'])
    # Rows written before: a task not assigned to the path's employee decides on her path.
    op.execute(sa.text(
        "UPDATE human_task SET decides_on_id = (SELECT employee_id FROM process_instance "
        "WHERE process_instance.id = human_task.instance_id) "
        "WHERE assignee_id IS NULL OR assignee_id <> (SELECT employee_id FROM process_instance "
        "WHERE process_instance.id = human_task.instance_id)"))


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_human_task_decides_on_id', type_='foreignkey')
        batch_op.drop_column('decides_on_id')
