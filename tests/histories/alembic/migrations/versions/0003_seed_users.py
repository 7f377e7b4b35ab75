"""seed users

Revision ID: 0003
Revises: 0002
Create Date: 2024-01-03 10:00:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO users (email, name) VALUES "
        "('ada@example.com', 'Ada'), ('linus@example.com', 'Linus'), ('grace@example.com', NULL)"
    )
    op.execute("INSERT INTO teams (name, owner_id) SELECT 'Core', id FROM users WHERE email = 'ada@example.com'")


def downgrade() -> None:
    op.execute("DELETE FROM teams")
    op.execute("DELETE FROM users")
