"""team owner index

Revision ID: 0004
Revises: 0003
Create Date: 2024-01-04 10:00:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_teams_owner_id", "teams", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_owner_id", table_name="teams")
