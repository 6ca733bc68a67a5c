"""Place walks: walks, observations (by uuid, soft-deleted, with history), drafts, photos
and focus-area assessments.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _project():
    return sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                     nullable=False, index=True)


def _walk():
    return sa.Column("walk_id", sa.Integer, sa.ForeignKey("walks.id", ondelete="CASCADE"), nullable=False, index=True)


def _created():
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "walks",
        sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("walked_on", sa.Date, nullable=False),
        sa.Column("focus_group", sa.String(200), nullable=False, server_default=""),
        sa.Column("participants", sa.Text, nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("route", Geometry("LINESTRING"), nullable=True), _created(),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True), _project(), _walk(),
        sa.Column("focus_area", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("geom", Geometry("POINT"), nullable=True),
        sa.Column("position_source", sa.String(10), nullable=True),
        sa.Column("accuracy_m", sa.Float, nullable=True),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False), _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "observation_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("observation_id", sa.Integer, sa.ForeignKey("observations.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""), _created(),
    )
    op.create_table(
        "observation_drafts",
        sa.Column("uuid", sa.String(36), primary_key=True), _project(), _walk(),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("observation_uuid", sa.String(36), nullable=False, index=True),
        sa.Column("filename", sa.String(300), nullable=False, server_default=""),
        sa.Column("content_type", sa.String(100), nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original", sa.LargeBinary, nullable=False),
        sa.Column("display", sa.LargeBinary, nullable=False),
        sa.Column("thumbnail", sa.LargeBinary, nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True), _created(),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True), _walk(),
        sa.Column("respondent", sa.String(200), nullable=False),
        sa.Column("focus_area", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""), _created(),
    )


def downgrade() -> None:
    for table in ("assessments", "photos", "observation_drafts", "observation_history", "observations", "walks"):
        op.drop_table(table)
