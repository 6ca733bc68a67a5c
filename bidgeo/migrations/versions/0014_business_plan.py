"""The business plan (affärsplan, steps 4-6): vision, goals, milestones, versions with the
steering group's comments, cases, the budget and the joint financing; the stakeholder register
gets what the contribution models need (taxable property value, floor area, employees).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from bidgeo.db import Geometry

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _project(primary_key: bool = False):
    return sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                     nullable=False, **({"primary_key": True} if primary_key else {"index": True}))


def _created():
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("stakeholders") as batch:
        batch.add_column(sa.Column("property_value_sek", sa.Float, nullable=True))
        batch.add_column(sa.Column("floor_area_m2", sa.Float, nullable=True))
        batch.add_column(sa.Column("employees", sa.Integer, nullable=True))
    op.create_table(
        "business_plans", _project(primary_key=True),
        sa.Column("vision", sa.Text, nullable=False, server_default=""),
        sa.Column("target_picture", sa.Text, nullable=False, server_default=""),
        sa.Column("goals", sa.JSON, nullable=False),
        sa.Column("hour_rate_sek", sa.Float, nullable=False, server_default="400"),
        sa.Column("duration_years", sa.Integer, nullable=False, server_default="3"),
        sa.Column("model", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "plan_versions", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("content", sa.JSON, nullable=True),
        sa.Column("status_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
    )
    op.create_table(
        "plan_comments", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("plan_versions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        _created(),
    )
    op.create_table(
        "plan_milestones", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("focus_area", sa.String(20), nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("how", sa.Text, nullable=False, server_default=""),
        sa.Column("geom", Geometry("POINT"), nullable=True),
        sa.Column("action_ids", sa.JSON, nullable=False),
        _created(),
    )
    op.create_table(
        "plan_cases", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("cost_sek", sa.Float, nullable=True),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
        sa.Column("before_uuid", sa.String(36), nullable=False),
        sa.Column("after_uuid", sa.String(36), nullable=False),
        _created(),
    )
    op.create_table(
        "plan_costs", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("action", sa.String(300), nullable=False),
        sa.Column("focus_area", sa.String(20), nullable=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("cost_sek", sa.Float, nullable=False, server_default="0"),
        sa.Column("hours", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "plan_financing", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("stakeholder_id", sa.Integer, sa.ForeignKey("stakeholders.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount_sek", sa.Float, nullable=False, server_default="0"),
        sa.Column("hours", sa.Float, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("plan_financing", "plan_costs", "plan_cases", "plan_milestones", "plan_comments", "plan_versions",
                  "business_plans"):
        op.drop_table(table)
    with op.batch_alter_table("stakeholders") as batch:
        for column in ("employees", "floor_area_m2", "property_value_sek"):
            batch.drop_column(column)
