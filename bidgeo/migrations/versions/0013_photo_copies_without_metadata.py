"""The display copies and thumbnails of photos stored so far are made again from their
originals, without the JPEG comment earlier copies carried over (it may name the
photographer).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bidgeo.errors import InputError
    from bidgeo.photos import process

    conn = op.get_bind()
    photos = sa.table("photos", sa.column("id"), sa.column("filename"), sa.column("original"),
                      sa.column("display"), sa.column("thumbnail"))
    for (photo_id,) in conn.execute(sa.select(photos.c.id)).all():  # one at a time: photos are large
        original, filename = conn.execute(sa.select(photos.c.original, photos.c.filename)
                                          .where(photos.c.id == photo_id)).one()
        try:
            display, thumbnail, _ = process(original, filename)
        except InputError:  # (every stored original was read once; one that no longer is stays as it was)
            continue
        conn.execute(photos.update().where(photos.c.id == photo_id).values(display=display, thumbnail=thumbnail))


def downgrade() -> None:
    pass  # the copies stay without metadata
