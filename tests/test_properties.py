"""Hostile input, property-based (Hypothesis): the parsers of uploads (boundary files,
registers, photos, field kits, OSM files, population grids) never fail with anything but
their typed errors, whatever bytes, JSON, CSV, XML or zip member names they get; a
field kit's zip never writes outside its temporary folder; and observation comments
(HTML, JavaScript, any Unicode) are stored exactly and shown escaped on the map.

Example counts are modest so the suite stays fast (``BIDGEO_HYPOTHESIS_EXAMPLES=2000`` searches
harder); ``--hypothesis-seed`` reproduces a run."""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import tempfile
import threading
import warnings
import zipfile
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bidgeo import area, maps, photos, registers, walk_kit, walks
from bidgeo.errors import BidgeoError, InputError, ValidationError
from bidgeo.projects import create_project
from test_walks import jpeg

FAST = settings(max_examples=int(os.environ.get("BIDGEO_HYPOTHESIS_EXAMPLES", "60")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
AREA_NAMES = ["area.geojson", "area.json", "area.kml", "area.kmz", "area.gpkg", "area.zip", "area.shp", "area.txt",
              "AREA.GEOJSON", "noext", ""]

# --- the area upload ------------------------------------------------------------------------------
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10 ** 400,
                                                                                max_value=10 ** 400),
                    st.sampled_from([0, 1e308, -1e308, 5e-324, 26.95, 60.52, 6_700_000, 500_000]))
json_values = st.recursive(st.none() | st.booleans() | numbers | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                                       max_size=5),
                           max_leaves=30)
positions = st.lists(numbers, min_size=0, max_size=4)
rings = st.lists(positions, max_size=8)
geometries = st.fixed_dictionaries({
    "type": st.sampled_from(["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                             "GeometryCollection", "Feature", "Circle", ""]),
    "coordinates": st.one_of(json_values, rings, st.lists(rings, max_size=3), st.lists(st.lists(rings, max_size=2),
                                                                                        max_size=2)),
}, optional={"geometries": st.lists(json_values, max_size=3), "crs": json_values | st.fixed_dictionaries(
    {"type": st.just("name"), "properties": st.fixed_dictionaries({"name": st.one_of(
        st.sampled_from(["EPSG:3006", "urn:ogc:def:crs:EPSG::3006", "EPSG:4326", "EPSG:999999", "", "+proj=nonsense"]),
        json_values)})})})
documents = st.one_of(
    geometries,
    st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometries | json_values,
                           "properties": json_values}),
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.lists(
        st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometries | json_values}) | json_values,
        max_size=4) | json_values}, optional={"crs": json_values}),
    json_values,
)


def _checked(data: bytes, name: str) -> area.AreaCheck:
    check = area.check_bytes(data, name)
    assert isinstance(check, area.AreaCheck)
    for lang in ("sv", "en"):
        json.dumps(check.to_json(lang))  # every message can be said, and the result serialised
    assert check.valid == (not check.errors)
    return check


@FAST
@given(data=st.binary(max_size=3000), name=st.sampled_from(AREA_NAMES))
def test_any_bytes_are_an_area_check(data, name):
    _checked(data, name)


@FAST
@given(doc=documents, name=st.sampled_from(["area.geojson", "area.json"]))
def test_any_geojson_is_an_area_check(doc, name):
    _checked(json.dumps(doc, allow_nan=True).encode(), name)


VALID = json.dumps({"type": "Polygon", "coordinates": [[[26.94, 60.52], [26.96, 60.52], [26.96, 60.53],
                                                         [26.94, 60.53], [26.94, 60.52]]]}).encode()


@FAST
@given(cuts=st.lists(st.tuples(st.integers(0, len(VALID)), st.binary(max_size=4)), max_size=4))
def test_a_mutated_boundary_is_an_area_check(cuts):
    data = bytearray(VALID)
    for at, chunk in cuts:
        data[at:at + len(chunk)] = chunk
    _checked(bytes(data), "area.geojson")


