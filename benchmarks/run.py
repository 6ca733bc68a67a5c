"""bidgeo benchmarks, one command: ``python benchmarks/run.py`` (after
``pip install -c constraints.txt -e ".[bench]"``).

Each figure is reported with a baseline measured in the same run:
- reading the demo extract with bidgeo.osm.read_osm, against GDAL's OSM driver (pyogrio)
  reading the same file's points, lines and multipolygons;
- building and rendering the overview map, against reading the extract;
- a cold start of the app (empty store: migrations, demo import, first page) until Leaflet has
  drawn the first map in Chromium, against a warm reload of the same page;
- the status analysis as a PDF report (WeasyPrint, static maps) on the demo project after a walk
  of 25 observations with 4 photos, against the HTML report of the same project;
- walking-distance coverage on synthetic towns up to 400,000 network nodes and 150,000
  buildings: parse, graph build, cache reload and coverage of every category, with peak
  memory, each size in a fresh process; and end to end against an osmnx + networkx
  implementation of the same definition on the same .osm file (``baseline_osmnx.py``).

- 20 tablets saving 10 observations each at once through the running app (its websocket),
  against the same with Streamlit's default garbage collection after every script run.

- at the size of a real town (``--scale``, issue 19; the dense town of ``tests/dense.py``: 5,000+
  service points, 20,000 buildings, three snapshots, a walk of 200 observations): each map
  page's server-side first run and rerun (AppTest, the maps rendered by st_folium) and its time
  to ready in Chromium (every map drawn, the app idle), against the demo in the same run; and
  creating a project from a synthetic municipality's extract (``--create-mb``, 50 MB by
  default), time and peak memory against the demo's extract, each in a fresh process.

- the regional comparison (``--region``, issue 18): ``bidgeo region``'s whole run on the
  synthetic county (``county.py``) against a careful pyosmium + scipy script
  (``baseline_region.py``), each cold in a fresh process; the second run from the cache; and
  against osmnx + networkx on a medium region (with ``--osmnx-county``, on the whole county too).

``--quick`` runs smaller towns; ``--report``, ``--tablets``, ``--scale`` and ``--region`` run only that figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEMO = REPO / "data" / "demo" / "karhula_kotka_fi.osm.pbf"
CHROMIUM = "/usr/bin/chromium"


def timed(fn, repeat: int = 7) -> float:
    """Median wall time of ``fn`` in seconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_reading() -> None:
    import pyogrio

    from bidgeo import maps
    from bidgeo.osm import read_osm

    ours = timed(lambda: read_osm(DEMO))
    gdal = timed(lambda: [pyogrio.read_dataframe(DEMO, layer=layer, on_invalid="ignore")
                          for layer in ("points", "lines", "multipolygons")])
    print(f"read demo extract (bidgeo.osm.read_osm): {ours * 1000:7.1f} ms")
    print(f"  baseline GDAL OSM driver, 3 layers:     {gdal * 1000:7.1f} ms   ratio {ours / gdal:.2f}")
    data = read_osm(DEMO)
    build = timed(lambda: maps.overview_map(data, data.services, "sv").get_root().render())
    print(f"overview map build + render:             {build * 1000:7.1f} ms   ratio to reading {build / ours:.2f}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _app_server(env: dict, *args: str):
    """``streamlit run app.py [args]`` with ``env`` on a free port; yields its URL as soon as
    it answers, and stops it afterwards."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), *args],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.perf_counter() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise RuntimeError("the app did not start within 120 s") from None
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def _first_map(browser, url: str) -> float:
    """Seconds from navigation until the map iframe's Leaflet canvas is visible."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    start = time.perf_counter()
    page.goto(url)
    page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
        ".leaflet-overlay-pane canvas").first.wait_for(timeout=120_000)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def bench_cold_start() -> None:
    if not Path(CHROMIUM).exists():
        print("cold start: skipped (no /usr/bin/chromium)")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        env = {**os.environ, "BIDGEO_HOME": home}
        env.pop("BIDGEO_DATABASE_URL", None)
        start = time.perf_counter()
        try:
            with _app_server(env) as url:
                server_up = time.perf_counter() - start
                first = _first_map(browser, url)
                cold = time.perf_counter() - start
                warm = statistics.median(_first_map(browser, url) for _ in range(3))
        finally:
            browser.close()
    print(f"cold start to first map (empty store):   {cold:7.2f} s   (server up {server_up:.2f} s, first page {first:.2f} s)")
    print(f"  baseline warm reload to map:            {warm:7.2f} s   ratio {cold / warm:.2f}")


