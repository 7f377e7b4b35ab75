"""task assignee

Revision ID: 0016
Revises: 0015
Create Date: 2024-01-16 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("assignee_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("fk_tasks_assignee_id", "tasks", "users", ["assignee_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.drop_constraint("fk_tasks_assignee_id", "tasks", type_="foreignkey")
    op.drop_column("tasks", "assignee_id")
