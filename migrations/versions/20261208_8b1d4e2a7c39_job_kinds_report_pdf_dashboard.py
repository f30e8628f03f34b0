"""job kinds: a session report's PDF and a dashboard's workbook are built by jobs too
(issue 20)

Revision ID: 8b1d4e2a7c39
Revises: 6295640b0f65
Create Date: 2026-12-08 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1d4e2a7c39'
down_revision = '6295640b0f65'
branch_labels = None
depends_on = None

JOB_KINDS = ('group_archive',)
NEW_JOB_KINDS = JOB_KINDS + ('report_pdf', 'dashboard_workbook')


def _job_kinds(kinds, length, old_length):
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_jobs_job_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=old_length),
                              type_=sa.String(length=length), existing_nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_jobs_job_kind'), sa.column('kind').in_(kinds))


def upgrade():
    _job_kinds(NEW_JOB_KINDS, 18, 13)


def downgrade():
    op.execute("DELETE FROM jobs WHERE kind IN ('report_pdf', 'dashboard_workbook')")
    _job_kinds(JOB_KINDS, 13, 18)
