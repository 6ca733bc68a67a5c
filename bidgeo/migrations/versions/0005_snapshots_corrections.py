"""Service snapshots (each import kept with its source and time) and manual corrections.

Existing service points become each project's first snapshot.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_name", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "service_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("osm_type", sa.String(10), nullable=True),
        sa.Column("osm_id", sa.BigInteger, nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("geom", Geometry("POINT"), nullable=True),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("service_points") as batch:
        batch.add_column(sa.Column("snapshot_id", sa.Integer, nullable=True))
        batch.create_index("ix_service_points_snapshot_id", ["snapshot_id"])
    op.execute(
        "INSERT INTO service_snapshots (project_id, source, source_name, created_at) "
        "SELECT DISTINCT p.id, 'osm_file', COALESCE(p.osm_file, ''), p.created_at "
        "FROM projects p JOIN service_points s ON s.project_id = p.id"
    )
    op.execute(
        "UPDATE service_points SET snapshot_id = (SELECT MIN(n.id) FROM service_snapshots n "
        "WHERE n.project_id = service_points.project_id)"
    )