def _page_seconds(page: str, project_id: int, runs: int = 3) -> tuple[float, float]:
    """Server-side time of the first run and the median rerun of a page (AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["project_id"] = project_id
    at.switch_page(page)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    again = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        again.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return first, statistics.median(again)


def bench_services_page(points: int = 5000) -> None:
    """The services page with 5,000 service points against the demo's 43, same process."""
    import geopandas as gpd
    import numpy as np

    from bidgeo import categories, inventory
    from bidgeo.db import open_store
    from bidgeo.demo import ensure_demo
    from bidgeo.projects import create_project

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BIDGEO_HOME"] = tmp
        os.environ.pop("BIDGEO_DATABASE_URL", None)
        engine = open_store()
        demo = ensure_demo(engine)
        big = create_project(engine, "Många tjänster", osm_path=DEMO)
        rng = np.random.default_rng(3)
        keys = [c.key for c in categories.categories()]
        frame = gpd.GeoDataFrame(
            {"category": rng.choice(keys, points), "name": [f"Tjänst {i}" for i in range(points)],
             "osm_type": None, "osm_id": None, "source": "import", "tags": [{}] * points},
            geometry=gpd.points_from_xy(rng.uniform(26.93, 26.97, points), rng.uniform(60.52, 60.54, points)),
            crs=4326)
        inventory.import_services(engine, big.id, "register", "benchmark", frame)
        small_first, small_rerun = _page_seconds("app_pages/services.py", demo.id)
        big_first, big_rerun = _page_seconds("app_pages/services.py", big.id)
    print(f"services page, server-side rerun with {points + 43} points: {big_rerun:6.2f} s (first run {big_first:.2f} s)")
    print(f"  baseline with the demo's 43 points:         {small_rerun:6.2f} s   ratio {big_rerun / small_rerun:.2f}")


MAP_PAGES = ["start", "area", "walk", "review", "analysis", "services", "coverage", "compare"]
READY_SCRIPT = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]') || !document.querySelector('h1')) {
        return false;  // the app still runs, or has not begun
    }
    const frames = Array.from(document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]'));
    return frames.every(f => {
        const d = f.contentDocument;
        return d && d.querySelector('.leaflet-container') && (d.querySelector('.leaflet-overlay-pane canvas')
            || d.querySelector('.leaflet-marker-icon'));
    });
}"""


def _ready_seconds(browser, url: str) -> float:
    """Seconds from navigation until every map of the page is drawn and the app is idle (held
    for half a second, so a map replaced by the next script run does not count)."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    start = time.perf_counter()
    page.goto(url)
    ready_since = None
    while True:
        if page.evaluate(READY_SCRIPT):
            ready_since = ready_since or time.perf_counter()
            if time.perf_counter() - ready_since >= 0.5:
                break
        else:
            ready_since = None
        if time.perf_counter() - start > 180:
            raise RuntimeError(f"{url} was not ready within 180 s")
        page.wait_for_timeout(50)
    page.close()
    return ready_since - start


def _dense_home() -> tuple[Path, int, int]:
    """A home holding the dense town's store and the demo, given a walk of 25 observations as
    the dense town has one of 200: (home, dense id, demo id)."""
    import dense

    from bidgeo.db import open_store
    from bidgeo.projects import list_projects

    home = Path(tempfile.mkdtemp(prefix="bidgeo-scale-"))
    dense_id = dense.install(home, REPO / ".pytest_cache" / "d" / "bidgeo-dense-town")
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    demo_id = next(p.id for p in list_projects(engine) if p.name != dense.NAME)
    _walk_of(engine, demo_id, 25, 0)
    engine.dispose()
    return home, dense_id, demo_id


