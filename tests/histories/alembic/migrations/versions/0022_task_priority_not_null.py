"""task priority not null

Revision ID: 0022
Revises: 0021
Create Date: 2024-01-22 10:00:00
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the CHECK validated in the revision before lets SET NOT NULL skip the scan
    op.alter_column("tasks", "priority", nullable=False)
    op.drop_constraint("ck_tasks_priority_not_null", "tasks", type_="check")


def downgrade() -> None:
    op.alter_column("tasks", "priority", nullable=True)
