import re
from collections import Counter

import numpy as np
import pyogrio
import pytest
from pyproj import Geod

from bidgeo import categories
from bidgeo.errors import InputError
from bidgeo.osm import is_origin_building, is_walkable, read_osm
from conftest import CASES_OSM, DEMO_OSM


@pytest.fixture(scope="module")
def cases():
    return read_osm(CASES_OSM)


@pytest.fixture(scope="module")
def karhula():
    return read_osm(DEMO_OSM)


def test_hand_made_cases_give_the_taxonomys_counts(cases):
    # Worked out by hand from tests/data/taxonomy_cases.osm: nodes, closed ways and a
    # multipolygon relation count; an unclosed way, a type=boundary relation and
    # disused:/was: keys do not; bank+atm=yes counts twice, a double-tagged stop once.
    assert dict(Counter(cases.services["category"])) == {
        "grocery_full": 2, "grocery_partial": 2, "atm": 2, "bank": 2, "retail": 1,
        "alcohol": 1, "public_transport": 1, "pharmacy": 1, "post": 1, "toilets": 1,
        "school": 1, "library": 1, "culture_leisure": 1,
    }
    by_element = cases.services.set_index(["osm_type", "osm_id"])
    assert by_element.loc[("relation", 1), "name"] == "Biblioteket"
    assert ("way", 101) not in by_element.index  # unclosed way
    assert ("relation", 2) not in by_element.index  # type=boundary
    assert set(cases.services["source"]) == {"osm"}


def test_area_features_use_a_point_on_their_surface(cases):
    buildings = cases.buildings.set_index(["osm_type", "osm_id"])
    for osm_type, osm_id in [("way", 100), ("relation", 1)]:
        point = cases.services.query("osm_type == @osm_type and osm_id == @osm_id").geometry.iloc[0]
        assert buildings.loc[(osm_type, osm_id), "geometry"].contains(point)


def test_buildings_and_origins(cases):
    buildings = cases.buildings.set_index(["osm_type", "osm_id"])
    assert sorted(buildings.index) == [("relation", 1), ("way", 100), ("way", 102)]
    assert buildings["origin"].to_dict() == {("way", 100): True, ("way", 102): False, ("relation", 1): True}
    assert buildings.loc[("relation", 1), "geometry"].geom_type == "Polygon"


def test_walkable_network_of_the_cases(cases):
    # footway 30-31-32, cycleway 32-33 (shares node 32), service with foot=yes 34-35.
    assert sorted(cases.nodes.index) == [30, 31, 32, 33, 34, 35]
    assert sorted(map(tuple, cases.edges[["u", "v"]].to_numpy())) == [(30, 31), (31, 32), (32, 33), (34, 35)]
    walkable = cases.roads.set_index("osm_id")["walkable"].to_dict()
    assert walkable == {104: True, 105: False, 106: False, 107: True, 108: True, 109: False, 110: False}


@pytest.mark.parametrize(
    "tags, walkable",
    [
        ({"highway": "residential"}, True),
        ({"highway": "cycleway"}, True),
        ({"highway": "motorway_link"}, False),
        ({"highway": "proposed"}, False),
        ({"highway": "primary", "motorroad": "yes"}, False),
        ({"highway": "footway", "area": "yes"}, False),
        ({"highway": "track", "access": "no"}, False),
        ({"highway": "track", "access": "no", "foot": "designated"}, True),
        ({"highway": "track", "access": "private", "foot": "permissive"}, True),
        ({"highway": "track", "access": "private", "foot": "private"}, False),
        ({"highway": "path", "foot": "no"}, False),
        ({"railway": "rail"}, False),
    ],
)
def test_walkable_rule(tags, walkable):
    assert is_walkable(tags) is walkable


def test_origin_rule():
    assert is_origin_building({"building": "yes"})
    assert is_origin_building({"building": "house"})
    assert not is_origin_building({"building": "shed"})
    assert not is_origin_building({"building": "transformer_tower"})
    assert not is_origin_building({"amenity": "school"})


def test_edge_lengths_agree_with_geodesic_distances(karhula):
    geod = Geod(ellps="WGS84")
    u = karhula.nodes.loc[karhula.edges["u"]]
    v = karhula.nodes.loc[karhula.edges["v"]]
    _, _, geodesic = geod.inv(u["lon"].to_numpy(), u["lat"].to_numpy(), v["lon"].to_numpy(), v["lat"].to_numpy())
    assert len(karhula.edges) > 1000
    np.testing.assert_allclose(karhula.edges["length_m"].to_numpy(), geodesic, rtol=1e-3, atol=0.05)


def _gdal_tags(row, columns):
    tags = {c: row[c] for c in columns if c not in ("osm_id", "osm_way_id", "other_tags", "z_order")
            and isinstance(row[c], str)}
    if isinstance(row.get("other_tags"), str):
        tags.update(re.findall(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"', row["other_tags"]))
    return tags


def test_karhula_counts_agree_with_gdals_independent_osm_reader(karhula):
    """GDAL's OSM driver assembles the same file on its own; classifying what it reads
    (points, multipolygons, closed lines) must give the same per-category counts."""
    expected = Counter()
    for layer in ("points", "multipolygons", "lines"):
        frame = pyogrio.read_dataframe(DEMO_OSM, layer=layer, on_invalid="ignore")
        for _, row in frame.iterrows():
            if layer == "lines" and not (row.geometry is not None and row.geometry.is_closed):
                continue
            expected.update(categories.classify(_gdal_tags(row, frame.columns.drop("geometry"))))
    assert Counter(karhula.services["category"]) == expected
    assert sum(expected.values()) == 43


def test_karhula_has_buildings_and_a_network(karhula):
    assert len(karhula.buildings) == 2191
    assert karhula.buildings["origin"].sum() == 2159
    assert len(karhula.nodes) > 1000
    assert karhula.sha256 and len(karhula.sha256) == 64


def test_unreadable_and_unsupported_files(tmp_path):
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"this is not a protobuf file at all" * 10)
    with pytest.raises(InputError) as err:
        read_osm(broken)
    assert err.value.key == "osm_unreadable"
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(InputError) as err:
        read_osm(text)
    assert err.value.key == "osm_unsupported"
    with pytest.raises(InputError) as err:
        read_osm(tmp_path / "missing.osm")
    assert err.value.key == "osm_missing"
    assert "finns inte" in err.value.message("sv")
