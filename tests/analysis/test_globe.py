"""The run on a globe: the CZML document (checked against czml3's models of the CZML
specification, and against the run's own recorded positions through the closed-form WGS84
geodetic → Earth-fixed conversion) and the offline CesiumJS page in headless chromium."""
from __future__ import annotations

import json
import math
import os
import threading

import numpy as np
import pytest
from czml3 import Packet

from sim.analysis.czml import run_czml, sampled, satellite_count, write_czml
from sim.analysis.results import open_run
from sim.cli import main
from tests.browser import browser_page, screenshot_spread

SCENARIO = """
name: globe
epoch: 2012-03-07T04:40:00Z     # the S3 solar particle event of 7 March 2012 starts at 05:10
duration: 1h
dt_s: 10
seed: 1
record: {every_s: 60s}
constellation:
  - name: shell
    walker: {altitude_km: 550, inclination_deg: 53, planes: 6, sats_per_plane: 12, phasing: 1}
    gpu: {preset: h100-sxm, count: 4}
    solar_array: {area_m2: 10.0, efficiency: 0.30, tracking: sun}
    battery: {capacity_wh: 4000}
    radiator: {area_m2: 2.0, emissivity: 0.85, absorptivity: 0.10, sides: 2, orientation: edge_on_sun}
radiation:
  shielding_al_mm: 2
  spe: {mode: replay, replay_csv: data:noaa_spe_2010-2024.csv}
network:
  crosslinks:
    topology: grid
    max_terminals: 4
    max_range_km: 6000
    rate: {max_gbps: 100, ref_gbps: 100, ref_range_km: 5400}
    acquisition: {distribution: uniform, min_s: 2, max_s: 30}
  ground_stations:
    file: data:ground_stations/brahe_ksat.json
    defaults: {min_elevation_deg: 10, kind: rf, rate_gbps: 1}
"""


@pytest.fixture(scope="module")
def globe_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("globe")
    (d / "globe.yaml").write_text(SCENARIO)
    assert main(["run", str(d / "globe.yaml"), "-o", str(d / "globe.h5"), "--quiet"]) == 0
    assert main(["export", str(d / "globe.h5"), "--czml", str(d / "globe.czml")]) == 0
    return d


def _wgs84_ecef_m(lat_deg, lon_deg, h_m):
    """Closed form (e.g. Vallado, Fundamentals of Astrodynamics, eq. 3-7): WGS84 a = 6378137 m,
    1/f = 298.257223563."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    n = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return ((n + h_m) * math.cos(lat) * math.cos(lon), (n + h_m) * math.cos(lat) * math.sin(lon),
            (n * (1 - e2) + h_m) * math.sin(lat))


def test_every_packet_is_valid_czml(globe_run):
    packets = json.loads((globe_run / "globe.czml").read_text())
    assert packets[0]["id"] == "document" and packets[0]["version"] == "1.0"
    for p in packets:
        Packet.model_validate(p)   # czml3's pydantic models of the CZML packet schema
    kinds = {p["id"].split("/")[0] for p in packets}
    assert {"sat", "link", "station", "contact", "saa", "spe"} <= kinds


def test_positions_are_the_recorded_ones(globe_run):
    packets = {p["id"]: p for p in json.loads((globe_run / "globe.czml").read_text())}
    with open_run(globe_run / "globe.h5") as run:
        ts = run.timeseries
        assert satellite_count(globe_run / "globe.czml") == ts.sizes["satellite"]
        for column in (0, 37, 71):
            sat = int(ts["satellite"].values[column])
            samples = np.asarray(packets[f"sat/{sat}"]["position"]["cartesian"]).reshape(-1, 4)
            assert samples.shape[0] == ts.sizes["time"]
            for row in (0, 17, ts.sizes["time"] - 1):
                expected = _wgs84_ecef_m(float(ts["lat_deg"].values[row, column]),
                                         float(ts["lon_deg"].values[row, column]),
                                         float(ts["alt_km"].values[row, column]) * 1e3)
                assert samples[row, 0] == pytest.approx(run.t_s[row] - run.t_s[0])
                assert np.allclose(samples[row, 1:], expected, atol=1.0)
        ups = int((run.events["kind_name"] == "link_up").sum())
    links = [p for p in packets.values() if p["id"].startswith("link/")]
    assert 0 < len(links) <= ups   # one polyline per up interval (each link's two ends emit one event)


def test_large_runs_are_sampled_within_the_limits(globe_run):
    columns, stride = sampled(10_000, 1441, 1000, 1_000_000)
    assert columns.size == 1000 and columns[0] == 0 and columns[-1] == 9999
    assert math.ceil(1441 / stride) * columns.size <= 1_000_000
    with open_run(globe_run / "globe.h5") as run:
        packets = run_czml(run, max_satellites=10, max_points=100)
    sats = [p for p in packets if p.id.startswith("sat/")]
    assert len(sats) == 10
    samples = sum(len(json.loads(p.dumps())["position"]["cartesian"]) // 4 for p in sats)
    assert samples <= 100 + len(sats)   # + each track's last row


def test_export_refuses_bad_input(globe_run, tmp_path, capsys):
    assert main(["export", str(tmp_path / "missing.h5"), "--czml", str(tmp_path / "x.czml")]) == 2
    assert main(["export", str(globe_run / "globe.h5"), "--czml", str(tmp_path / "no" / "x.czml")]) == 2
    assert main(["export", str(globe_run / "globe.h5"), "--czml", str(tmp_path / "x.czml"), "--max-points", "0"]) == 2
    assert not (tmp_path / "x.czml").exists()


def test_the_globe_renders_the_run_in_a_browser(globe_run):
    from sim.analysis import globe

    try:
        globe.cesium_dir()
    except globe.CesiumMissing as exc:
        if os.environ.get("ODCSIM_REQUIRE_BROWSER"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    assert main(["view", str(globe_run / "globe.czml"), "-o", str(globe_run / "view")]) == 0
    server = globe.serve(globe_run / "view")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # software WebGL: headless chromium has no GPU here
        with browser_page(["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]) as (page, errors):
            page.set_default_timeout(120_000)
            page.goto(server.url)
            page.wait_for_function("document.body.dataset.loaded === '1'")
            page.evaluate("viewer.clock.shouldAnimate = false")
            assert page.evaluate("window.odcsimSatellites") == satellite_count(globe_run / "globe.czml") == 72
            page.wait_for_timeout(2000)
            assert screenshot_spread(page) > 10.0
            assert errors == []
    finally:
        server.shutdown()
        server.server_close()


def test_write_czml_leaves_no_partial_file(globe_run, tmp_path, monkeypatch):
    import sim.analysis.czml as czml

    class Broken(czml.Packet):
        def dumps(self, **kwargs):
            raise OSError(28, "No space left on device")
    with open_run(globe_run / "globe.h5") as run:
        packets = czml.run_czml(run)
        monkeypatch.setattr(czml, "run_czml", lambda run, **limits: [*packets[:3], Broken(id="x")])
        with pytest.raises(OSError):
            write_czml(run, tmp_path / "out.czml")
    assert list(tmp_path.iterdir()) == []
