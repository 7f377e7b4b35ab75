"""project status done

Revision ID: 0013
Revises: 0012
Create Date: 2024-01-13 10:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TYPE ... ADD VALUE may run in a transaction (PostgreSQL 12+) but the new value
    # cannot be used before it commits
    op.execute("ALTER TYPE project_status ADD VALUE IF NOT EXISTS 'done'")


def downgrade() -> None:
    pass
