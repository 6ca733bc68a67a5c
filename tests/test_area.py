"""Boundary checks: every code of `area check` (docs/spec/cli.md) on realistic files in every
supported format, hostile files, measurements, and repair."""

from __future__ import annotations

import io
import json
import math
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Polygon, box

from bidgeo import area

# Rättvik's centre (Dalarna), as a BID area of about 20 ha, and the same in SWEREF 99 TM.
RATTVIK = [(15.1080, 60.8840), (15.1160, 60.8840), (15.1170, 60.8870), (15.1120, 60.8890),
           (15.1075, 60.8870), (15.1080, 60.8840)]
TO_SWEREF = Transformer.from_crs(4326, 3006, always_xy=True)
RATTVIK_SWEREF = [TO_SWEREF.transform(x, y) for x, y in RATTVIK]


def geojson(coordinates, kind="Polygon", crs=None, properties=None) -> bytes:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties or {"namn": "Centrum"},
         "geometry": {"type": kind, "coordinates": coordinates}}]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


def kml(rings_text: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>BID Rättvik</name>
<Placemark><name>Centrum</name>{rings_text}</Placemark></Document></kml>""".encode()


def kml_polygon(coords, altitude=None) -> str:
    text = " ".join(f"{x},{y}" + (f",{altitude}" if altitude is not None else "") for x, y in coords)
    return f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{text}</coordinates></LinearRing></outerBoundaryIs></Polygon>"


def codes(check) -> tuple[list[str], list[str]]:
    return [e.code for e in check.errors], [w.code for w in check.warnings]


def check(data: bytes, name: str = "area.geojson"):
    return area.check_bytes(data, name)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


def shapefile_zip(tmp_path: Path, frame: gpd.GeoDataFrame, keep_prj: bool = True) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "bid.shp")
    return zipped({f"BID/{p.name}": p.read_bytes() for p in folder.iterdir()
                   if keep_prj or p.suffix != ".prj"})


def test_a_good_boundary_is_measured_in_sweref():
    result = check(geojson([RATTVIK]))
    assert codes(result) == ([], [])
    assert result.valid and result.vertices == 5
    expected = gpd.GeoSeries([Polygon(RATTVIK)], crs=4326).to_crs(3006)
    assert result.area_m2 == pytest.approx(expected.area[0], rel=1e-3)
    assert result.perimeter_m == pytest.approx(expected.length[0], rel=1e-3)
    assert result.to_json()["area_m2"] == round(result.area_m2, 1)


def test_area_agrees_with_an_independent_sweref_computation_everywhere_in_sweden():
    for lon, lat in [(13.0, 55.6), (18.07, 59.33), (20.22, 67.85), (11.97, 57.7)]:
        square = box(lon, lat, lon + 0.01, lat + 0.005)
        result = area.check_geometry(square)
        x, y = TO_SWEREF.transform(*square.exterior.xy)
        independent = Polygon(zip(x, y))
        assert result.area_m2 == pytest.approx(independent.area, rel=1e-3)
        assert result.perimeter_m == pytest.approx(independent.length, rel=1e-3)


@pytest.mark.parametrize("name, data", [
    ("bid.geojson", geojson([RATTVIK])),
    ("bid.json", json.dumps({"type": "Polygon", "coordinates": [RATTVIK]}).encode()),
    ("bid.geojson", geojson([RATTVIK_SWEREF], crs="urn:ogc:def:crs:EPSG::3006")),
    ("bid.geojson", geojson([RATTVIK_SWEREF], crs="EPSG:3006")),
    ("bid.kml", kml(kml_polygon(RATTVIK))),
    ("bid.kmz", zipped({"doc.kml": kml(kml_polygon(RATTVIK))})),
])
def test_formats_and_crs_give_the_same_area(name, data):
    result = check(data, name)
    assert result.valid, result.errors
    assert result.area_m2 == pytest.approx(check(geojson([RATTVIK])).area_m2, rel=1e-4)


def test_geopackage_and_zipped_shapefile_in_sweref(tmp_path):
    frame = gpd.GeoDataFrame({"namn": ["Centrum"]}, geometry=[Polygon(RATTVIK)], crs=4326).to_crs(3006)
    reference = check(geojson([RATTVIK])).area_m2
    frame.to_file(tmp_path / "bid.gpkg", driver="GPKG")
    result = check((tmp_path / "bid.gpkg").read_bytes(), "bid.gpkg")
    assert result.valid and result.area_m2 == pytest.approx(reference, rel=1e-4)
    result = check(shapefile_zip(tmp_path, frame), "bid.zip")
    assert result.valid and result.area_m2 == pytest.approx(reference, rel=1e-4)


def test_shapefile_without_prj_in_metres_says_so(tmp_path):
    frame = gpd.GeoDataFrame({"namn": ["Centrum"]}, geometry=[Polygon(RATTVIK_SWEREF)], crs=3006)
    assert codes(check(shapefile_zip(tmp_path, frame, keep_prj=False), "bid.zip"))[0] == ["projected_without_crs"]


@pytest.mark.parametrize("data, name, error", [
    (b"", "bid.geojson", "empty"),
    (b"   \n", "bid.kml", "empty"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "bid.geojson", "empty"),
    (b"{not json", "bid.geojson", "unreadable"),
    (json.dumps({"type": "Polygon", "coordinates": [[["15", "60"]]]}).encode(), "bid.geojson", "unreadable"),
    (b"PK\x03\x04 broken", "bid.zip", "unreadable"),
    (b"SQLite format 3\x00 garbage", "bid.gpkg", "unreadable"),
    (b"<kml><Placemark>", "bid.kml", "unreadable"),
    (b"hello", "bid.txt", "unsupported_format"),
    (b"\x00\x00\x27\x0a", "bid.shp", "unsupported_format"),
    (geojson([15.1, 60.88], kind="Point"), "bid.geojson", "not_polygon"),
    (geojson(RATTVIK, kind="LineString"), "bid.geojson", "not_polygon"),
    (geojson([[[15.1, 60.88], [15.11, 60.88], [15.1, 60.88]]]), "bid.geojson", "too_few_points"),
    (geojson([[[15.1, 60.88], [15.11, 60.88]]]), "bid.geojson", "too_few_points"),
    (geojson([RATTVIK[:-1]]), "bid.geojson", "unclosed_ring"),
    (kml(kml_polygon(RATTVIK[:-1])), "bid.kml", "unclosed_ring"),
    (geojson([[[15.0, 60.0], [15.01, 60.01], [15.01, 60.0], [15.0, 60.01], [15.0, 60.0]]]),
     "bid.geojson", "self_intersection"),
    (geojson([[(x + 300, y) for x, y in RATTVIK]]), "bid.geojson", "out_of_range"),
    (geojson([[(y, x) for x, y in RATTVIK]]), "bid.geojson", "swapped_axes"),
    (geojson([RATTVIK_SWEREF]), "bid.geojson", "projected_without_crs"),
    (geojson([[(14.5, 60.5), (15.5, 60.5), (15.5, 61.0), (14.5, 61.0), (14.5, 60.5)]]), "bid.geojson", "too_large"),
])
def test_error_codes(data, name, error):
    result = check(data, name)
    assert codes(result)[0] == [error]
    assert not result.valid
    assert result.errors[0].message("sv") and result.errors[0].message("en")


def test_swapped_axes_in_the_north_and_south():
    for lon, lat in [(20.22, 67.85), (13.0, 55.6)]:
        square = [(lat, lon), (lat + 0.003, lon), (lat + 0.003, lon + 0.005), (lat, lon + 0.005), (lat, lon)]
        assert codes(check(geojson([square])))[0] == ["swapped_axes"]


def test_self_intersection_gives_its_location_and_can_be_repaired():
    bowtie = [[15.0, 60.0], [15.01, 60.01], [15.01, 60.0], [15.0, 60.01], [15.0, 60.0]]
    result = check(geojson([bowtie]))
    assert result.crossings == [(15.005, 60.005)]
    assert "60.00500 N, 15.00500 E" in result.errors[0].message("sv")
    assert result.repairable and result.area_m2 is None
    fixed = area.repair(result.geometry)
    assert fixed.valid and codes(fixed)[1] == ["multipart"]
    # two triangles, each a quarter of the square's area
    square = area.check_geometry(box(15.0, 60.0, 15.01, 60.01))
    assert fixed.area_m2 == pytest.approx(square.area_m2 / 2, rel=1e-3)


def test_several_crossings_are_all_found():
    zigzag = [(15.0, 60.0), (15.02, 60.0), (15.0, 60.01), (15.02, 60.01), (15.0, 60.02), (15.02, 60.02),
              (15.01, 60.03), (15.0, 60.0)]
    result = check(geojson([zigzag]))
    assert codes(result)[0] == ["self_intersection"]
    assert len(result.crossings) >= 3


@pytest.mark.parametrize("data, warnings", [
    (geojson([[(x + 11.7, y - 0.9) for x, y in RATTVIK]]), ["outside_sweden"]),  # Finland
    (geojson([[(15.0, 60.0), (15.05, 60.0), (15.05, 60.03), (15.0, 60.03), (15.0, 60.0)]]), ["large_area"]),
    (geojson([[(15.1, 60.88), (15.1005, 60.88), (15.1005, 60.8803), (15.1, 60.8803), (15.1, 60.88)]]), ["small_area"]),
    (geojson([[RATTVIK], [[(x + 0.02, y) for x, y in RATTVIK]]], kind="MultiPolygon"), ["multipart"]),
    (geojson([[(x, y, 160.0) for x, y in RATTVIK]]), ["has_z"]),
    (kml(kml_polygon(RATTVIK, altitude=0)), ["has_z"]),
])
def test_warning_codes(data, warnings):
    name = "bid.kml" if data.startswith(b"<?xml") else "bid.geojson"
    result = check(data, name)
    assert result.valid
    assert codes(result)[1] == warnings


def test_points_beside_the_polygon_are_reported_not_silently_dropped():
    doc = json.loads(geojson([RATTVIK]))
    doc["features"].append({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [15.11, 60.885]}})
    result = check(json.dumps(doc).encode())
    assert result.valid and codes(result)[1] == ["ignored_non_polygons"]


def test_a_huge_polygon_is_simplified_quickly():
    n = 300_000
    ring = [(15.11 + 0.004 * math.cos(2 * math.pi * i / n), 60.886 + 0.002 * math.sin(2 * math.pi * i / n))
            for i in range(n)]
    ring.append(ring[0])
    data = geojson([ring])
    start = time.perf_counter()
    result = check(data)
    assert time.perf_counter() - start < 20
    assert result.valid and codes(result)[1] == ["simplified"]
    assert result.vertices <= area.MAX_VERTICES
    assert result.warnings[0].params["before"] == n
    unsimplified = gpd.GeoSeries([Polygon(ring)], crs=4326).to_crs(3006).area[0]
    assert result.area_m2 == pytest.approx(unsimplified, rel=1e-3)


def test_too_big_a_file():
    data = geojson([RATTVIK]) + b" " * (area.MAX_FILE_BYTES + 1)
    assert codes(check(data))[0] == ["too_big_file"]


def test_zip_bomb_is_refused_before_extraction():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bid.shp", b"\0" * (area.MAX_ZIP_BYTES + 1024))
    data = buffer.getvalue()
    assert len(data) < 1_000_000  # small on disk, huge inflated
    assert codes(check(data, "bid.zip"))[0] == ["too_big_file"]


def test_zip_that_lies_about_its_size_is_stopped_while_extracting(monkeypatch):
    monkeypatch.setattr(area, "MAX_ZIP_BYTES", 10_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bid.shp", b"\0" * 50_000)
    raw = bytearray(buffer.getvalue())
    # Rewrite the declared uncompressed size (local header and central directory) to 100 bytes.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature)
        raw[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
    result = check(bytes(raw), "bid.zip")
    assert codes(result)[0] in (["too_big_file"], ["unreadable"])


@pytest.mark.parametrize("member", ["../../etc/bid.shp", "/tmp/bid.shp", "..\\bid.shp", "C:/bid.shp"])
def test_zip_members_with_unsafe_paths(member):
    result = check(zipped({member: b"x"}), "bid.zip")
    assert codes(result)[0] == ["unreadable"]
    assert "unsafe path" in result.errors[0].message("en")


def test_zip_without_a_shapefile():
    assert codes(check(zipped({"readme.txt": b"hej"}), "bid.zip"))[0] == ["unreadable"]


@pytest.mark.parametrize("payload", [
    # billion laughs
    """<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
    <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
    <kml><Placemark><name>&d;</name></Placemark></kml>""",
    # external entity
    """<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <kml><Placemark><name>&xxe;</name></Placemark></kml>""",
])
def test_xml_entities_are_refused(payload):
    result = check(payload.encode(), "bid.kml")
    assert codes(result)[0] == ["unreadable"]
    assert "root:" not in result.errors[0].message("en")


def test_geometry_from_the_map_widget():
    drawn = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [RATTVIK]}}]}
    result = area.check_geojson(drawn)
    assert result.valid and result.vertices == 5


def test_read_area_raises_typed_errors(tmp_path):
    from bidgeo.errors import InputError, ValidationError

    good = tmp_path / "bid.geojson"
    good.write_bytes(geojson([RATTVIK]))
    assert area.read_area(good).area > 0
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(geojson([RATTVIK[:-1]]))
    with pytest.raises(ValidationError):
        area.read_area(bad)
    with pytest.raises(InputError):
        area.read_area(tmp_path / "missing.geojson")
