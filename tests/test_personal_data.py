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

    from bidgeo.db import make_engine, migrate, open_store

    engine = make_engine(database_url)
    migrate(engine, "0012")
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


def test_public_exports_name_no_one_anywhere(tmp_path):
    """Every person's name the tool holds — walkers, participants, respondents, reviewers, who
    set a state or an area's status, who corrected a service, action owners, the photographer
    in a photo's file name and metadata, a premise's owner — is in no public export, in no format."""
    import sqlite3
    import zipfile
    from datetime import date

    from bidgeo import area_versions, inventory, premises, report, review, walks
    from bidgeo.area import check_file
    from bidgeo.db import open_store
    from bidgeo.demo import DEMO_AREA, ensure_demo
    from pypdf import PdfReader
    from shapely.geometry import Point

    engine = open_store()
    demo = ensure_demo(engine)
    version = area_versions.save_version(engine, demo.id, check_file(DEMO_AREA), author=NAME, comment="Andra förslaget")
    area_versions.set_status(engine, demo.id, version.number, "approved", by=NAME)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna", participants=NAME)
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, {
        "focus_area": "place", "kind": "challenge", "rating": 2, "comment": "Mörk gångtunnel", "lon": 26.948,
        "lat": 60.523, "position_source": "gps", "author": NAME})
    photos.add_photo(engine, demo.id, uuid, photo_with_metadata(), f"{NAME.replace(' ', '_')}_0001.jpg")
    walks.save_assessment(engine, walk, NAME, {k: (4, "") for k in ("place_brand", "offering", "place",
                                                                      "accessibility", "clean_safe")})
    review.set_state(engine, demo.id, uuid, "accepted", by=NAME)
    review.add_comment(engine, demo.id, uuid, NAME, "Belysning behövs")
    review.create_action(engine, demo.id, "Belysning i tunneln", "place", uuid=uuid, owner=NAME)
    inventory.correct(engine, demo.id, "add", category="grocery_partial", name="Lanthandeln", point=Point(26.95, 60.52),
                      author=NAME)
    premises.save_rows(engine, demo.id, [premises.PremiseRow("T4", "Tapiontie 4", "vacant", "", 85.0, date(2026, 5, 12),
                                                             26.9484, 60.5234, owner=NAME)])  # a private owner
    texts = {}
    for kind in ("pdf", "html", "csv", "xlsx", "gpkg"):
        data = report.export_bytes(engine, demo.id, kind, "sv", public=True)
        if kind == "pdf":
            path = tmp_path / "r.pdf"
            path.write_bytes(data)
            texts[kind] = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        elif kind in ("csv", "xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts[kind] = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        elif kind == "gpkg":
            path = tmp_path / "r.gpkg"
            path.write_bytes(data)
            with sqlite3.connect(path) as db:
                tables = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")]
                texts[kind] = "".join(str(db.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
        else:
            texts[kind] = data.decode("utf-8")
        assert NAME.encode() not in data, kind  # not even inside an image or a compressed stream we did not read
    engine.dispose()
    for kind, text in texts.items():
        for part in (NAME, NAME.replace(" ", "_"), "Anna"):
            assert part not in text, (kind, part)
        assert "Belysning i tunneln" in text or kind == "gpkg" and "Belysning" in text, kind  # the content is there
        assert "Tapiontie" in text, kind  # the premises register is there, its owner is not
