"""project slug

Revision ID: 0029
Revises: 0028
Create Date: 2024-02-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("slug", sa.String(length=80), nullable=True))
    op.execute("UPDATE projects SET slug = lower(regexp_replace(title, '[^a-zA-Z0-9]+', '-', 'g')) || '-' || id")


def downgrade() -> None:
    op.drop_column("projects", "slug")
