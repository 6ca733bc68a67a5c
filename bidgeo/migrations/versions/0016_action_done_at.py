"""Actions remember when they were done, so the follow-up (step 7) counts the actions done
by each date. Actions already done count from their last change.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    actions = sa.table("actions", sa.column("status"), sa.column("updated_at"), sa.column("done_at"))
    op.get_bind().execute(actions.update().where(actions.c.status == "done").values(done_at=actions.c.updated_at))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("done_at")