def bench_scale_pages() -> None:
    """Each map page on the dense town against the demo: server-side first run and median
    rerun (AppTest, same process), then time to ready in Chromium (same app)."""
    home, dense_id, demo_id = _dense_home()
    os.environ["BIDGEO_HOME"] = str(home)
    os.environ.pop("BIDGEO_DATABASE_URL", None)
    print("map pages on the dense town (5,000+ points, 20,000 buildings, 200 observations) against the demo "
          "(43 points, 25 observations), server-side (AppTest, maps rendered):")
    print(f"  {'page':10} {'rerun s':>8} {'demo':>6} {'first s':>8} {'demo':>6}")
    for name in MAP_PAGES:
        page = f"app_pages/{name}.py"
        (big_first, big_rerun), (small_first, small_rerun) = _page_seconds(page, dense_id), _page_seconds(page, demo_id)
        print(f"  {name:10} {big_rerun:8.2f} {small_rerun:6.2f} {big_first:8.2f} {small_first:6.2f}", flush=True)
    if Path(CHROMIUM).exists():
        print("  ready in Chromium (every map drawn, the app idle), median of 3 after a first visit:")
        print(f"  {'page':10} {'dense s':>8} {'demo s':>7} {'ratio':>6}")
        from playwright.sync_api import sync_playwright

        env = {**os.environ, "BIDGEO_HOME": str(home)}
        with sync_playwright() as p, _app_server(env) as url:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            for name in MAP_PAGES:
                path = "" if name == "start" else name
                for pid in (dense_id, demo_id):  # the first visit warms the app's caches of that project
                    _ready_seconds(browser, f"{url}/{path}?project={pid}")
                big, small = (statistics.median(_ready_seconds(browser, f"{url}/{path}?project={pid}")
                                                for _ in range(3)) for pid in (dense_id, demo_id))
                print(f"  {name:10} {big:8.2f} {small:7.2f} {big / small:6.2f}", flush=True)
            browser.close()


def _one_create(path: str) -> dict:
    """Run in a fresh process: create a project from ``path``, with its time and peak memory."""
    from bidgeo.db import open_store
    from bidgeo.projects import create_project

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BIDGEO_HOME"] = tmp
        engine = open_store(f"sqlite:///{tmp}/bidgeo.sqlite")
        stages: list[tuple[str, float]] = []
        start = time.perf_counter()
        project = create_project(engine, "Kommunen", osm_path=path,
                                 progress=lambda stage: stages.append((stage, time.perf_counter() - start)))
        seconds = time.perf_counter() - start
        engine.dispose()
    # The peak of this process image (VmHWM): getrusage's ru_maxrss keeps the parent's across the exec.
    peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    return {"seconds": seconds, "services": project.service_count, "mb": Path(path).stat().st_size / 1e6,
            "stages": stages, "peak_rss_mb": peak_kb / 1024}


def bench_creation(target_mb: float) -> None:
    """Creating a project from a synthetic municipality's extract of about ``target_mb`` MB
    against the demo's extract, each in a fresh process."""
    import dense
    from town import write_town

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kommun.osm.pbf"
        grid = int(dense.GRID * (target_mb / 0.68) ** 0.5)  # the dense town's 88 x 88 grid is 0.68 MB
        write_town(grid, path)  # a municipality's share of services, not a town centre's
        rows = []
        for source in (path, DEMO):
            out = subprocess.run([sys.executable, __file__, "--one-create", str(source)], capture_output=True,
                                 text=True, check=True, cwd=REPO)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    big, demo = rows
    stages = ", ".join(f"{name} {at:.1f}" for name, at in big["stages"])
    print(f"create a project from a {big['mb']:.0f} MB extract ({grid}x{grid} town, {big['services']} services): "
          f"{big['seconds']:6.1f} s, peak {big['peak_rss_mb']:.0f} MB (stages begin at s: {stages})")
    print(f"  baseline the demo's {demo['mb']:.1f} MB extract:  {demo['seconds']:6.2f} s, peak "
          f"{demo['peak_rss_mb']:.0f} MB   ratio {big['seconds'] / demo['seconds']:.0f} (time), "
          f"{big['peak_rss_mb'] / demo['peak_rss_mb']:.1f} (memory)")


