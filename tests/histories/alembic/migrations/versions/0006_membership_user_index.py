"""membership user index

Revision ID: 0006
Revises: 0005
Create Date: 2024-01-06 10:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # CREATE INDEX CONCURRENTLY cannot run in the revision's transaction
    with op.get_context().autocommit_block():
        op.create_index("ix_memberships_user_id", "memberships", ["user_id"], postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_memberships_user_id", table_name="memberships", postgresql_concurrently=True)
