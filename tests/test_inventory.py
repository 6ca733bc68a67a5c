"""Snapshots and corrections of the service inventory, on SQLite and PostGIS."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from bidgeo import inventory
from bidgeo.errors import ValidationError
from bidgeo.projects import create_project, list_projects, replace_osm, service_points
from conftest import CASES_OSM, DATA


@pytest.fixture
def byn(engine):
    return create_project(engine, "Byn", osm_path=CASES_OSM)


def test_each_import_is_a_snapshot_and_the_newest_is_the_inventory(engine, byn, tmp_path):
    assert inventory.snapshots(engine, byn.id)["count"].tolist() == [17]
    # A newer extract: the supermarket node 1 has closed, a pharmacy node 99 has opened.
    text = CASES_OSM.read_text("utf-8")
    text = text.replace('<tag k="shop" v="supermarket"/>\n    <tag k="name" v="Ica Nära"/>',
                        '<tag k="disused:shop" v="supermarket"/>\n    <tag k="name" v="Ica Nära"/>', 1)
    text = text.replace("</osm>", '  <node id="99" version="1" lat="60.6050" lon="15.6050">\n'
                                  '    <tag k="amenity" v="pharmacy"/>\n    <tag k="name" v="Nya apoteket"/>\n'
                                  '  </node>\n</osm>')
    newer = tmp_path / "byn-2026.osm"
    newer.write_text(text, "utf-8")
    replace_osm(engine, byn.id, newer)
    assert inventory.snapshots(engine, byn.id)["count"].tolist() == [17, 17]
    new, gone = inventory.changes(engine, byn.id)
    assert list(zip(new["osm_id"], new["category"])) == [(99, "pharmacy")]
    assert list(zip(gone["osm_id"], gone["category"])) == [(1, "grocery_full")]
    assert len(service_points(engine, byn.id)) == 17
    assert [p.service_count for p in list_projects(engine)] == [17]


def test_corrections_survive_a_reimport(engine, byn):
    inventory.correct(engine, byn.id, "add", category="post", name="Paketombud hos Nisse",
                      point=Point(15.6045, 60.6025), author="Anna")
    inventory.correct(engine, byn.id, "close", osm_type="node", osm_id=7, note="Stängde i maj")
    inventory.correct(engine, byn.id, "category", osm_type="node", osm_id=10, category="grocery_full")
    inventory.correct(engine, byn.id, "move", osm_type="way", osm_id=100, point=Point(15.6012, 60.6012))

    def check():
        points = service_points(engine, byn.id)
        assert 7 not in set(points["osm_id"])  # closed
        added = points[points["source"] == "manual"]
        assert added[["category", "name"]].values.tolist() == [["post", "Paketombud hos Nisse"]]
        handlarn = points[(points["osm_type"] == "node") & (points["osm_id"] == 10)]
        assert handlarn["category"].tolist() == ["grocery_full"]  # both its rows became one
        coop = points[(points["osm_type"] == "way") & (points["osm_id"] == 100)].geometry.iloc[0]
        assert (round(coop.x, 4), round(coop.y, 4)) == (15.6012, 60.6012)
        assert len(points) == 17 + 1 - 1 - 1

    check()
    replace_osm(engine, byn.id, CASES_OSM)  # a fresh import of the same data
    assert len(inventory.snapshots(engine, byn.id)) == 2
    check()


def test_bad_corrections_are_refused(engine, byn):
    with pytest.raises(ValidationError):
        inventory.correct(engine, byn.id, "add", category="glass", point=Point(15.6, 60.6))
    with pytest.raises(ValidationError) as err:
        inventory.correct(engine, byn.id, "move", osm_type="node", osm_id=1)
    assert err.value.key == "correction_needs_point"
    with pytest.raises(ValidationError) as err:
        inventory.correct(engine, byn.id, "close")
    assert err.value.key == "correction_needs_service"
    assert len(service_points(engine, byn.id)) == 17
