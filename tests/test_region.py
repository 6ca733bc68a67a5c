"""The regional comparison (issue 18) on a small generated region (benchmarks/county.py, made
once in pytest's cache): results against an independent computation with networkx, and
`bidgeo region` as a user runs it (every format, every kind of bad input, --force)."""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from bidgeo import categories, region
from bidgeo.geo import utm_crs
from test_cli import bidgeo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from county import county  # noqa: E402

CACHE = REPO / ".pytest_cache" / "d"
KEYS = ["grocery_full", "fuel", "pharmacy", "public_transport"]
WALKABLE_OUT = {"motorway", "motorway_link", "construction", "proposed", "planned", "abandoned", "razed",
                "raceway", "bus_guideway", "escape"}
DRIVABLE = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
            "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
            "service", "road"}


@pytest.fixture(scope="module")
def files():
    return county(CACHE, "small")


def _walkable(tags):  # walking-distance.md rule 1, written out again
    if "highway" not in tags or tags["highway"] in WALKABLE_OUT:
        return False
    if tags.get("foot") == "no" or tags.get("motorroad") == "yes" or tags.get("area") == "yes":
        return False
    return not (tags.get("access") in ("private", "no") and tags.get("foot") not in ("yes", "designated", "permissive"))


def _drivable(tags):  # driving-distance.md rule 1
    if tags.get("highway") not in DRIVABLE or tags.get("area") == "yes":
        return False
    if "no" in (tags.get("motor_vehicle"), tags.get("motorcar")):
        return False
    ok = {"yes", "designated", "permissive"}
    if tags.get("access") in ("private", "no") and not ({tags.get("motor_vehicle"), tags.get("motorcar")} & ok):
        return False
    return tags.get("service") not in ("parking_aisle", "drive-through")


def _independent(osm: Path, localities: gpd.GeoDataFrame, mode: str, keys: list[str]) -> dict:
    """Per locality and category the median and the share of buildings within each band,
    computed with networkx from the file as the definitions say."""
    locations, ways, buildings, services, way_coords = {}, [], [], [], {}
    for obj in osmium.FileProcessor(str(osm)).with_locations():
        tags = dict(obj.tags)
        if obj.is_node():
            locations[obj.id] = (obj.location.lon, obj.location.lat)
            for key in categories.classify(tags):
                services.append((key, obj.location.lon, obj.location.lat))
        elif obj.is_way():
            refs = [n.ref for n in obj.nodes]
            way_coords[obj.id] = [locations[r] for r in refs]
            if (_walkable if mode == "walk" else _drivable)(tags):
                ways.append(refs)
            if "building" in tags and obj.is_closed():
                polygon = shapely.Polygon([locations[r] for r in refs])
                point = polygon.representative_point()
                if tags["building"] not in ("garage", "shed", "barn", "roof", "hut"):
                    buildings.append((point.x, point.y))
                for key in categories.classify(tags):
                    services.append((key, point.x, point.y))
        elif tags.get("type") == "multipolygon" and "building" in tags:
            rings = {m.role: way_coords[m.ref] for m in obj.members}
            point = shapely.Polygon(rings["outer"], [rings["inner"]]).representative_point()
            buildings.append((point.x, point.y))
    graph = nx.Graph()
    all_nodes = {r for refs in ways for r in refs}
    lon0, lat0 = np.median([locations[r] for r in all_nodes], axis=0)
    to_m = Transformer.from_crs(4326, utm_crs(lon0, lat0), always_xy=True)
    xy = {r: to_m.transform(*locations[r]) for r in all_nodes}
    for refs in ways:
        for a, b in zip(refs, refs[1:]):
            if a != b:
                length = float(np.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1]))
                if not graph.has_edge(a, b) or graph[a][b]["length"] > length:
                    graph.add_edge(a, b, length=length)
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    ids = np.array(list(graph.nodes))
    coords = np.array([xy[i] for i in ids])

    def snap(lon, lat):
        x, y = to_m.transform(lon, lat)
        d = np.hypot(coords[:, 0] - x, coords[:, 1] - y)
        return int(ids[d.argmin()]), float(d.min())

    points = buildings
    origins = [snap(lon, lat) for lon, lat in points]
    owner = [next((i for i, g in enumerate(localities.geometry) if g.intersects(shapely.Point(p))), -1) for p in points]
    result = {}
    for key in keys:
        g = graph.copy()
        for category, lon, lat in services:
            if category == key:
                node, d = snap(lon, lat)
                if not g.has_edge("src", node) or g["src"][node]["length"] > d:
                    g.add_edge("src", node, length=d)
        reached = nx.single_source_dijkstra_path_length(g, "src", weight="length") if "src" in g else {}
        distance = np.array([reached.get(n, np.inf) + s for n, s in origins])
        for i in range(len(localities)):
            mine = distance[np.array(owner) == i]
            finite = mine[np.isfinite(mine)]
            result[(i, key)] = (float(np.median(finite)) if len(finite) else None, mine)
    return result


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_results_match_networkx(files, mode):
    localities = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    compiled = region.compile_region(files["osm"])
    result = region.analyse(compiled, localities, mode, keys=KEYS).summary()
    expected = _independent(files["osm"], localities.frame, mode, KEYS)
    assert [g["name"] for g in result["localities"]] == ["Centrum", "Östby", "Västby", "Tomby"]
    for i, group in enumerate(result["localities"]):
        assert group["origins"] == len(expected[(i, KEYS[0])][1]) > 0
        for key in KEYS:
            median, distances = expected[(i, key)]
            got = group["categories"][key]
            assert got["median_m"] == pytest.approx(median, abs=0.11)
            for band in result["bands"]:
                assert got["share_within"][str(band)] == pytest.approx((distances <= band).mean(), abs=1e-4)
    if mode == "drive":
        assert result["hinterland"]["origins"] > 50
        assert result["hinterland"]["categories"]["fuel"]["share_within"]["20000"] > 0.5
    else:
        assert result["hinterland"] is None and result["band_minutes"] == {"400": 5.0, "800": 10.0, "1200": 15.0}


