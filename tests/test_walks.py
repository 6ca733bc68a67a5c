"""Place walks in the store: observations by uuid (never duplicated), soft deletes with a
history, server-side drafts, photos (orientation, EXIF GPS, display copies) and the
focus-area assessment."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bidgeo import photos, walks
from bidgeo.demo import ensure_demo
from bidgeo.errors import InputError, ValidationError
from bidgeo.focus import FOCUS_AREAS


def obs(**values):
    return {"focus_area": "place", "kind": "strength", "rating": 4, "comment": "Fin torgyta",
            "lon": 26.948, "lat": 60.523, "position_source": "gps", "accuracy_m": 6.5, "author": "Anna",
            **values}


def jpeg(size=(400, 300), orientation: int | None = None, gps: tuple[float, float] | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue, to see rotations
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        lon, lat = gps
        exif.get_ifd(0x8825).update({1: "N", 2: (int(lat), int(lat * 60) % 60, (lat * 3600) % 60),
                                     3: "E", 4: (int(lon), int(lon * 60) % 60, (lon * 3600) % 60)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_saving_twice_never_duplicates_and_every_change_is_kept(engine):
    demo = ensure_demo(engine)
    first = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna", "Anna, Bo", "Soligt")
    later = walks.create_walk(engine, demo.id, date(2026, 11, 3), "Handlarna")
    assert [(w.id, w.baseline) for w in walks.walks(engine, demo.id)] == [(first, True), (later, False)]
    uuid = walks.new_uuid()
    assert walks.save_observation(engine, demo.id, first, uuid, obs()) == "created"
    assert walks.save_observation(engine, demo.id, first, uuid, obs()) == "unchanged"  # a double tap
    assert walks.save_observation(engine, demo.id, first, uuid.upper(), obs(comment="Fin torgyta!")) == "updated"
    walks.delete_observation(engine, uuid, by="Bo")
    assert len(walks.observations(engine, demo.id)) == 0
    assert len(walks.observations(engine, demo.id, include_deleted=True)) == 1
    walks.restore_observation(engine, uuid, by="Bo")
    saved = walks.observations(engine, demo.id, first)
    assert saved[["uuid", "comment", "rating"]].values.tolist() == [[uuid, "Fin torgyta!", 4]]
    assert (round(saved.geometry.iloc[0].x, 3), round(saved.geometry.iloc[0].y, 3)) == (26.948, 60.523)
    changes = walks.history(engine, uuid)
    assert changes["action"].tolist() == ["create", "update", "delete", "restore"]
    assert changes["data"].iloc[0]["comment"] == "Fin torgyta" and changes["author"].iloc[2] == "Bo"
    assert walks.walks(engine, demo.id)[0].observations == 1


@pytest.mark.parametrize("values, key", [
    ({"focus_area": None}, "obs_focus_missing"), ({"focus_area": "weather"}, "bad_choice"),
    ({"kind": ""}, "obs_kind_missing"), ({"rating": 6}, "obs_bad_rating"),
    ({"lon": None}, "obs_position_missing"), ({"lat": 95.0}, "obs_bad_position"),
    ({"comment": "x" * 5001}, "obs_comment_too_long"),
])
def test_bad_observations_are_refused_with_a_reason(engine, values, key):
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    with pytest.raises(ValidationError) as error:
        walks.save_observation(engine, demo.id, walk, walks.new_uuid(), obs(**values))
    assert error.value.key == key
    assert len(walks.observations(engine, demo.id)) == 0
    with pytest.raises(ValidationError, match="uuid"):
        walks.save_observation(engine, demo.id, walk, "not-a-uuid", obs())


def test_a_draft_is_kept_until_saved(engine):
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    uuid = walks.new_uuid()
    walks.save_draft(engine, demo.id, walk, uuid, {"focus_area": "offering", "comment": "Halvskrivet <b>", "rating": None})
    assert walks.draft(engine, uuid) == {"walk_id": walk, "focus_area": "offering", "comment": "Halvskrivet <b>"}
    walks.save_draft(engine, demo.id, walk, uuid, {"focus_area": "offering", "kind": "idea"})
    assert walks.draft(engine, uuid)["kind"] == "idea"
    walks.save_observation(engine, demo.id, walk, uuid, obs(focus_area="offering", kind="idea"))
    assert walks.draft(engine, uuid) is None


def test_photos_keep_the_original_and_make_upright_display_copies(engine):
    demo = ensure_demo(engine)
    uuid = walks.new_uuid()
    taken = jpeg(orientation=6, gps=(26.9512, 60.5234))  # rotated 90° as phones store it
    info = photos.add_photo(engine, demo.id, uuid, taken, "IMG_0001.jpg", "image/jpeg")
    assert (round(info.lon, 4), round(info.lat, 4)) == (26.9512, 60.5234)
    assert photos.photo_bytes(engine, demo.id, info.id, "original") == taken
    display = Image.open(io.BytesIO(photos.photo_bytes(engine, demo.id, info.id)))
    assert display.size == (300, 400)  # upright: orientation 6 turns 400x300 to 300x400
    assert display.getpixel((150, 10))[2] > 150  # the blue half is on top after the turn
    assert max(Image.open(io.BytesIO(info.thumbnail)).size) == photos.THUMB_PX
    assert photos.add_photo(engine, demo.id, uuid, taken, "again.jpg").id == info.id  # stored once
    assert [p.id for p in photos.photos(engine, demo.id, [uuid])] == [info.id]
    with pytest.raises(InputError):
        photos.add_photo(engine, demo.id, uuid, b"not a photo", "notes.txt")


def test_a_large_phone_photo_is_handled():
    import numpy as np

    noise = np.random.default_rng(0).integers(0, 255, (3000, 4000, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 5_000_000
    display, thumbnail, position = photos.process(out.getvalue(), "big.jpg")
    assert max(Image.open(io.BytesIO(display)).size) <= photos.DISPLAY_PX and position is None


def test_assessment_scores_and_means_per_walk(engine):
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    walks.save_assessment(engine, walk, "Grupp A", {a: (i + 2, f"kommentar {i}") for i, a in enumerate(FOCUS_AREAS)})
    walks.save_assessment(engine, walk, "Grupp B", {a: (7, "") for a in FOCUS_AREAS})
    walks.save_assessment(engine, walk, "Grupp B", {a: (5, "") for a in FOCUS_AREAS})  # replaces B's scores
    table = walks.assessments(engine, [walk])
    assert len(table) == 10
    means = walks.mean_scores(table)
    assert means.loc[walk].tolist() == [3.5, 4.0, 4.5, 5.0, 5.5]
    with pytest.raises(ValidationError):
        walks.save_assessment(engine, walk, "Grupp C", {a: (8, "") for a in FOCUS_AREAS})
    with pytest.raises(ValidationError):
        walks.save_assessment(engine, walk, " ", {a: (3, "") for a in FOCUS_AREAS})