segments = st.sampled_from(["..", ".", "", "a", "DCIM", "area.shp", "area.kml", "kit.gpkg", "C:", "c:\\x", "\\",
                            "evil.shp", "ö", "x" * 60, "\x00", "\x00area.shp", "a\x00/../b"])
hostile_names = st.one_of(
    st.lists(segments, min_size=1, max_size=5).map("/".join),
    st.lists(segments, min_size=1, max_size=5).map("\\".join),
    st.lists(segments, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    st.text(min_size=1, max_size=40),
)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of the members as named. zipfile cuts a name at a NUL (so ``"\x00x"`` reads as
    ``""``, which breaks ``ZipInfo.is_dir``); such names are written with \x01 and patched."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a name twice is one more hostile case
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name.replace("\x00", "\x01")), content)
    data = bytearray(out.getvalue())
    if not any("\x00" in name for name, _ in members):
        return bytes(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        spans = [(info.header_offset + 30, len(info.filename.encode("utf-8"))) for info in archive.infolist()]
        at = archive.start_dir
    while data[at:at + 4] == b"PK\x01\x02":  # the central directory's records
        length, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        spans.append((at + 46, length))
        at += 46 + length + extra + comment
    for start, length in spans:
        data[start:start + length] = data[start:start + length].replace(b"\x01", b"\x00")
    return bytes(data)


def _as_read(name: str) -> str:
    return name.replace("\x01", "\x00").split("\x00")[0]


@FAST
@given(members=st.lists(st.tuples(hostile_names, st.binary(max_size=200) | st.just(VALID)), max_size=6),
       name=st.sampled_from(["area.zip", "area.kmz"]))
def test_a_zip_with_hostile_names_is_an_area_check(members, name):
    check = _checked(_zip(members), name)
    read = [_as_read(m) for m, _ in members]
    if any(not m.endswith("/") and (".." in m.replace("\\", "/").split("/") or m.startswith(("/", "\\")) or not m)
           for m in read):
        assert not check.valid  # a path that leaves the folder (or none at all) is refused


# --- registers ------------------------------------------------------------------------------------
csv_cells = st.one_of(st.text(max_size=12), st.sampled_from(["26,95", "60.52", "6700000", "nan", "inf", "-1e400",
                                                            "Livsmedel", "grocery_full", '"', ";", "\n"]))
csv_texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.lists(csv_cells, min_size=1, max_size=5), min_size=1, max_size=8).map(
        lambda rows: "\n".join(";".join(row) for row in rows)),
    st.lists(st.lists(csv_cells, min_size=4, max_size=4), max_size=8).map(
        lambda rows: "namn,typ,x,y\n" + "\n".join(",".join(row) for row in rows)),
)


@FAST
@given(text=csv_texts, crs=st.sampled_from(["EPSG:4326", "EPSG:3006", "EPSG:999999", "nonsense", ""]),
       encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]), pick=st.randoms(use_true_random=False))
def test_any_csv_register_reads_or_says_why(text, crs, encoding, pick):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    try:
        table = registers.read_table(data, "register.csv")
    except InputError:
        return
    columns = list(table.columns)
    if not columns:
        return
    mapping = registers.RegisterMapping(*(pick.choice(columns) for _ in range(4)), crs=crs)
    kinds = registers.types_of(table, mapping.type)
    mapping.types = {kind: pick.choice(["grocery_full", "", "no_such_category", registers.guess_category(kind)])
                     for kind in kinds}
    try:
        services, errors = registers.to_services(table, mapping, "sv")
    except (InputError, ValidationError):
        return
    assert len(services) + len(errors) <= len(table)
    assert all(isinstance(e["row"], int) and e["message"] for e in errors)


@FAST
@given(data=st.binary(max_size=2000), name=st.sampled_from(["register.csv", "register.xlsx", "register.gpkg",
                                                            "register.txt"]))
def test_any_bytes_as_a_register_read_or_say_why(data, name):
    try:
        registers.read_table(data, name)
    except InputError:
        pass


