"""task priority check

Revision ID: 0021
Revises: 0020
Create Date: 2024-01-21 10:00:00
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint("ck_tasks_priority_not_null", "tasks", "priority IS NOT NULL")


def downgrade() -> None:
    op.drop_constraint("ck_tasks_priority_not_null", "tasks", type_="check")
