"""start failures: a start that was rolled back is kept for HR, with who tried, to start again

Revision ID: 0008_jscron
Revises: 0008_holes
Create Date: 2026-11-30 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_jscron'
down_revision = '0008_holes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'start_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_version_id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=True),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('element_id', sa.String(length=200), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['process_version_id'], ['process_version.id']),
        sa.ForeignKeyConstraint(['employee_id'], ['user.id']),
        sa.ForeignKeyConstraint(['started_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_start_failure_employee_id', 'start_failure', ['employee_id'], unique=False)
    op.create_index('ix_start_failure_resolved_at', 'start_failure', ['resolved_at'], unique=False)


def downgrade():
    op.drop_index('ix_start_failure_resolved_at', table_name='start_failure')
    op.drop_index('ix_start_failure_employee_id', table_name='start_failure')
    op.drop_table('start_failure')
