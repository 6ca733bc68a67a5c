"""The BID process: a plan per project (start, takeover, final report), the steps'
checklists and the steering group's meetings.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _project(primary_key: bool = False):
    return sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                     nullable=False, **({"primary_key": True} if primary_key else {"index": True}))


def upgrade() -> None:
    op.create_table(
        "process_plans", _project(primary_key=True),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("handover_org", sa.String(300), nullable=False, server_default=""),
        sa.Column("handover_agreed_on", sa.Date, nullable=True),
        sa.Column("final_report_on", sa.Date, nullable=True),
    )
    op.create_table(
        "process_tasks", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("task_key", sa.String(40), nullable=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="todo"),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meetings", sa.Column("id", sa.Integer, primary_key=True), _project(),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("participants", sa.Text, nullable=False, server_default=""),
        sa.Column("decisions", sa.Text, nullable=False, server_default=""),
        sa.Column("observation_uuids", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("meetings", "process_tasks", "process_plans"):
        op.drop_table(table)