def _tablets_seconds(extra_args: list[str], tablets: int, each: int) -> tuple[float, int]:
    """Seconds for ``tablets`` simulated tablets (tests/tablet.py, the app's websocket) to save
    ``each`` observations at once on a fresh app and store; and the rows stored."""
    import asyncio
    from datetime import date

    from bidgeo import walks
    from bidgeo.db import open_store
    from bidgeo.projects import create_project
    from tablet import Tablet, fill, form_uuid

    with tempfile.TemporaryDirectory() as home:
        url_db = f"sqlite:///{home}/bidgeo.sqlite"
        engine = open_store(url_db)
        project = create_project(engine, "Samtidigt", locality="Karhula")
        walk_ids = [walks.create_walk(engine, project.id, date(2026, 5, 12), f"Grupp {g}") for g in range(4)]
        env = {**os.environ, "BIDGEO_HOME": home, "BIDGEO_DATABASE_URL": url_db}
        try:
            with _app_server(env, *extra_args) as url:

                async def tablet(number: int) -> None:
                    async with Tablet(url, "walk", f"project={project.id}&walk={walk_ids[number % 4]}") as t:
                        await t.run()
                        for n in range(each):
                            uuid = form_uuid(t)
                            await fill(t, uuid, f"Observation {n}", at=f"{number}-{n}")
                            await t.run(tap=f"save_{uuid}")

                async def all_at_once() -> None:
                    await asyncio.gather(*[tablet(number) for number in range(tablets)])

                start = time.perf_counter()
                asyncio.run(all_at_once())
                seconds = time.perf_counter() - start
                rows = len(walks.observations(engine, project.id))
        finally:
            engine.dispose()
    return seconds, rows


def bench_tablets(tablets: int = 20, each: int = 10) -> None:
    """Tablets saving at once through the running app, with the app's configuration against
    Streamlit's default of a full garbage collection after every script run."""
    ours, rows = _tablets_seconds([], tablets, each)
    default, default_rows = _tablets_seconds(["--runner.postScriptGC", "true"], tablets, each)
    print(f"{tablets} tablets x {each} observations through the app: {ours:6.1f} s, {rows} rows")
    print(f"  baseline with Streamlit's gc after every run: {default:6.1f} s, {default_rows} rows   "
          f"ratio {default / ours:.2f}")


def _walk_of(engine, project_id: int, count: int, photo_count: int) -> None:
    """A reviewed walk of ``count`` observations over the demo area, ``photo_count`` with a photo."""
    import io
    from datetime import date

    import numpy as np
    from PIL import Image

    from bidgeo import photos, review, walks
    from bidgeo.focus import FOCUS_AREAS, KINDS

    rng = np.random.default_rng(5)
    walk = walks.create_walk(engine, project_id, date(2026, 5, 12), "Handlarna", "Anna, Bo")
    uuids = []
    for i in range(count):
        uuid = walks.new_uuid()
        walks.save_observation(engine, project_id, walk, uuid, {
            "focus_area": FOCUS_AREAS[i % 5], "kind": KINDS[i % 3], "rating": 1 + i % 5,
            "comment": f"Observation {i}: " + "en mening om platsen " * (1 + i % 4), "lon": rng.uniform(26.944, 26.953),
            "lat": rng.uniform(60.520, 60.526), "position_source": "gps", "author": "Anna"})
        uuids.append(uuid)
    for i in range(photo_count):
        out = io.BytesIO()
        Image.new("RGB", (1600, 1200), (40 * i, 120, 200)).save(out, "JPEG")
        photos.add_photo(engine, project_id, uuids[i], out.getvalue(), f"IMG_{i}.jpg")
    walks.save_assessment(engine, walk, "Grupp A", {a: (3 + i % 4, "") for i, a in enumerate(FOCUS_AREAS)})
    review.set_state(engine, project_id, uuids[0], "accepted", by="Styrgruppen")
    review.add_comment(engine, project_id, uuids[0], "Kommunen", "Vi tar det.")
    review.create_action(engine, project_id, "Bänkar på torget", "place", uuid=uuids[0], priority="high")


