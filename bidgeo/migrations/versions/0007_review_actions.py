"""The steering group's review of observations (state and comments) and the action plan.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("observation_id", sa.Integer, sa.ForeignKey("observations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("state", sa.String(20), nullable=False, server_default="new"),
        sa.Column("by", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("observation_id", sa.Integer, sa.ForeignKey("observations.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("observation_id", sa.Integer, sa.ForeignKey("observations.id", ondelete="SET NULL"),
                  nullable=True, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("focus_area", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("priority", sa.String(10), nullable=False, server_default="medium"),
        sa.Column("cost_sek", sa.Float, nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="planned"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("actions", "review_comments", "reviews"):
        op.drop_table(table)
