"""backfill task priority

Revision ID: 0020
Revises: 0019
Create Date: 2024-01-20 10:00:00
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE tasks SET priority = CASE WHEN due_on < current_date + 5 THEN 1 ELSE 2 END WHERE priority IS NULL")


def downgrade() -> None:
    pass