def bench_report(count: int = 25, photo_count: int = 4) -> None:
    """The PDF report against the HTML report, both on the demo with a walk (same process;
    the network for walking distances is compiled before either is timed)."""
    from bidgeo import report
    from bidgeo.db import open_store
    from bidgeo.demo import ensure_demo

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BIDGEO_HOME"] = tmp
        os.environ.pop("BIDGEO_DATABASE_URL", None)
        engine = open_store()
        demo = ensure_demo(engine)
        _walk_of(engine, demo.id, count, photo_count)
        html = timed(lambda: report.html_report(engine, demo.id), repeat=3)
        pdf = timed(lambda: report.pdf_report(engine, demo.id), repeat=3)
        size = len(report.pdf_report(engine, demo.id)) / 1e6
        engine.dispose()
    print(f"status-analysis PDF report ({count} observations, {photo_count} photos): {pdf:6.2f} s ({size:.1f} MB)")
    print(f"  baseline HTML report of the same project:           {html:6.2f} s   ratio {pdf / html:.2f}")


def _one_town(grid: int) -> dict:
    """Run in a fresh process: time and peak memory of the coverage pipeline on one town."""
    from town import write_town

    from bidgeo import coverage
    from bidgeo.osm import read_osm

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BIDGEO_HOME"] = tmp
        path = Path(tmp) / f"town{grid}.osm.pbf"
        size = write_town(grid, path)
        start = time.perf_counter()
        osm = read_osm(path)
        parsed = time.perf_counter()
        net = coverage.build_network(osm)
        built = time.perf_counter()
        cache = Path(tmp) / "network.npz"
        coverage.save(net, cache)
        del osm
        start_load = time.perf_counter()
        net = coverage.load(cache)
        loaded = time.perf_counter()
        keys = sorted(set(net.services["category"]))
        result = coverage.coverage(net, keys=keys)
        covered = time.perf_counter()
        return {
            "grid": grid, "network_nodes": net.n_nodes, "buildings": size.buildings,
            "origins": len(net.origin_node), "categories": len(keys),
            "parse_s": parsed - start, "build_s": built - parsed, "reload_s": loaded - start_load,
            "coverage_s": covered - loaded,
            "share_400_public_transport": result.summary()["categories"]["public_transport"]["share_within"]["400"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def bench_towns(grids: list[int]) -> None:
    print("synthetic towns (each in a fresh process):")
    print(f"  {'nodes':>8} {'buildings':>9} {'parse s':>8} {'build s':>8} {'reload s':>8} "
          f"{'coverage s':>10} {'cats':>4} {'peak MB':>8}")
    for grid in grids:
        out = subprocess.run([sys.executable, __file__, "--one-town", str(grid)], capture_output=True,
                             text=True, check=True, cwd=REPO)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {r['network_nodes']:>8} {r['buildings']:>9} {r['parse_s']:>8.2f} {r['build_s']:>8.2f} "
              f"{r['reload_s']:>8.3f} {r['coverage_s']:>10.3f} {r['categories']:>4} {r['peak_rss_mb']:>8.0f}")


def bench_against_osmnx(grid: int) -> None:
    import baseline_osmnx
    from town import write_town

    from bidgeo import coverage
    from bidgeo.osm import read_osm

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"town{grid}.osm"
        write_town(grid, path)
        start = time.perf_counter()
        theirs = baseline_osmnx.coverage(str(path))
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        ours = coverage.coverage(coverage.build_network(read_osm(path))).summary()["categories"]
        mine = time.perf_counter() - start
    worst = max(abs(theirs[k]["share_within"][b] - ours[k]["share_within"][b])
                for k in theirs for b in theirs[k]["share_within"])
    print(f"end to end on the same {grid}x{grid} town (.osm), parse to coverage of every category:")
    print(f"  osmnx + networkx: {baseline:7.2f} s")
    print(f"  bidgeo:           {mine:7.2f} s   speed-up {baseline / mine:.1f}x; "
          f"largest share difference {worst:.4f} (geodesic vs UTM edge lengths)")


def _peak_mb() -> float:
    """This process image's peak memory (VmHWM), with its finished children's (the workers)."""
    own = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:")) / 1024
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _one_region(kind: str, home: str, osm: str, localities: str, population: str) -> dict:
    """Run in a fresh process: the whole regional run (read, both networks, every category,
    every locality, on foot and by car) by bidgeo or by a baseline, with wall and CPU time
    (this process and its workers) and peak memory."""
    os.environ["BIDGEO_HOME"] = home
    start, cpu = time.perf_counter(), time.process_time()
    stages: list[tuple[str, float]] = []
    if kind == "bidgeo":
        from bidgeo import region

        loc = region.read_localities(Path(localities).read_bytes(), Path(localities).name, "tatort")
        pop = region.read_population(Path(population).read_bytes(), Path(population).name, "beftotalt",
                                     ["bef_65plus", "bef_80plus"]) if population != "-" else None
        compiled = region.compile_region(osm, progress=lambda s: stages.append((s, time.perf_counter() - start)))
        out = {}
        for mode in region.MODES:
            summary = region.analyse(compiled, loc, mode, population=pop).summary()
            out[mode] = {g["name"]: {k: {"median_m": v["median_m"], "share_within": v["share_within"]}
                                     for k, v in g["categories"].items() if v["services"] or v["median_m"] is not None}
                         for g in summary["localities"]}
    elif kind == "baseline":
        import geopandas as gpd

        import baseline_region
        from bidgeo import categories

        frame = gpd.read_file(localities).to_crs(4326).rename(columns={"tatort": "name"})
        out = baseline_region.region(osm, frame, [c.key for c in categories.categories()],
                                     {"walk": (400, 800, 1200), "drive": (2000, 5000, 10000, 20000)})
    else:  # osmnx, on an .osm XML copy
        import geopandas as gpd

        import baseline_osmnx

        frame = gpd.read_file(localities).to_crs(4326).rename(columns={"tatort": "name"})
        out = baseline_osmnx.region(osm, frame, {"walk": (400, 800, 1200), "drive": (2000, 5000, 10000, 20000)})
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu + children.ru_utime
            + children.ru_stime, "peak_mb": _peak_mb(), "stages": stages, "result": out}