def test_a_real_cut_extract_gives_the_project_pages_numbers(bidgeo_home):
    """On the demo's real extract, cut at its edges (buildings and a school whose outlines
    the cut leaves open), the regional run for the demo's BID area gives the numbers the
    project's pages give for it: the same origins, medians and shares on foot."""
    from bidgeo import coverage

    demo = REPO / "data" / "demo" / "karhula_kotka_fi.osm.pbf"
    centre = demo.with_name("karhula_centrum.geojson")
    compiled = region.compile_region(demo)
    net = coverage.network_for(demo)
    assert len(compiled.origins) == len(net.origin_node) == 2159  # 2,139 whole buildings and 20 cut ones
    assert compiled.services["category"].value_counts().to_dict() == net.services["category"].value_counts().to_dict()
    localities = region.read_localities(centre.read_bytes(), centre.name, "namn")
    got = region.analyse(compiled, localities, "walk").summary()["localities"][0]
    expected = coverage.coverage(net, origins=coverage.origins_within(net, localities.frame.geometry.iloc[0])).summary()
    assert got["origins"] == expected["origins"] > 100
    for key, value in expected["categories"].items():
        mine = got["categories"][key]
        assert mine["median_m"] == pytest.approx(value["median_m"], abs=0.11), key
        assert mine["share_within"] == pytest.approx(value["share_within"], abs=1e-4), key


def test_a_project_of_a_locality_counts_what_the_region_counts(files, bidgeo_home):
    """A project made of a locality (its extract clipped from the region's) holds the
    locality's buildings, the multipolygon one with a courtyard too, and its services: its
    coverage of the locality is the regional figure."""
    from bidgeo import coverage
    from bidgeo.db import open_store

    localities = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    centrum = localities.frame.set_index("name").geometry["Centrum"]
    expected = region.analyse(region.compile_region(files["osm"]), localities, "walk", keys=KEYS).summary()
    expected = next(g for g in expected["localities"] if g["name"] == "Centrum")
    engine = open_store(f"sqlite:///{bidgeo_home / 'bidgeo.sqlite'}")
    project = region.make_project(engine, files["osm"], "Centrum", centrum)
    net = coverage.project_network(engine, project)
    inside = coverage.origins_within(net, centrum)
    assert "relation/1" in set(net.origin_osm[inside])  # the courtyard building
    got = coverage.coverage(net, keys=KEYS, origins=inside).summary()
    assert got["origins"] == expected["origins"] > 100
    for key in ("grocery_full", "public_transport"):  # those the locality has: the nearest is near
        assert expected["categories"][key]["services"] > 0
        assert got["categories"][key]["median_m"] == pytest.approx(expected["categories"][key]["median_m"], abs=0.11)
        assert got["categories"][key]["share_within"] == pytest.approx(expected["categories"][key]["share_within"],
                                                                        abs=1e-4)
    engine.dispose()


