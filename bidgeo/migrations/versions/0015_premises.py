"""Ground-floor premises and the history of their status (issue 17).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "premises",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("geom", Geometry("POINT"), nullable=True),
        sa.Column("building", sa.String(40), nullable=True),
        sa.Column("floor_area_m2", sa.Float, nullable=True),
        sa.Column("use", sa.String(200), nullable=False, server_default=""),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("stakeholders.id", ondelete="SET NULL"), nullable=True),
        sa.Column("source", sa.String(20), nullable=False, server_default="import"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "key"),
    )
    op.create_table(
        "premise_statuses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("premise_id", sa.Integer, sa.ForeignKey("premises.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("observed", sa.Date, nullable=False),
        sa.Column("source", sa.String(20), nullable=False, server_default="import"),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("photo_uuid", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("premise_statuses")
    op.drop_table("premises")
