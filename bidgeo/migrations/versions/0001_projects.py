"""Projects and their service points.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("locality", sa.String(200), nullable=False, server_default=""),
        sa.Column("municipality", sa.String(200), nullable=False, server_default=""),
        sa.Column("bid_type", sa.String(40), nullable=False, server_default="service"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("osm_file", sa.String(500), nullable=True),
        sa.Column("osm_sha256", sa.String(64), nullable=True),
    )
    op.create_table(
        "service_points",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer,
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("osm_type", sa.String(10), nullable=True),
        sa.Column("osm_id", sa.BigInteger, nullable=True),
        sa.Column("source", sa.String(20), nullable=False, server_default="osm"),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("geom", Geometry("POINT"), nullable=False),
    )
    if postgres:
        op.execute("CREATE INDEX ix_service_points_geom ON service_points USING gist (geom)")
