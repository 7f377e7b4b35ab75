"""project slug unique

Revision ID: 0030
Revises: 0029
Create Date: 2024-02-02 10:00:00
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("uq_projects_slug", "projects", ["slug"])


def downgrade() -> None:
    op.drop_constraint("uq_projects_slug", "projects", type_="unique")