# --- photos ---------------------------------------------------------------------------------------
@cache
def _photo() -> bytes:
    return jpeg(size=(64, 48), orientation=6, gps=(26.9512, 60.5234))


@cache
def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (1, 2, 3, 4)).save(out, "PNG")
    return out.getvalue()


def _processed(data: bytes) -> None:
    try:
        display, thumbnail, position = photos.process(data, "foto.jpg")
    except InputError as exc:
        assert exc.key in ("photo_unreadable", "photo_too_big")
        return
    assert display[:2] == thumbnail[:2] == b"\xff\xd8"
    assert position is None or (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow says what it skips in a damaged file
@FAST
@given(data=st.binary(max_size=4000))
def test_any_bytes_as_a_photo(data):
    _processed(data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow says what it skips in a damaged file
@FAST
@given(base=st.sampled_from(["jpeg", "png"]), cuts=st.lists(st.tuples(st.integers(0, 5000), st.binary(min_size=1,
                                                                                                     max_size=8)),
                                                           min_size=1, max_size=6),
       truncate=st.none() | st.integers(0, 5000))
def test_a_damaged_photo_is_refused_with_a_message(base, cuts, truncate):
    data = bytearray(_photo() if base == "jpeg" else _png())
    for at, chunk in cuts:
        at = at % len(data)
        data[at:at + len(chunk)] = chunk
    _processed(bytes(data[:truncate] if truncate is not None else data))


# --- the field kit upload -------------------------------------------------------------------------
@contextmanager
def _writes_recorded():
    """Every file opened for writing and every folder made (Python's audit events) while
    inside the block, from this thread."""
    seen: list[str] = []
    me = threading.get_ident()

    def hook(event, args):
        if _AUDIT["on"] and threading.get_ident() == me:
            if event == "open" and args[0] is not None and isinstance(args[0], (str, bytes, os.PathLike)) and (
                    (isinstance(args[1], str) and any(c in args[1] for c in "wax+"))
                    or (isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))):
                seen.append(os.fsdecode(args[0]))
            elif event in ("os.mkdir", "os.rename", "os.symlink", "shutil.move"):
                seen.append(os.fsdecode(args[0]))

    if not _AUDIT["installed"]:
        sys.addaudithook(lambda event, args: _AUDIT["hook"](event, args))
        _AUDIT["installed"] = True
    _AUDIT["hook"], _AUDIT["on"] = hook, True
    try:
        yield seen
    finally:
        _AUDIT["on"] = False


_AUDIT = {"installed": False, "on": False, "hook": lambda event, args: None}


class KitProject:
    def __init__(self, engine, project_id: int, kit: bytes):
        self.engine, self.project_id, self.kit = engine, project_id, kit

    def __repr__(self) -> str:  # Hypothesis prints it with a failing example
        return f"KitProject(project {self.project_id}, an empty kit of {len(self.kit)} bytes)"


@pytest.fixture
def kit_project(tmp_path):
    from bidgeo.db import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'kit.sqlite'}")
    project = create_project(engine, "Fältkit", locality="Karhula")
    kit = walk_kit.export_kit(engine, project.id, tmp_path / "kit" / "faltkit.gpkg")
    yield KitProject(engine, project.id, Path(kit.gpkg).read_bytes())
    engine.dispose()


@FAST
@given(members=st.lists(st.tuples(hostile_names, st.binary(max_size=64)), max_size=6), with_kit=st.booleans(),
       kit_name=st.sampled_from(["faltkit.gpkg", "DCIM/../faltkit.gpkg", "sub/faltkit.gpkg", "../faltkit.gpkg"]))
