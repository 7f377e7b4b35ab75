"""live email unique

Revision ID: 0028
Revises: 0027
Create Date: 2024-01-28 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_users_email", table_name="users")
    op.create_index("ix_users_live_email", "users", ["email"], unique=True, postgresql_where=sa.text("deleted_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_users_live_email", table_name="users")
    op.create_index("ix_users_email", "users", ["email"], unique=True)
