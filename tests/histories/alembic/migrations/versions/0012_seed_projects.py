"""seed projects

Revision ID: 0012
Revises: 0011
Create Date: 2024-01-12 10:00:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO projects (team_id, title) SELECT id, 'Website' FROM teams; "
        "INSERT INTO projects (team_id, title, status) SELECT id, 'Legacy API', 'paused' FROM teams"
    )


def downgrade() -> None:
    op.execute("DELETE FROM projects")
