"""tasks open index

Revision ID: 0015
Revises: 0014
Create Date: 2024-01-15 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_tasks_open_due",
            "tasks",
            ["project_id", "due_on"],
            postgresql_where=sa.text("NOT done"),
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_tasks_open_due", table_name="tasks", postgresql_concurrently=True)
