"""The live-OSM path against a fake Overpass server on 127.0.0.1 (tests never use the
internet): the same services as the file, cached responses, and fast clear failures."""

from __future__ import annotations

import csv
import io
import socket
import time

import pytest

from bidgeo import overpass
from bidgeo.area import read_area
from bidgeo.osm import read_osm
from bidgeo.services import within
from conftest import DEMO_OSM, REPO
from fake_overpass import FakeOverpass
from test_cli import bidgeo

AREA = REPO / "data" / "demo" / "karhula_centrum.geojson"


@pytest.fixture(scope="module")
def fake():
    with FakeOverpass(DEMO_OSM) as server:
        yield server


def test_cli_overpass_gives_the_same_services_as_the_file(fake, bidgeo_home):
    result = bidgeo("services", "--overpass", "--area", AREA, "--buffer", "500", "--format", "csv",
                    env={"BIDGEO_OVERPASS_URL": fake.url, "BIDGEO_HOME": str(bidgeo_home)})
    assert result.returncode == 0, result.stderr
    got = sorted((r["category"], r["osm_type"], r["osm_id"]) for r in csv.DictReader(io.StringIO(result.stdout)))
    reference = within(read_osm(DEMO_OSM).services, overpass.buffered(read_area(AREA), 500))
    assert got == sorted((c, t, str(i)) for c, t, i in zip(reference["category"], reference["osm_type"],
                                                             reference["osm_id"]))
    assert len(got) == 18
    from urllib.parse import unquote_plus

    query = unquote_plus(fake.requests[-1])
    assert "(poly:'60.5" in query and "'highway'='bus_stop'" in query
    cached = list((bidgeo_home / "cache" / "overpass").glob("*.json"))
    assert len(cached) == 1 and cached[0].stat().st_size > 1000  # the raw response, with its file time


def test_offline_fails_fast_and_clearly(bidgeo_home):
    with socket.socket() as s:  # a port on this machine that nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    start = time.perf_counter()
    result = bidgeo("services", "--overpass", "--area", AREA,
                    env={"BIDGEO_OVERPASS_URL": f"http://127.0.0.1:{closed}/api"})
    assert time.perf_counter() - start < 15
    assert result.returncode == 3
    assert "går inte att nå just nu" in result.stderr and "OSM-utdrag" in result.stderr
    assert "anslutningen nekades" in result.stderr and "refused" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_server_that_never_answers_times_out_within_15_s(fake):
    fake.hang.set()
    try:
        start = time.perf_counter()
        result = bidgeo("services", "--overpass", "--area", AREA, "--buffer", "700",
                        env={"BIDGEO_OVERPASS_URL": fake.url})
        assert time.perf_counter() - start < 15
    finally:
        fake.hang.clear()
    assert result.returncode == 3 and "går inte att nå" in result.stderr
    assert "inget svar i tid" in result.stderr and "timed out" not in result.stderr


def test_a_server_that_hangs_up_is_said_so(bidgeo_home):
    with socket.socket() as listener:  # accepts the connection, reads the question, closes
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up():
            for _ in range(3):  # the reachability check, then the question (and a retry)
                conn, _ = listener.accept()
                conn.recv(65536)
                conn.close()

        import threading

        threading.Thread(target=hang_up, daemon=True).start()
        result = bidgeo("services", "--overpass", "--area", AREA, env={"BIDGEO_OVERPASS_URL": f"http://127.0.0.1:{port}/api",
                                                                       "BIDGEO_HOME": str(bidgeo_home)})
    assert result.returncode == 3 and "anslutningen bröts utan svar" in result.stderr, result.stderr


def test_an_overloaded_server_is_said_with_its_code(fake):
    fake.busy = True
    try:
        result = bidgeo("services", "--overpass", "--area", AREA, "--buffer", "600",
                        env={"BIDGEO_OVERPASS_URL": fake.url})
    finally:
        fake.busy = False
    assert result.returncode == 3, result.stderr
    assert "felkod 504" in result.stderr and "Gateway" not in result.stderr and "responded" not in result.stderr
    english = bidgeo("--lang", "en", "services", "--overpass", "--area", AREA, "--buffer", "650",
                     env={"BIDGEO_OVERPASS_URL": "http://127.0.0.1:9/api"})
    assert english.returncode == 3 and "connection was refused" in english.stderr


def test_overpass_needs_an_area():
    result = bidgeo("services", "--overpass")
    assert result.returncode == 1 and "--area" in result.stderr
    assert bidgeo("services").returncode == 2
