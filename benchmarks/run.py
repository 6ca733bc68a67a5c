"""bidgeo benchmarks, one command: ``python benchmarks/run.py``.

Each figure is reported with a baseline measured in the same run:
- reading the demo extract with bidgeo.osm.read_osm, against GDAL's OSM driver (pyogrio)
  reading the same file's points, lines and multipolygons;
- building and rendering the overview map, against reading the extract;
- a cold start of the app (empty store: migrations, demo import, first page) until Leaflet has
  drawn the first map in Chromium, against a warm reload of the same page.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BIDGEO_HOME": home}
        env.pop("BIDGEO_DATABASE_URL", None)
        start = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            server_up = time.perf_counter() - start
            first = _first_map(browser, url)
            cold = time.perf_counter() - start
            warm = statistics.median(_first_map(browser, url) for _ in range(3))
        finally:
            server.terminate()
            server.wait(10)
            browser.close()
    print(f"cold start to first map (empty store):   {cold:7.2f} s   (server up {server_up:.2f} s, first page {first:.2f} s)")
    print(f"  baseline warm reload to map:            {warm:7.2f} s   ratio {cold / warm:.2f}")


if __name__ == "__main__":
    bench_reading()
    bench_cold_start()
