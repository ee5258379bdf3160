"""Ground contacts: windows against an independent python-sgp4 computation, and the usable
fraction against the clear-sky probability."""
import math
from pathlib import Path

import numpy as np

from sim.core.simulation import Simulation
from tests.network.common import collect, scenario, stacked


def _tle_file(tmp_path):
    from sgp4.api import WGS72, Satrec
    from sgp4.exporter import export_tle
    sat = Satrec()
    # 550 km, 53°, epoch 2026-03-20 00:00 UTC (days since 1949-12-31 00:00)
    sat.sgp4init(WGS72, "i", 1, 2461119.5 - 2433281.5, 0.0, 0.0, 0.0, 1e-4, 0.0, math.radians(53.0),
                 math.radians(10.0), 15.05 * 2 * math.pi / 1440.0, math.radians(40.0))
    l1, l2 = export_tle(sat)
    path = tmp_path / "one.tle"
    path.write_text(f"SAT\n{l1}\n{l2}\n")
    return path


# longitude chosen so that four passes fall in the first 6 h (a cheaper run than a full day)
STATION = {"name": "mid-latitude site", "lat_deg": 48.0, "lon_deg": -90.0, "alt_m": 500.0, "min_elevation_deg": 10.0}


def reference_contacts(tle_path, t_end_s, epoch_jd=2461119.5):
    """Independent: python-sgp4 TEME positions every 1 s, GMST (IAU 1982, Vallado eq. 3-47)
    rotation, WGS84 geodetic station, elevation; crossings interpolated linearly."""
    from sgp4.api import Satrec
    lines = Path(tle_path).read_text().splitlines()
    sat = Satrec.twoline2rv(lines[1], lines[2])
    day_s = 86400.0
    t = np.arange(0.0, t_end_s + 1.0, 1.0)
    jd = epoch_jd + t / day_s
    err, r_km, _ = sat.sgp4_array(jd, np.zeros_like(jd))
    assert not err.any()
    T = (jd - 2451545.0) / 36525.0
    th = ((67310.54841 + (876600.0 * 3600 + 8640184.812866) * T + 0.093104 * T ** 2) % day_s) * 2 * np.pi / day_s
    x = np.cos(th) * r_km[:, 0] + np.sin(th) * r_km[:, 1]
    y = -np.sin(th) * r_km[:, 0] + np.cos(th) * r_km[:, 1]
    z = r_km[:, 2]
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    la, lo = np.radians(STATION["lat_deg"]), np.radians(STATION["lon_deg"])
    nr = a / math.sqrt(1 - e2 * math.sin(la) ** 2)
    h = STATION["alt_m"] / 1e3
    g = np.array([(nr + h) * math.cos(la) * math.cos(lo), (nr + h) * math.cos(la) * math.sin(lo),
                  (nr * (1 - e2) + h) * math.sin(la)])
    up = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    d = np.stack([x, y, z], axis=1) - g
    el = np.degrees(np.arcsin(d @ up / np.linalg.norm(d, axis=1))) - STATION["min_elevation_deg"]
    k = np.flatnonzero(np.sign(el[:-1]) != np.sign(el[1:]))
    times = t[k] + el[k] / (el[k] - el[k + 1])
    return times, el[k + 1] > 0


def test_contact_windows_agree_with_sgp4_within_a_tick(tmp_path):
    tle = _tle_file(tmp_path)
    sc = scenario({"ground_stations": {"stations": [STATION]}}, constellation=[{"tle": {"path": str(tle)}}],
                  duration="6h", base_dir=tmp_path)
    sim = Simulation(sc)
    got = collect(sim, "contact_start", "contact_end")
    sim.run(tmp_path / "c.h5")
    got = stacked(got)
    ref_t, ref_rising = reference_contacts(tle, 6 * 3600.0)
    assert ref_rising.sum() >= 3 and (~ref_rising).sum() >= 3  # a few complete passes
    np.testing.assert_allclose(np.sort(got["contact_start"][:, 0]), ref_t[ref_rising], atol=sc.dt_s)
    np.testing.assert_allclose(np.sort(got["contact_end"][:, 0]), ref_t[~ref_rising], atol=sc.dt_s)


def test_usable_contacts_follow_the_clear_sky_probability(tmp_path):
    """Twelve stations with clear-sky probability 0.3 over a 4×8 shell for 6 h: the fraction of
    contacts that start usable is 0.3 within four binomial standard deviations."""
    stations = [{"name": f"S{k}", "lat_deg": -55.0 + 10.0 * k, "lon_deg": 30.0 * k} for k in range(12)]
    sim = Simulation(scenario({"ground_stations": {"stations": stations, "defaults": {"clear_sky_probability": 0.3}}}))
    got = collect(sim, "contact_start")
    sim.run(tmp_path / "cloud.h5")
    got = stacked(got)
    usable = got["contact_start"][:, 3]
    n = usable.size
    assert n > 200
    assert abs(usable.mean() - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)