def _region_run(kind: str, home: str, files: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one-region", kind, home, str(files["osm"]),
                           str(files["localities"]), str(files["population"])], capture_output=True, text=True,
                          check=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _real_region(folder: Path) -> dict:
    """The demo's real extract (Karhula) as a region of two localities: the BID area of the
    demo and the rest of Karhula within 1.5 km of it (SWEREF-like metres: ETRS-TM35FIN); no
    population grid."""
    import geopandas as gpd

    import osmium

    centre = gpd.read_file(DEMO.with_name("karhula_centrum.geojson")).to_crs(3067).geometry.iloc[0]
    frame = gpd.GeoDataFrame({"tatort": ["Karhula centrum", "Karhula"]},
                             geometry=[centre, centre.buffer(1500).difference(centre)], crs=3067)
    frame.to_file(folder / "karhula.gpkg")
    # The extract is cut at its edges; osmnx refuses ways with missing nodes, and libosmium
    # makes no area of a cut building (bidgeo keeps it, from the nodes it has). So all three
    # read the extract without its cut ways, as .osm XML (osmnx reads no .pbf).
    present = {n.id for n in osmium.FileProcessor(str(DEMO), osmium.osm.NODE)}
    whole = folder / "karhula-whole-ways.osm"
    with osmium.SimpleWriter(str(whole)) as writer:
        for obj in osmium.FileProcessor(str(DEMO)):
            if not obj.is_way() or all(n.ref in present for n in obj.nodes):
                writer.add(obj)
    return {"osm": whole, "localities": folder / "karhula.gpkg", "population": "-"}


