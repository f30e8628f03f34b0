"""organizations.path compared byte by byte ("C") on PostgreSQL, whatever the database's
collation: a unit's subtree becomes one range of the path index (models.in_subtree) instead
of a LIKE that reads every path (issue 18: the top unit's dashboard at scale 5)

Revision ID: 5c0a7e3f91d2
Revises: 98a610deae0d
Create Date: 2026-12-08 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0a7e3f91d2'
down_revision = '98a610deae0d'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite compares text byte by byte already. PostgreSQL rebuilds the path index.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('organizations', 'path', type_=sa.String(255, collation='C'),
                        existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('organizations', 'path', type_=sa.String(255),
                        existing_nullable=False)
