"""Probing issue 13: the command line's output as other programs read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CASES_OSM, REPO
from test_cli import bidgeo


def strict_json(text: str):
    """JSON as RFC 8259 has it (jq, QGIS, browsers): no NaN or Infinity."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def test_services_without_a_name_are_valid_geojson():
    result = bidgeo("services", CASES_OSM)
    assert result.returncode == 0, result.stderr
    features = strict_json(result.stdout)["features"]
    unnamed = [f for f in features if f["properties"]["name"] is None]
    assert unnamed and len(features) == 17


def test_a_reader_that_stops_early_gets_no_error(tmp_path):
    """``bidgeo ... | head -1``: the reader closing the pipe is no failure of bidgeo's."""
    env = {**os.environ, "BIDGEO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    subprocess.run([sys.executable, "-m", "bidgeo", "demo"], env=env, cwd=REPO, check=True, capture_output=True)
    for argv in (("audit", "--json"), ("services", str(CASES_OSM))):
        reader = subprocess.Popen([sys.executable, "-m", "bidgeo", *argv], env=env, cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        reader.stdout.close()  # as head does once it has its lines, here before bidgeo writes any
        err = reader.stderr.read().decode()
        reader.wait(60)
        assert err == "", (argv, err)
        assert reader.returncode == 141, argv  # as a program killed by SIGPIPE, for `set -o pipefail`


def test_a_buffer_that_is_no_distance_is_said_before_asking_overpass(bidgeo_home):
    from fake_overpass import FakeOverpass

    from conftest import DEMO_OSM
    from test_cli_mistakes import one_line

    area = REPO / "data" / "demo" / "karhula_centrum.geojson"
    with FakeOverpass(DEMO_OSM) as fake:
        for buffer in ("-5000", "nan", "inf", "1e7"):
            result = bidgeo("services", "--overpass", "--area", area, "--buffer", buffer,
                            env={"BIDGEO_OVERPASS_URL": fake.url})
            assert result.returncode == 1, (buffer, result.stderr)
            assert "0–50000 m" in one_line(result), buffer
        assert fake.requests == []
        assert bidgeo("services", "--overpass", "--area", area, "--buffer", "0",
                      env={"BIDGEO_OVERPASS_URL": fake.url}).returncode == 0


def test_audit_limit_outside_its_range_is_said(tmp_path):
    from test_cli_mistakes import one_line

    env = {"BIDGEO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    assert bidgeo("demo", env=env).returncode == 0
    for limit in ("-1", "0", "100000000000000000000"):  # -1 listed everything, 0 nothing, the last an internal error
        result = bidgeo("audit", "--limit", limit, env=env)
        assert result.returncode == 1 and "--limit" in one_line(result), (limit, result.stderr)
        assert result.stdout == ""
    assert bidgeo("audit", "--limit", "1", env=env).stdout.count("\n") == 1

