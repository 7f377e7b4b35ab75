"""comments task index

Revision ID: 0025
Revises: 0024
Create Date: 2024-01-25 10:00:00
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comments_task_id", "comments", ["task_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_task_id", table_name="comments")