def test_a_kit_zip_with_hostile_names_stays_in_its_folder(kit_project, members, with_kit, kit_name):
    engine, project_id, kit = kit_project.engine, kit_project.project_id, kit_project.kit
    entries = [*members, *([(kit_name, kit)] if with_kit else [])]
    names = [n for n, _ in entries]
    assume(len(set(names)) == len(names))
    sandbox = Path(tempfile.mkdtemp(prefix="bidgeo-prop-")) / "deep" / "er"
    sandbox.mkdir(parents=True)
    before = tempfile.tempdir
    tempfile.tempdir = str(sandbox)  # the kit's temporary folder is made in here
    try:
        with _writes_recorded() as written:
            try:
                report = walk_kit.import_upload(engine, project_id, _zip(entries), "kit.zip")
            except BidgeoError:
                report = None
    finally:
        tempfile.tempdir = before
    outside = [p for p in written if not Path(os.path.abspath(p)).is_relative_to(sandbox)]
    assert not outside, outside
    leftovers = [p for p in sandbox.parent.parent.rglob("*")]
    assert leftovers == [sandbox.parent, sandbox], leftovers  # nothing beside it, its temp folder gone
    if report is not None:
        assert report.errors == [] and report.imported == 0


# --- comments -------------------------------------------------------------------------------------
hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["<script>alert(1)</script>", "</script><script>alert(document.cookie)</script>",
                     '<img src=x onerror="alert(1)">', '"><svg onload=alert(1)>', "<SCRIPT SRC=//x.se/x.js>",
                     "javascript:alert(1)", "{{7*7}} ${7*7} %s %(x)s {0}", "\u2028\u2029</div>", "&lt;script&gt;",
                     "Åsa & Örjan's <b>torg</b>", "\x00nul", "`${alert(1)}`", "<!--", "]]>"]),
    st.lists(st.sampled_from(["<script>", "</script>", "<img", " onerror=", "alert(1)", "&", '"', "'", "\\",
                              "\n", "\t", "å", "😀", "\u202e"]), max_size=12).map("".join),
)
TAGS = ("<script", "<img", "<svg", "<iframe", "<b>", "<!--")


@pytest.fixture
def walk_for_comments(engine):
    project = create_project(engine, "Kommentarer", locality="Karhula")
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1))
    return engine, project.id, walk


@FAST
@given(comment=hostile_text, author=hostile_text)
def test_a_comment_is_kept_exactly_and_shown_escaped(walk_for_comments, comment, author):
    engine, project_id, walk = walk_for_comments
    assume(len(comment.strip()) <= walks.MAX_COMMENT)
    uuid = walks.new_uuid()
    values = {"focus_area": "place", "kind": "idea", "comment": comment, "author": author[:200], "lon": 26.95,
              "lat": 60.52, "position_source": "map"}
    assert walks.save_observation(engine, project_id, walk, uuid, values) == "created"
    saved = walks.observation(engine, uuid)
    assert saved["comment"] == walks.clean_text(comment)
    assert saved["author"] == walks.clean_text(author[:200])
    assert walks.save_observation(engine, project_id, walk, uuid, values) == "unchanged"  # a re-save is the same

    frame = walks.observations(engine, project_id, walk)
    page = maps.walk_map(None, "sv", observations=frame[frame["uuid"] == uuid]).get_root().render().lower()
    plain = maps.walk_map(None, "sv", observations=frame[frame["uuid"] == uuid].assign(comment="x")) \
        .get_root().render().lower()
    for tag in TAGS:
        assert page.count(tag) == plain.count(tag), tag


# --- OSM files (a project's extract, the services import) ----------------------------------------
CASES = (Path(__file__).parent / "data" / "taxonomy_cases.osm").read_bytes()
osm_names = st.sampled_from(["extract.osm", "extract.osm.pbf", "EXTRACT.OSM", "extract.pbf"])
xml_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
coordinate = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 90.0000001, -181, 1e308]))


def _read_osm(data: bytes, name: str):
    from bidgeo.osm import OsmData, read_osm

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            found = read_osm(path)
        except InputError as exc:
            assert exc.message() and exc.message("en")
            return None
    assert isinstance(found, OsmData)
    return found


@FAST
@given(data=st.binary(max_size=3000), name=osm_names)
def test_any_bytes_as_an_osm_file_read_or_say_why(data, name):
    _read_osm(data, name)


