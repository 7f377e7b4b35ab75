"""rename memberships

Revision ID: 0023
Revises: 0022
Create Date: 2024-01-23 10:00:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("memberships", "team_members")
    op.execute("ALTER INDEX ix_memberships_user_id RENAME TO ix_team_members_user_id")


def downgrade() -> None:
    op.execute("ALTER INDEX ix_team_members_user_id RENAME TO ix_memberships_user_id")
    op.rename_table("team_members", "memberships")
