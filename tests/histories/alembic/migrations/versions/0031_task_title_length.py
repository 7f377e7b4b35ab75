"""task title length

Revision ID: 0031
Revises: 0030
Create Date: 2024-02-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("tasks", "title", type_=sa.String(length=300), existing_type=sa.Text(), postgresql_using="left(title, 300)")


def downgrade() -> None:
    op.alter_column("tasks", "title", type_=sa.Text(), existing_type=sa.String(length=300))
