"""The audit log: who changed, deleted or restored what.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Integer, nullable=True),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False, server_default=""),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_project_id", "audit_log", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_project_id", "audit_log")
    op.drop_table("audit_log")
