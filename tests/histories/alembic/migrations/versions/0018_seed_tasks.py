"""seed tasks

Revision ID: 0018
Revises: 0017
Create Date: 2024-01-18 10:00:00
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO tasks (project_id, title, done, due_on) "
        "SELECT p.id, t.title, t.done, current_date + t.days "
        "FROM projects p CROSS JOIN (VALUES ('Draft', false, 3), ('Review', false, 7), ('Ship', true, 1)) "
        "AS t(title, done, days)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM tasks")
