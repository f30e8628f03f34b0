"""session stats: talks, talks by current members, and task counts per session (issue 7)

The dashboards then read talks and tasks from session_stats instead of joining every talk
to its speaker's membership and scanning every task of the year. The new columns are filled
from the existing rows (written out here so that the migration does not depend on the
application's code); from then on studytrack.stats keeps them current on every write,
memberships included.

Revision ID: c5d1e7a94b20
Revises: a8665008db7b
Create Date: 2026-11-29 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1e7a94b20'
down_revision = 'a8665008db7b'
branch_labels = None
depends_on = None

COLUMNS = ('talks', 'talks_by_members', 'tasks_total', 'tasks_done', 'tasks_open_dated')


def upgrade():
    with op.batch_alter_table('session_stats', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), server_default='0', nullable=False)
            )
    op.execute(BACKFILL)


# The same counts as studytrack.stats (statuses are stored as their values).
BACKFILL = """
UPDATE session_stats SET
    talks = (SELECT count(*) FROM talks t WHERE t.session_id = session_stats.session_id),
    talks_by_members = (
        SELECT count(*) FROM talks t
        JOIN study_sessions s ON s.id = t.session_id
        WHERE t.session_id = session_stats.session_id AND EXISTS (
            SELECT 1 FROM group_memberships m
            WHERE m.group_id = s.group_id AND m.user_id = t.speaker_id
              AND m.left_on IS NULL AND m.role = 'member'
        )
    ),
    tasks_total = (
        SELECT count(*) FROM follow_up_tasks f
        WHERE f.session_id = session_stats.session_id AND f.status <> 'cancelled'
    ),
    tasks_done = (
        SELECT count(*) FROM follow_up_tasks f
        WHERE f.session_id = session_stats.session_id AND f.status = 'done'
    ),
    tasks_open_dated = (
        SELECT count(*) FROM follow_up_tasks f
        WHERE f.session_id = session_stats.session_id
          AND f.status IN ('open', 'in_progress') AND f.due_on IS NOT NULL
    )
"""


def downgrade():
    with op.batch_alter_table('session_stats', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
