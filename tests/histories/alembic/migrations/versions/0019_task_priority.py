"""task priority

Revision ID: 0019
Revises: 0018
Create Date: 2024-01-19 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("priority", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("tasks", "priority")