def test_second_run_reads_the_cache(files, bidgeo_home, monkeypatch):
    first = region.compile_region(files["osm"])
    assert (bidgeo_home / "cache" / "region" / f"{first.sha256}-v{region.CACHE_VERSION}.npz").is_file()

    def no_parsing(*args):
        raise AssertionError("the extract was parsed again")

    places = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    grid = region.read_population(files["population"].read_bytes(), "population.gpkg", "beftotalt", ["bef_65plus"])
    monkeypatch.setattr(region, "_read", no_parsing)
    monkeypatch.setattr(region, "in_worker", no_parsing)
    monkeypatch.setattr("bidgeo.population.in_worker", no_parsing)
    again = region.compile_region(files["osm"])
    assert again.bounds == first.bounds and again.services.to_dict("list") == first.services.to_dict("list")
    kept = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    assert list(kept.frame["name"]) == list(places.frame["name"]) and kept.warnings == places.warnings
    assert kept.frame.geometry.equals(places.frame.geometry)
    assert region.read_population(files["population"].read_bytes(), "population.gpkg", "beftotalt",
                                  ["bef_65plus"]).cells.equals(grid.cells)
    with pytest.raises(AssertionError):  # another name field is read anew
        region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "kommun")
    for mode in region.MODES:
        assert np.array_equal(again.networks[mode].indices, first.networks[mode].indices)
        for key, values in first.node_distances[mode].items():
            assert np.array_equal(again.node_distances[mode][key], values, equal_nan=True)


def test_population_and_age_groups(files):
    localities = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    population = region.read_population(files["population"].read_bytes(), "population.gpkg", "beftotalt",
                                        ["bef_65plus", "bef_80plus"])
    result = region.analyse(region.compile_region(files["osm"]), localities, "drive", keys=["pharmacy"],
                            population=population).summary()
    grid = gpd.read_file(files["population"]).to_crs(4326)
    for group, boundary in zip(result["localities"], localities.frame.geometry):
        inside = grid[grid.geometry.within(boundary)]
        assert group["population"] == pytest.approx(inside["beftotalt"].sum())
        shares = group["categories"]["pharmacy"]
        assert set(shares["age_share_within"]) == {"bef_65plus", "bef_80plus"}
        assert all(0 <= v <= 1 for v in shares["population_share_within"].values())
    total = grid["beftotalt"].sum()
    assert sum(g["population"] for g in result["localities"]) + result["hinterland"]["population"] == \
        pytest.approx(total)


def _files_with(tmp_path, files, frame: gpd.GeoDataFrame, name="localities.gpkg") -> Path:
    path = tmp_path / name
    frame.to_file(path, driver="GPKG" if name.endswith(".gpkg") else "GeoJSON")
    return path


def test_cli_every_format_and_force(files, tmp_path):
    base = ["region", files["osm"], "--localities", files["localities"], "--name-field", "tatort"]
    out = bidgeo(*base, "--categories", "fuel,pharmacy")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["mode"] == "walk" and data["bands"] == [400, 800, 1200]
    first = data["localities"][0]
    assert set(first) >= {"name", "origins", "population", "categories"} and first["population"] is None
    assert set(first["categories"]["fuel"]) >= {"services", "median_m", "share_within", "population_share_within"}
    assert "omräknade" in out.stderr or "räknats om" in out.stderr  # SWEREF 99 TM to WGS 84, said

    csv_out = bidgeo(*base, "--mode", "drive", "--categories", "fuel", "--format", "csv",
                     "--population", files["population"], "--age-fields", "bef_65plus")
    assert csv_out.returncode == 0, csv_out.stderr
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert [r["locality"] for r in rows][-1] == "Landsbygden (utanför orterna)"
    assert {"within_20000", "population_within_20000", "bef_65plus_within_20000"} <= set(rows[0])

    gpkg = tmp_path / "region.gpkg"
    assert bidgeo(*base, "--format", "gpkg").returncode == 2  # a GeoPackage needs --out
    made = bidgeo(*base, "--format", "gpkg", "--out", gpkg, "--categories", "fuel")
    assert made.returncode == 0, made.stderr
    layer = gpd.read_file(gpkg, layer="localities")
    assert list(layer["name"]) == ["Centrum", "Östby", "Västby", "Tomby"] and "fuel_within_400" in layer
    again = bidgeo(*base, "--format", "gpkg", "--out", gpkg)
    assert again.returncode == 2 and "--force" in again.stderr
    assert bidgeo(*base, "--format", "gpkg", "--out", gpkg, "--force", "--categories", "fuel").returncode == 0

    minutes = json.loads(bidgeo(*base, "--minutes", "5,10", "--speed", "60", "--categories", "fuel").stdout)
    assert minutes["bands"] == [300, 600] and minutes["band_minutes"] == {"300": 5.0, "600": 10.0}


