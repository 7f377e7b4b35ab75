"""project status enum

Revision ID: 0007
Revises: 0006
Create Date: 2024-01-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    status = postgresql.ENUM("active", "paused", "archived", name="project_status")
    status.create(op.get_bind())
    op.create_table(
        "projects",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("team_id", sa.BigInteger(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", postgresql.ENUM(name="project_status", create_type=False), server_default="active", nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projects")
    op.execute("DROP TYPE project_status")