def _worst_difference(ours: dict, theirs: dict) -> tuple[float, float]:
    """The largest difference in a share and in a median (metres) between two results."""
    share = median = 0.0
    for mode in theirs:
        for name in theirs[mode]:
            for key, value in theirs[mode][name].items():
                mine = ours[mode][name].get(key)
                if mine is None:
                    continue
                share = max(share, *(abs(mine["share_within"][b] - v) for b, v in value["share_within"].items()))
                if mine["median_m"] is not None and value["median_m"] is not None:
                    median = max(median, abs(mine["median_m"] - value["median_m"]))
    return share, median


def bench_region(osmnx_county: bool = False) -> None:
    """``bidgeo region``'s whole run on the synthetic county (benchmarks/county.py: 1.4 M
    nodes, 430k walkable nodes, 180k origin buildings, 8 localities, a 1 km population grid)
    against the careful pyosmium + scipy script (baseline_region.py), each cold in a fresh
    process in the same run; the second run from bidgeo's cache, and the CLI's second run
    (process start, imports, the bounded readers' workers); and against osmnx + networkx on
    the medium region (a subset: osmnx cannot read the county in minutes), with bidgeo on
    the same file."""
    from county import county

    cache = REPO / ".pytest_cache" / "d"
    files = county(cache, "full")
    with tempfile.TemporaryDirectory() as home:
        ours = _region_run("bidgeo", home, files)
        again = _region_run("bidgeo", home, files)
        theirs = _region_run("baseline", home, files)
        env = {**os.environ, "BIDGEO_HOME": home}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bidgeo", "region", str(files["osm"]), "--localities",
                        str(files["localities"]), "--name-field", "tatort", "--population", str(files["population"]),
                        "--population-field", "beftotalt", "--age-fields", "bef_65plus,bef_80plus", "--mode", "drive"],
                       check=True, capture_output=True, env=env, cwd=REPO)
        cli = time.perf_counter() - start
    share, median = _worst_difference(ours["result"], theirs["result"])
    stages = ", ".join(f"{name} {at:.1f}" for name, at in ours["stages"])
    print("regional comparison on the synthetic county, the whole run (both networks, every category and locality):")
    print(f"  bidgeo region, cold:        {ours['wall_s']:6.2f} s wall, {ours['cpu_s']:6.2f} s CPU, "
          f"peak {ours['peak_mb']:.0f} MB (stages begin at s: {stages})")
    print(f"  baseline pyosmium + scipy:  {theirs['wall_s']:6.2f} s wall, {theirs['cpu_s']:6.2f} s CPU, "
          f"peak {theirs['peak_mb']:.0f} MB   ratio {ours['wall_s'] / theirs['wall_s']:.2f} (wall), "
          f"{ours['cpu_s'] / theirs['cpu_s']:.2f} (CPU)")
    print(f"  largest difference: share {share:.4f}, median {median:.2f} m")
    print(f"  bidgeo second run (cache):  {again['wall_s']:6.2f} s wall, {again['cpu_s']:6.2f} s CPU; "
          f"the CLI's second run {cli:.2f} s wall   ratio to cold {again['wall_s'] / ours['wall_s']:.2f}")
    _against_osmnx("the medium region (.osm XML; about 1/17 of the county's network)", county(cache, "medium"))
    with tempfile.TemporaryDirectory() as home:
        real = _real_region(Path(home))
        ours_r = _region_run("bidgeo", home, real)
        theirs_r = _region_run("baseline", home, real)
        osmnx_r = _region_run("osmnx", home, real)
    share, median = _worst_difference(ours_r["result"], theirs_r["result"])
    share_x, median_x = _worst_difference(ours_r["result"], osmnx_r["result"])
    print("  on the largest real extract here (Karhula, the demo, without its cut ways; 2 localities, "
          "no population grid), cold:")
    print(f"    bidgeo:                   {ours_r['wall_s']:6.2f} s wall")
    print(f"    baseline pyosmium + scipy:{theirs_r['wall_s']:6.2f} s wall   ratio "
          f"{ours_r['wall_s'] / theirs_r['wall_s']:.2f}; largest difference: share {share:.4f}, median {median:.2f} m")
    print(f"    osmnx + networkx:         {osmnx_r['wall_s']:6.2f} s wall   speed-up "
          f"{osmnx_r['wall_s'] / ours_r['wall_s']:.1f}x; largest difference: share {share_x:.4f}, median {median_x:.2f} m")
    if osmnx_county:
        _against_osmnx("the whole county (.osm XML, since osmnx reads no .pbf)", files, pbf_wall=ours["wall_s"])


