"""AppTest of the services page: search and details, corrections, and imports (a fake
Overpass server on 127.0.0.1 for the live path)."""

from __future__ import annotations

import ui
from bidgeo import inventory
from bidgeo.projects import service_points
from conftest import DEMO_OSM, open_page
from fake_overpass import FakeOverpass


def test_search_details_and_corrections(fake_map):
    at = open_page("app_pages/services.py")
    assert not at.exception
    assert at.title[0].value == "Service på orten"
    options = at.selectbox(key="sv_point").options  # bus stops without a name say so
    assert "(namn saknas) – Kollektivtrafik" in options and not any(o.startswith("nan") for o in options)
    at.text_input(key="sv_query").input("neste").run()
    assert at.selectbox(key="sv_point").options == ["Neste Huttunen – Drivmedel"]
    assert any("(https://www.openstreetmap.org/node/894396069)" in m.value for m in at.markdown)
    details = at.dataframe[1].value  # the OSM tags in words, no raw keys or values
    assert details.columns.tolist() == ["Uppgift", "Värde"]
    rows = details.values.tolist()
    assert ["Namn", "Neste Huttunen"] in rows and ["Kategori", "Drivmedel"] in rows
    assert not any(":" in label or "=" in label or "_" in label for label, _ in rows)
    at.button(key="sv_close").click().run()
    assert at.success[0].value == "Rättelsen är sparad."
    project = ui.current_project()
    assert 894396069 not in set(service_points(ui.store(), project.id)["osm_id"])

    # Add a missing service where the map was tapped.
    fake_map.answers["services-"] = {"last_clicked": {"lat": 60.5230, "lng": 26.9480}}
    at.text_input(key="sv_query").input("").run()
    at.selectbox(key="sv_add_category").set_value("pharmacy")
    at.text_input(key="sv_add_name").input("Karhulan apteekki")
    at.button(key="sv_add").click().run()
    points = service_points(ui.store(), project.id)
    added = points[points["source"] == "manual"]
    assert added[["category", "name"]].values.tolist() == [["pharmacy", "Karhulan apteekki"]]
    assert (round(added.geometry.iloc[0].x, 4), round(added.geometry.iloc[0].y, 4)) == (26.948, 60.523)
    at.text_input(key="sv_query").input("apteekki").run()  # the manual one has no OSM object to link
    assert at.selectbox(key="sv_point").options == ["Karhulan apteekki – Apotek"]
    assert not at.exception and not any("openstreetmap.org" in m.value for m in at.markdown)


def test_overpass_import_keeps_corrections_and_shows_changes(fake_map, monkeypatch):
    project = ui.current_project()
    inventory.correct(ui.store(), project.id, "close", osm_type="node", osm_id=894396069)
    with FakeOverpass(DEMO_OSM) as fake:
        monkeypatch.setenv("BIDGEO_OVERPASS_URL", fake.url)
        at = open_page("app_pages/services.py")
        at.button(key="sv_overpass").click().run()
    assert not at.exception
    assert at.success[0].value.endswith("servicepunkter importerades.")
    history = inventory.snapshots(ui.store(), project.id)
    assert history["source"].tolist() == ["overpass", "osm_file"]
    assert at.dataframe[-1].value["Källa"].tolist()[:2] == ["OpenStreetMap (hämtad direkt)", "OSM-fil"]  # in words
    # The demo area plus 2 km covers the whole extract: nothing new. One school is "gone":
    # its outline is cut by the extract's edge, which bidgeo's reader keeps (from the nodes it
    # has) and osmnx drops; a real Overpass server returns whole ways.
    new, gone = inventory.changes(ui.store(), project.id)
    assert len(new) == 0
    assert gone[["osm_type", "osm_id", "name"]].values.tolist() == [["way", 180464603, "Helilän koulu"]]
    assert 894396069 not in set(service_points(ui.store(), project.id)["osm_id"])  # still closed


def test_overpass_offline_is_a_clear_message(fake_map, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("BIDGEO_OVERPASS_URL", f"http://127.0.0.1:{port}/api")
    at = open_page("app_pages/services.py")
    at.button(key="sv_overpass").click().run()
    assert not at.exception
    assert "går inte att nå just nu" in at.error[0].value and "OSM-utdrag" in at.error[0].value
    assert len(inventory.snapshots(ui.store(), ui.current_project().id)) == 1


def test_a_register_point_has_no_osm_link(fake_map):
    from bidgeo import registers

    at = open_page("app_pages/services.py")
    project = ui.current_project()
    table = registers.read_table("Namn;Typ;lon;lat\nKommunens apotek;Apotek;26.95;60.52\n".encode(), "r.csv")
    points, errors = registers.to_services(table, registers.RegisterMapping("Namn", "Typ", "lon", "lat",
                                                                           types={"Apotek": "pharmacy"}), "sv")
    inventory.import_services(ui.store(), project.id, "register", "r.csv", points)
    at.text_input(key="sv_query").input("kommunens").run()
    assert at.selectbox(key="sv_point").options == ["Kommunens apotek – Apotek"]
    assert not at.exception and not any("openstreetmap.org" in m.value for m in at.markdown)


def test_a_service_points_details_are_in_words():
    """``inventory.details``: OSM tags as a person reads them, no ``addr:*`` keys or
    ``amenity=...`` values; opening hours with Swedish day names."""
    tags = {"name": "Karhulan kirjasto", "amenity": "library", "addr:street": "Karhulantie", "addr:housenumber": "36",
            "addr:postcode": "48600", "addr:city": "Kotka", "opening_hours": "Mo-Fr 10:00-19:00; Sa 10:00-15:00; Su off",
            "wheelchair": "yes", "contact:website": "https://kirjasto.kotka.fi", "source:date": "2021",
            "tourism": "artwork"}
    assert inventory.details(tags, "library", "sv") == [
        ("Kategori", "Bibliotek"), ("Namn", "Karhulan kirjasto"), ("Adress", "Karhulantie 36, 48600 Kotka"),
        ("Öppettider", "må-fr 10:00-19:00; lö 10:00-15:00; sö stängt"), ("Webbplats", "https://kirjasto.kotka.fi"),
        ("Rullstol", "Tillgängligt med rullstol")]
    assert inventory.details(tags, "library", "en")[3] == ("Opening hours", "Mo-Fr 10:00-19:00; Sa 10:00-15:00; Su off")