@FAST
@given(cuts=st.lists(st.tuples(st.integers(0, len(CASES)), st.binary(max_size=6)), max_size=4),
       truncate=st.integers(10, len(CASES)))
def test_a_damaged_osm_file_is_read_or_refused(cuts, truncate):
    data = bytearray(CASES[:truncate])
    for at, junk in cuts:
        data[at:at + len(junk)] = junk
    _read_osm(bytes(data), "extract.osm")


@FAST
@given(name=xml_text, lon=coordinate, lat=coordinate, amenity=st.sampled_from(["pharmacy", "school", "", "<b>"]),
       missing=st.booleans())
def test_hostile_osm_content_is_read_or_refused_and_names_are_kept(name, lon, lat, amenity, missing):
    """Names with markup or any Unicode, coordinates out of range or not numbers, ways that
    refer to nodes the file lacks."""
    from xml.sax.saxutils import quoteattr

    doc = (f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
           f'<node id="1" lat={quoteattr(str(lat))} lon={quoteattr(str(lon))}>'
           f'<tag k="amenity" v={quoteattr(amenity)}/><tag k="name" v={quoteattr(name)}/></node>'
           f'<node id="2" lat="60.52" lon="26.95"/><node id="3" lat="60.521" lon="26.951"/>'
           f'<way id="10"><nd ref="2"/><nd ref="{99 if missing else 3}"/><tag k="highway" v="footway"/></way>'
           f'</osm>').encode("utf-8")
    found = _read_osm(doc, "extract.osm")
    if found is not None and len(found.services):
        assert set(found.services["name"].dropna()) <= {name}  # verbatim, never rewritten


# --- population grids ------------------------------------------------------------------------------
grid_texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.tuples(numbers, numbers, numbers | st.text(max_size=5)), max_size=8).map(
        lambda rows: "x,y,population\n" + "\n".join(",".join(map(str, row)) for row in rows)),
)


@FAST
@given(text=grid_texts, name=st.sampled_from(["grid.csv", "grid.xlsx", "grid.gpkg", "grid.txt"]),
       crs=st.sampled_from([None, "EPSG:3006", "EPSG:4326", "nonsense"]))
def test_any_population_grid_reads_or_says_why(text, name, crs):
    from bidgeo import population

    try:
        cells = population.read_grid(text.encode("utf-8"), name, crs=crs)
    except BidgeoError as exc:
        assert exc.message() and exc.message("en")
        return
    assert {"lon", "lat", "population"} <= set(cells.columns)
    assert cells["lon"].between(-180, 180).all() and cells["lat"].between(-90, 90).all()
    assert (cells["population"] >= 0).all()


@cache
def _demo_pbf() -> bytes:
    from conftest import DEMO_OSM

    return DEMO_OSM.read_bytes()


@FAST
@given(changes=st.lists(st.tuples(st.integers(0, 300) | st.integers(0, 140_000), st.integers(0, 255)), max_size=8),
       keep=st.integers(0, 140_000) | st.none())
def test_any_damaged_pbf_is_counted_or_refused_quickly(changes, keep):
    """The demo's extract with bytes changed and its end cut: counted, or refused in the
    project's words, within a second (the counting reads no more than the blocks declare)."""
    import time

    from bidgeo import untrusted

    data = bytearray(_demo_pbf())
    for at, value in changes:
        data[at % len(data)] = value
    path = Path(tempfile.mkdtemp(prefix="bidgeo-pbf-")) / "x.osm.pbf"
    path.write_bytes(bytes(data[:keep] if keep is not None else data))
    started = time.monotonic()
    try:
        counts = untrusted.inspect_osm(path, path.name)
    except BidgeoError as exc:
        assert "x.osm.pbf" in exc.message() and exc.exit_code == 2
    else:
        assert set(counts) == {"nodes", "ways", "relations"} and min(counts.values()) >= 0
    finally:
        path.unlink()
        path.parent.rmdir()
    assert time.monotonic() - started < 1
