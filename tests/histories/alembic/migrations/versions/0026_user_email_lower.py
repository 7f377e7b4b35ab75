"""user email lower

Revision ID: 0026
Revises: 0025
Create Date: 2024-01-26 10:00:00
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE users SET email = lower(email) WHERE email <> lower(email)")
    op.create_check_constraint("ck_users_email_lower", "users", "email = lower(email)")


def downgrade() -> None:
    op.drop_constraint("ck_users_email_lower", "users", type_="check")
