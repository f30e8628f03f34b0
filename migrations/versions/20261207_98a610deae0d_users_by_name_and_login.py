"""users: an index in the accounts list's order (name, then login), which it pages through by key
(issue 18: page 400 of the OFFSET pages read 10,000 rows first)

Revision ID: 98a610deae0d
Revises: daefa7ac0566
Create Date: 2026-12-07 21:07:21.966083

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '98a610deae0d'
down_revision = 'daefa7ac0566'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_display_name_username', ['display_name', 'username'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_display_name_username')
