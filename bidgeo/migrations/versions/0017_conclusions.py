"""The status analysis's conclusions: the BID manager's summary and, per focus area, the
strengths, challenges and opportunities in their own words.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conclusions",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("focus_area", sa.String(40), primary_key=True),
        sa.Column("part", sa.String(20), primary_key=True),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("conclusions")