def test_cli_bad_input(files, tmp_path):
    frame = gpd.read_file(files["localities"])
    base = ["region", files["osm"], "--categories", "fuel"]

    wrong = bidgeo(*base, "--localities", files["localities"], "--name-field", "ortnamn")
    assert wrong.returncode == 1 and "tatort" in wrong.stderr and "kommun" in wrong.stderr

    bowtie = frame.copy()  # Tomby's boundary crossing itself, Östby overlapping Centrum
    x0, y0, x1, y1 = bowtie.geometry[3].bounds
    bowtie.loc[3, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    bowtie.loc[1, "geometry"] = bowtie.geometry[1].union(bowtie.geometry[0].buffer(-200).envelope)
    path = _files_with(tmp_path, files, bowtie)
    repaired = bidgeo(*base, "--localities", path, "--name-field", "tatort")
    assert repaired.returncode == 0, repaired.stderr
    assert "Tomby" in repaired.stderr and "reparerats" in repaired.stderr
    assert "Centrum och Östby överlappar" in repaired.stderr

    far = frame.copy()
    far.loc[len(far)] = {"tatort": "Kiruna", "kommun": "Kiruna", "geometry": shapely.box(900_000, 7_500_000,
                                                                                         905_000, 7_505_000)}
    far = gpd.GeoDataFrame(far, geometry="geometry", crs=frame.crs)
    outside = bidgeo(*base, "--localities", _files_with(tmp_path, files, far, "far.gpkg"), "--name-field", "tatort")
    assert outside.returncode == 1 and "Kiruna" in outside.stderr and "täcker inte" in outside.stderr

    empty = frame.to_crs(4326)  # GeoJSON in WGS 84, with a field inside the extract and no building on it
    origins = region.compile_region(files["osm"]).origins
    x0, y0, x1, y1 = origins[:, 0].min(), origins[:, 1].min(), origins[:, 0].max(), origins[:, 1].max()
    spot = next((x, y) for x in np.linspace(x0, x1, 40) for y in np.linspace(y0, y1, 40)
                if np.hypot((origins[:, 0] - x) * 0.5, origins[:, 1] - y).min() > 0.005)
    empty.loc[len(empty)] = {"tatort": "Skogen", "kommun": "x", "geometry": shapely.Point(spot).buffer(0.002)}
    geojson = _files_with(tmp_path, files, gpd.GeoDataFrame(empty, crs=4326), "orter.geojson")
    out = bidgeo(*base, "--localities", geojson, "--name-field", "tatort", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = [r for r in csv.DictReader(io.StringIO(out.stdout)) if r["locality"] == "Skogen"]
    assert rows and rows[0]["origins"] == "0" and rows[0]["note"] == "inga byggnader inom orten"
    assert "Skogen" in out.stderr

    shp = tmp_path / "orter.shp"
    frame.to_file(shp)
    archive = tmp_path / "orter.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("orter.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    zipped = bidgeo(*base, "--localities", archive, "--name-field", "tatort")
    assert zipped.returncode == 0, zipped.stderr
    assert len(json.loads(zipped.stdout)["localities"]) == 4

    junk = tmp_path / "orter.gpkg"
    junk.write_bytes(b"not a geopackage")
    assert bidgeo(*base, "--localities", junk).returncode == 2
    assert bidgeo(*base, "--localities", tmp_path / "saknas.gpkg").returncode == 2
    assert bidgeo("region", tmp_path / "saknas.osm.pbf", "--localities", files["localities"]).returncode == 2
    assert bidgeo(*base, "--localities", files["localities"], "--speed", "fort").returncode == 1
