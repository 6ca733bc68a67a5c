"""Coverage against brute force: networkx shortest paths from every service, nearest nodes by
exhaustive search, on hand-made and real data."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from bidgeo import coverage
from bidgeo.geo import project_lonlat
from bidgeo.osm import read_osm
from conftest import CASES_OSM, DEMO_OSM


def brute_force(osm, net, key: str) -> np.ndarray:
    """The definition done the slow, obvious way."""
    graph = nx.Graph()
    for u, v, length in osm.edges[["u", "v", "length_m"]].itertuples(index=False):
        if not graph.has_edge(u, v) or graph[u][v]["w"] > length:
            graph.add_edge(u, v, w=length)
    largest = max(nx.connected_components(graph), key=len)
    ids = np.array(sorted(largest))
    x, y = project_lonlat(osm.nodes.loc[ids, "lon"].to_numpy(), osm.nodes.loc[ids, "lat"].to_numpy(), net.crs)

    def nearest(lon, lat):
        px, py = project_lonlat(np.array([lon]), np.array([lat]), net.crs)
        d = np.hypot(x - px[0], y - py[0])
        return ids[d.argmin()], d.min()

    services = osm.services[osm.services["category"] == key]
    from_services = []
    for point in services.geometry:
        node, snap = nearest(point.x, point.y)
        lengths = nx.single_source_dijkstra_path_length(graph.subgraph(largest), node, weight="w")
        from_services.append((snap, lengths))
    origins = osm.buildings[osm.buildings["origin"]].geometry.representative_point()
    out = []
    for point in origins:
        node, snap = nearest(point.x, point.y)
        candidates = [s + lengths[node] for s, lengths in from_services if node in lengths]
        out.append(snap + min(candidates) if candidates else np.nan)
    return np.array(out)


@pytest.fixture(scope="module")
def karhula():
    osm = read_osm(DEMO_OSM)
    return osm, coverage.build_network(osm)


@pytest.mark.parametrize("key", ["fuel", "public_transport", "school", "grocery_partial"])
def test_same_distances_as_brute_force_on_karhula(karhula, key):
    osm, net = karhula
    ours = coverage.coverage(net, keys=[key]).distances[key].to_numpy()
    np.testing.assert_allclose(ours, brute_force(osm, net, key), rtol=1e-9, atol=1e-6)


def test_hand_made_network_exact_numbers():
    osm = read_osm(CASES_OSM)
    net = coverage.build_network(osm)
    # Nodes 30-31-32 (footway) and 32-33 (cycleway) are the largest component; the service
    # road 34-35 with foot=yes is an island and is not used.
    assert net.n_nodes == 4
    length = osm.edges.set_index(["u", "v"])["length_m"]
    along = {30: 0.0, 31: length[(30, 31)], 32: length[(30, 31)] + length[(31, 32)]}
    along[33] = along[32] + length[(32, 33)]
    # Which OSM node each origin snaps to, found by exhaustive search.
    ids = np.array([30, 31, 32, 33])
    x, y = project_lonlat(osm.nodes.loc[ids, "lon"].to_numpy(), osm.nodes.loc[ids, "lat"].to_numpy(), net.crs)
    ox, oy = project_lonlat(net.origin_lonlat[:, 0], net.origin_lonlat[:, 1], net.crs)
    gaps = np.hypot(ox[:, None] - x[None, :], oy[:, None] - y[None, :])
    snapped, snap = ids[gaps.argmin(axis=1)], gaps.min(axis=1)
    for node in (30, 33):  # a school standing exactly on node 30, then on node 33
        lon, lat = osm.nodes.loc[node, ["lon", "lat"]]
        school = pd.DataFrame({"category": ["school"], "lon": [lon], "lat": [lat]})
        result = coverage.coverage(net, school, keys=["school"]).distances["school"].to_numpy()
        expected = snap + np.array([abs(along[s] - along[node]) for s in snapped])
        np.testing.assert_allclose(result, expected, rtol=1e-9)


def test_no_services_means_null_and_not_covered(karhula):
    _, net = karhula
    result = coverage.coverage(net, keys=["bank"])
    assert result.distances["bank"].isna().all()
    summary = result.summary()["categories"]["bank"]
    assert summary == {"services": 0, "median_m": None, "share_within": {"400": 0.0, "800": 0.0, "1200": 0.0}}


def test_summary_shape_and_shares(karhula):
    _, net = karhula
    result = coverage.coverage(net, bands=(500, 1000), keys=["public_transport", "fuel"])
    summary = result.summary()
    assert summary["origins"] == 2159 and summary["bands"] == [500, 1000]
    d = result.distances["fuel"]
    assert summary["categories"]["fuel"]["share_within"]["500"] == round((d <= 500).mean(), 4)
    assert summary["categories"]["fuel"]["median_m"] == round(float(d.median()), 1)
    assert summary["categories"]["fuel"]["services"] == 2


def test_what_if_a_service_closes(karhula):
    _, net = karhula
    services = net.services
    before = coverage.coverage(net, services, keys=["fuel"]).distances["fuel"]
    closed = services.drop(services.index[services["name"] == "Neste Huttunen"])
    after = coverage.coverage(net, closed, keys=["fuel"]).distances["fuel"]
    assert (after >= before - 1e-9).all() and (after > before + 1).sum() > 100


def test_network_is_cached_by_content(tmp_path):
    first = coverage.network_for(DEMO_OSM)
    cached = list((tmp_path / "home" / "cache" / "network").glob("*.npz"))
    assert len(cached) == 1 and first.sha256 in cached[0].name
    copy = tmp_path / "same.osm.pbf"
    copy.write_bytes(DEMO_OSM.read_bytes())
    again = coverage.network_for(copy)  # same content, another name: the cache answers
    np.testing.assert_array_equal(again.indices, first.indices)
    np.testing.assert_array_equal(again.origin_node, first.origin_node)
    pd.testing.assert_frame_equal(again.services, first.services, check_dtype=False)
    assert coverage.coverage(again).summary() == coverage.coverage(first).summary()


def test_origins_inside_an_area(karhula):
    from shapely.geometry import box

    _, net = karhula
    mask = coverage.origins_within(net, box(26.9440, 60.5195, 26.9530, 60.5265))
    assert 20 < mask.sum() < 300
    result = coverage.coverage(net, keys=["fuel"], origins=mask)
    assert len(result.distances) == mask.sum()


def test_population_weights_change_the_shares(karhula):
    _, net = karhula
    result = coverage.coverage(net, keys=["fuel"])
    d = result.distances["fuel"].to_numpy()
    result.weights = np.where(d <= 400, 10.0, 1.0)  # ten people in each close building
    close = (d <= 400).sum()
    assert result.share_within("fuel", 400) == pytest.approx(10 * close / (10 * close + len(d) - close))


def test_bands_and_categories_are_validated():
    from bidgeo.errors import ValidationError

    assert coverage.parse_bands("1200, 400,800") == (400, 800, 1200)
    for bad in ("0,400", "fyra", ""):
        if bad:
            with pytest.raises(ValidationError):
                coverage.parse_bands(bad)
    assert coverage.parse_categories("fuel,school") == ["fuel", "school"]
    with pytest.raises(ValidationError) as err:
        coverage.parse_categories("fuel,glass")
    assert "glass" in err.value.message("sv")


def test_what_if_close_add_and_move(karhula):
    _, net = karhula
    services = net.services
    fuel = services[services["category"] == "fuel"]
    neste = fuel.index[fuel["name"] == "Neste Huttunen"][0]
    closing = coverage.what_if(net, services, "fuel", closed=[neste])
    np.testing.assert_allclose(closing.before, coverage.coverage(net, keys=["fuel"]).distances["fuel"])
    lost = closing.worse(1200)
    assert lost == ((closing.before <= 1200) & ~(closing.after <= 1200)).sum() > 0
    assert closing.better(1200) == 0
    # Moving the station to where it was changes nothing; adding one where people live helps.
    moved = coverage.what_if(net, services, "fuel", closed=[neste],
                             added=[(fuel.loc[neste, "lon"], fuel.loc[neste, "lat"])])
    np.testing.assert_allclose(moved.after, moved.before)
    centre = net.origin_lonlat[np.argsort(closing.before)[-1]]  # the worst-served building
    adding = coverage.what_if(net, services, "fuel", added=[tuple(centre)])
    assert adding.better(400) > 0 and adding.worse(400) == 0
    assert adding.share(adding.after, 400) > adding.share(adding.before, 400)


def test_population_grid_as_origins(karhula):
    _, net = karhula
    lon, lat = net.origin_lonlat[:, 0], net.origin_lonlat[:, 1]
    cells = pd.DataFrame({"lon": [lon.min(), np.median(lon), lon.max()],
                          "lat": [lat.min(), np.median(lat), lat.max()], "population": [10, 200, 5]})
    grid, weights = coverage.with_population(net, cells)
    result = coverage.coverage(grid, keys=["public_transport"], weights=weights)
    assert len(result.distances) == 3
    d = result.distances["public_transport"].to_numpy()
    expected = weights[d <= 400].sum() / weights.sum()
    assert result.share_within("public_transport", 400) == pytest.approx(expected)
    # The cell at the median building is the same point as a building there: same distance.
    single = coverage.what_if(grid, net.services, "public_transport", weights=weights)
    np.testing.assert_allclose(single.before, d)


def test_population_grid_files_and_storage(engine, karhula):
    from bidgeo import population
    from bidgeo.errors import ValidationError
    from bidgeo.projects import create_project

    _, net = karhula
    x, y = project_lonlat(net.origin_lonlat[:3, 0], net.origin_lonlat[:3, 1], "EPSG:3006")
    csv = "x;y;Beftotalt\n" + "".join(f"{a:.1f};{b:.1f};{p}\n" for a, b, p in zip(x, y, [12, 40, 3]))
    cells = population.read_grid(csv.encode(), "rutor.csv", crs="EPSG:3006")
    np.testing.assert_allclose(cells[["lon", "lat"]].to_numpy(), net.origin_lonlat[:3], atol=1e-6)
    assert cells["population"].tolist() == [12, 40, 3]
    with pytest.raises(ValidationError) as err:
        population.read_grid(csv.encode(), "rutor.csv")  # metres, no CRS given
    assert err.value.key == "population_no_crs"
    broken = "lon,lat,pop\n26.95,60.52,10\n26.95,,4\n26.95,60.53,-1\n"
    with pytest.raises(ValidationError) as err:
        population.read_grid(broken.encode(), "rutor.csv")
    assert err.value.params["rows"] == "3, 4"
    with pytest.raises(ValidationError) as err:
        population.read_grid(b"lon,lat,hus\n26.9,60.5,3\n", "rutor.csv")
    assert err.value.key == "population_column_unknown" and "hus" in err.value.message("sv")

    import geopandas as gpd
    from shapely.geometry import box
    frame = gpd.GeoDataFrame({"pop": [5, 7]}, geometry=[box(*xy, xy[0] + 250, xy[1] + 250) for xy in zip(x[:2], y[:2])],
                             crs=3006)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_file(f"{tmp}/grid.gpkg")
        cells_gpkg = population.read_grid(open(f"{tmp}/grid.gpkg", "rb").read(), "grid.gpkg")
    assert cells_gpkg["population"].tolist() == [5, 7]

    project = create_project(engine, "Karhula med rutor")
    assert population.grid(engine, project.id) is None
    population.set_grid(engine, project.id, cells)
    population.set_grid(engine, project.id, cells)  # a new import replaces the old one
    stored = population.grid(engine, project.id)
    assert stored["population"].tolist() == [12, 40, 3]
    np.testing.assert_allclose(stored[["lon", "lat"]].to_numpy(), cells[["lon", "lat"]].to_numpy())