def _against_osmnx(what: str, files: dict, pbf_wall: float | None = None) -> None:
    """bidgeo against osmnx + networkx on ``files``' extract written as .osm XML (osmnx reads no
    .pbf), each cold in a fresh process; ``pbf_wall`` is bidgeo's time on the .pbf itself."""
    import osmium

    with tempfile.TemporaryDirectory() as home:
        xml = Path(home) / "region.osm"
        osmium.apply(str(files["osm"]), osmium.WriteHandler(str(xml)))
        ours = _region_run("bidgeo", home, {**files, "osm": xml})
        theirs = _region_run("osmnx", home, {**files, "osm": xml})
    share, median = _worst_difference(ours["result"], theirs["result"])
    print(f"  on {what}, cold:")
    print(f"    osmnx + networkx:         {theirs['wall_s']:6.2f} s wall, {theirs['cpu_s']:6.2f} s CPU, "
          f"peak {theirs['peak_mb']:.0f} MB")
    print(f"    bidgeo on the same XML:   {ours['wall_s']:6.2f} s wall, {ours['cpu_s']:6.2f} s CPU   "
          f"speed-up {theirs['wall_s'] / ours['wall_s']:.1f}x (wall), {theirs['cpu_s'] / ours['cpu_s']:.1f}x (CPU)"
          + (f"; against bidgeo on the .pbf {theirs['wall_s'] / pbf_wall:.1f}x" if pbf_wall else "")
          + f"; largest difference: share {share:.4f}, median {median:.2f} m")

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one-town", type=int)
    parser.add_argument("--report", action="store_true", help="only the report benchmark")
    parser.add_argument("--tablets", action="store_true", help="only the tablets-at-once benchmark")
    parser.add_argument("--scale", action="store_true", help="only the dense town's pages and a big extract")
    parser.add_argument("--create-mb", type=float, default=50, help="size of the big extract (--scale)")
    parser.add_argument("--one-create")
    parser.add_argument("--region", action="store_true", help="only the regional comparison (issue 18)")
    parser.add_argument("--osmnx-county", action="store_true",
                        help="with --region, osmnx on the whole county too (about a quarter of an hour)")
    parser.add_argument("--one-region", nargs=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    sys.path.insert(0, str(REPO / "tests"))
    if args.one_town:
        print(json.dumps(_one_town(args.one_town)))
        sys.exit(0)
    if args.one_region:
        print(json.dumps(_one_region(*args.one_region)))
        sys.exit(0)
    if args.region:
        bench_region(args.osmnx_county)
        sys.exit(0)
    if args.one_create:
        print(json.dumps(_one_create(args.one_create)))
        sys.exit(0)
    if args.report:
        bench_report()
        sys.exit(0)
    if args.scale:
        bench_scale_pages()
        bench_creation(args.create_mb)
        sys.exit(0)
    if args.tablets:
        bench_tablets()
        sys.exit(0)
    bench_reading()
    bench_cold_start()
    bench_services_page()
    bench_report()
    bench_tablets()
    bench_scale_pages()
    bench_creation(args.create_mb)
    bench_towns([20, 40] if args.quick else [40, 80, 160, 242])
    bench_against_osmnx(30 if args.quick else 80)
    bench_region()
