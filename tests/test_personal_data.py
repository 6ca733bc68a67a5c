"""Personal data: what is shown or exported names no one it need not. Photos lose every piece
of metadata (EXIF, XMP, comments) in the copies that pages, maps and reports show; public
exports hold no person's name."""

from __future__ import annotations

import io

from PIL import Image

from bidgeo import photos

NAME = "Anna Andersson"


def photo_with_metadata() -> bytes:
    """A phone photo that names its photographer in every place a JPEG can."""
    image = Image.new("RGB", (800, 600), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 400, 600))
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8298] = f"© {NAME}"  # Copyright
    exif[0x010F] = "Telefonbolaget"  # Make
    exif[0x0112] = 6  # Orientation: rotated
    exif.get_ifd(0x8825).update({1: "N", 2: (60.0, 31.0, 22.0), 3: "E", 4: (26.0, 56.0, 50.0)})
    out = io.BytesIO()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{NAME}</dc:creator></x:xmpmeta>'.encode()
    image.save(out, "JPEG", exif=exif, comment=f"Foto: {NAME}".encode(), xmp=xmp)
    data = out.getvalue()
    assert data.count(NAME.encode()) >= 3
    return data


def test_shown_copies_of_a_photo_carry_no_metadata_but_stay_upright():
    display, thumbnail, position = photos.process(photo_with_metadata(), "IMG_0001.jpg")
    assert position == (26.0 + 56 / 60 + 50 / 3600, 60.0 + 31 / 60 + 22 / 3600)  # read, then dropped
    for copy in (display, thumbnail):
        assert NAME.encode() not in copy and b"Telefonbolaget" not in copy and b"xmpmeta" not in copy
        image = Image.open(io.BytesIO(copy))
        assert not image.getexif() and "comment" not in image.info and "exif" not in image.info
        assert image.height > image.width  # the orientation is applied, not kept as a tag
        assert image.getpixel((image.width // 2, 5))[2] > 150  # the blue half is on top now


def test_photos_stored_before_have_their_copies_made_again(database_url):
    """Migration 0013 makes the copies of photos stored by earlier versions again."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from bidgeo.db import make_engine, open_store

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", "bidgeo:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0012")
    original = photo_with_metadata()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO projects (name, locality, municipality, bid_type, created_at) "
                             "VALUES ('P', '', '', 'service', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO photos (project_id, observation_uuid, filename, content_type, sha256, "
                             "original, display, thumbnail, created_at) VALUES ((SELECT min(id) FROM projects), "
                             "'00000000-0000-4000-8000-000000000001', 'a.jpg', 'image/jpeg', 'x', :o, :d, :t, "
                             "CURRENT_TIMESTAMP)"), {"o": original, "d": original, "t": original})
    engine.dispose()
    engine = open_store(database_url)
    with engine.connect() as conn:
        display, thumbnail, kept = conn.execute(sa.text("SELECT display, thumbnail, original FROM photos")).one()
    engine.dispose()
    assert NAME.encode() not in bytes(display) and NAME.encode() not in bytes(thumbnail)
    assert bytes(kept) == original  # the original as taken is kept
