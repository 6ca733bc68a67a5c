"""Snapshots and corrections of the service inventory, on SQLite and PostGIS."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from bidgeo import inventory
from bidgeo.errors import ValidationError
from bidgeo.projects import create_project, list_projects, replace_osm, service_points
from conftest import CASES_OSM


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


def test_a_register_sits_beside_the_osm_inventory(engine, byn, tmp_path):
    from pyproj import Transformer

    from bidgeo import registers

    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform([15.605, 15.606, 15.607], [60.603] * 3)
    csv_text = ("Namn;Typ;E;N\n"
                f"Vårdcentralen Byn;Vårdcentral;{x[0]:.1f};{y[0]:.1f}\n"
                f"Bibliotekets filial;Bibliotek;{x[1]:.1f};{y[1]:.1f}\n"
                f"Återvinning;ÅVS;{x[2]:.1f};{y[2]:.1f}\n")
    table = registers.read_table(csv_text.encode(), "kommunens_service.csv")
    assert registers.types_of(table, "Typ") == ["Bibliotek", "Vårdcentral", "ÅVS"]
    mapping = registers.RegisterMapping(name="Namn", type="Typ", x="E", y="N", crs="EPSG:3006",
                                        types={"Vårdcentral": "healthcare", "Bibliotek": "library", "ÅVS": ""})
    services, errors = registers.to_services(table, mapping, "sv")
    assert errors == [] and services["category"].tolist() == ["healthcare", "library"]
    assert round(services.geometry.iloc[0].x, 4) == 15.605
    inventory.import_services(engine, byn.id, "register", "kommunens_service.csv", services)
    points = service_points(engine, byn.id)
    assert len(points) == 17 + 2 and (points["source"] == "import").sum() == 2
    replace_osm(engine, byn.id, CASES_OSM)  # a new OSM import keeps the register beside it
    assert len(service_points(engine, byn.id)) == 19
    assert [p.service_count for p in list_projects(engine)] == [17]


def test_a_register_with_bad_rows_imports_nothing():
    from bidgeo import registers

    text = "Namn,Typ,lon,lat\nAffären,Butik,15.6,60.6\n,Butik,15.6,60.6\nPosten,Post,15.6,60.6\nKiosken,Butik,abc,60.6\n"
    table = registers.read_table(text.encode(), "lista.csv")
    mapping = registers.RegisterMapping(name="Namn", type="Typ", x="lon", y="lat", types={"Butik": "retail"})
    services, errors = registers.to_services(table, mapping, "sv")
    assert [e["row"] for e in errors] == [3, 4, 5]
    assert errors[1]["message"].startswith("Typen ”Post” har ingen kategori")
    assert errors[2]["message"] == "Koordinaterna saknas eller är ogiltiga."


def test_register_files_xlsx_and_geopackage(tmp_path):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from bidgeo import registers
    from bidgeo.errors import InputError

    frame = pd.DataFrame({"namn": ["Apoteket"], "typ": ["Apotek"], "x": ["15,6"], "y": ["60,6"]})
    frame.to_excel(tmp_path / "lista.xlsx", index=False)
    table = registers.read_table((tmp_path / "lista.xlsx").read_bytes(), "lista.xlsx")
    services, errors = registers.to_services(table, registers.RegisterMapping("namn", "typ", "x", "y",
                                                                              types={"Apotek": "pharmacy"}), "sv")
    assert errors == [] and round(services.geometry.iloc[0].y, 3) == 60.6
    gpd.GeoDataFrame({"namn": ["Macken"], "typ": ["Bensin"]}, geometry=[Point(500000, 6700000)], crs=3006) \
        .to_file(tmp_path / "lista.gpkg")
    table = registers.read_table((tmp_path / "lista.gpkg").read_bytes(), "lista.gpkg")
    services, errors = registers.to_services(
        table, registers.RegisterMapping("namn", "typ", registers.GEOMETRY_LON, registers.GEOMETRY_LAT,
                                         types={"Bensin": "fuel"}), "sv")
    assert errors == [] and 14 < services.geometry.iloc[0].x < 16
    with pytest.raises(InputError):
        registers.read_table(b"not a spreadsheet", "lista.xlsx")
    with pytest.raises(InputError):
        registers.read_table(b"x", "lista.docx")


def test_type_guesses_from_the_labels():
    from bidgeo.registers import guess_category

    assert [guess_category(k) for k in ["Apotek", "bibliotek", "Pharmacy", "fuel", "Pizzeria"]] == [
        "pharmacy", "library", "pharmacy", "fuel", ""]
