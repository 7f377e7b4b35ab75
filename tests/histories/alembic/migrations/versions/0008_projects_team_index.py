"""projects team index

Revision ID: 0008
Revises: 0007
Create Date: 2024-01-08 10:00:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_projects_team_id", "projects", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_projects_team_id", table_name="projects")
