"""AppTest of the regional comparison on the comparison page (map widget patched), on the
small generated region kept in the bidgeo home's regions folder."""

from __future__ import annotations

import shutil
import sys

from conftest import REPO, open_page

sys.path.insert(0, str(REPO / "benchmarks"))
from county import county  # noqa: E402

from bidgeo import region  # noqa: E402
from bidgeo.projects import list_projects  # noqa: E402


def test_region_ranked_mapped_exported_and_a_project_made(fake_map, bidgeo_home):
    files = county(REPO / ".pytest_cache" / "d", "small")
    folder = bidgeo_home / "regions"
    folder.mkdir()
    for path in files.values():
        shutil.copy(path, folder / path.name)
    at = open_page("app_pages/compare.py")
    assert not at.exception
    assert at.radio(key="cmp_view").value == "projects"  # the projects' comparison stays the default
    at.radio(key="cmp_view").set_value("region").run()
    at.radio(key="reg_source").set_value("server").run()
    at.selectbox(key="reg_osm_file").set_value("county.osm.pbf")
    at.selectbox(key="reg_places_file").set_value("localities.gpkg").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error], [i.value for i in at.info])
    assert at.selectbox(key="reg_field").value == "tatort"
    assert any("WGS 84" in w.value for w in at.warning)  # reprojected from SWEREF 99 TM, said
    at.radio(key="reg_mode").set_value("drive").run()
    at.selectbox(key="reg_key").set_value("pharmacy").run()
    at.selectbox(key="reg_band").set_value(2000).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    localities = region.read_localities(files["localities"].read_bytes(), "localities.gpkg", "tatort")
    expected = region.analyse(region.compile_region(files["osm"]), localities, "drive", keys=["pharmacy"]).summary()
    shares = {g["name"]: g["categories"]["pharmacy"]["share_within"]["2000"] for g in expected["localities"]}
    ranked = list(table["Ort"])
    assert ranked[:-1] == sorted(shares, key=shares.get, reverse=True)
    assert ranked[-1] == "Landsbygden (utanför orterna)"
    assert list(table["Inom 2000 m"])[:-1] == sorted(shares.values(), reverse=True)
    key, m, _ = fake_map.shown[-1]
    assert key == "reg-map-pharmacy-2000"
    html = m.get_root().render()
    assert "Centrum" in html and "maxZoom" in html
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Ladda ned CSV", "Ladda ned Excel", "Ladda ned GeoPackage (QGIS)"]

    at.selectbox(key="reg_make_name").set_value("Östby").run()
    at.button(key="reg_make").click().run()
    assert not at.exception, at.exception
    assert at.success and "Östby" in at.success[0].value
    import ui

    made = [p for p in list_projects(ui.store()) if p.name == "Östby"]
    assert made and made[0].service_count > 0
