"""Population grid cells per project.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "population_cells",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("population", sa.Float, nullable=False),
        sa.Column("geom", Geometry("POINT"), nullable=False),
    )
