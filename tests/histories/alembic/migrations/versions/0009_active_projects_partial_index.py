"""active projects partial index

Revision ID: 0009
Revises: 0008
Create Date: 2024-01-09 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_projects_active_title",
        "projects",
        ["title"],
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("ix_projects_active_title", table_name="projects")
