"""Area versions, the project's current area, and the stakeholder register.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("geom", Geometry("GEOMETRY"), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("perimeter_m", sa.Float, nullable=False),
        sa.Column("vertices", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("status_by", sa.String(200), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "number"),
    )
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("current_area_id", sa.Integer, nullable=True))
    op.create_table(
        "stakeholders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(40), nullable=False, server_default="business"),
        sa.Column("category", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="identified"),
        sa.Column("steering_group", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("focus_group", sa.String(40), nullable=True),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("contact_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("contact_email", sa.String(200), nullable=False, server_default=""),
        sa.Column("contact_phone", sa.String(50), nullable=False, server_default=""),
        sa.Column("osm_type", sa.String(10), nullable=True),
        sa.Column("osm_id", sa.BigInteger, nullable=True),
        sa.Column("source", sa.String(20), nullable=False, server_default="manual"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_area_versions_geom ON area_versions USING gist (geom)")
