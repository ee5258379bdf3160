"""Harness of the radiation tests: a scenario run with its events collected, a memory device
class, a coarse AP8 grid, and the references only tests use."""
from __future__ import annotations

import math

import numpy as np

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation

COARSE = {"lat_step_deg": 5.0, "lon_step_deg": 10.0, "alt_step_km": 100.0,
          "energies_mev": [10.0, 20.0, 30.0, 50.0, 70.0, 100.0, 200.0, 400.0]}
QUIET = {"mode": "off"}
SPE_LIST = "data:noaa_spe_2010-2024.csv"   # the NOAA SWPC list shipped with odcsim (sim/data/SOURCE.md)
CELESTRAK_SW = ("space_weather", "celestrak_sw19571001_1957-2026.txt.gz")   # ../shared/data


def run(tmp_path, shells, radiation, *, epoch="2026-03-20T00:00:00Z", duration="1d", dt_s=30, kinds=(),
        record_s=60 * 30):
    """(Simulation, RunResult, {kind: (n, 5) array of t, sat, a, b, c}) of a seed-3 run."""
    scenario = scenario_from_dict({"name": "rad", "epoch": epoch, "duration": duration, "dt_s": dt_s, "seed": 3,
                                   "record": {"every_s": record_s}, "constellation": shells,
                                   "radiation": radiation})
    sim = Simulation(scenario)
    seen = {k: [] for k in kinds}
    for k in kinds:
        sim.events.subscribe(k, lambda t, s, a, b, c, k=k: seen[k].append(
            np.stack([t, s.astype(float), a, b, c], axis=1)))
    result = sim.run(tmp_path / "rad.h5")
    events = {k: (np.concatenate(v) if v else np.zeros((0, 5))) for k, v in seen.items()}
    return sim, result, events


def memory(name="mem", **kw):
    """A per-satellite memory of 1e8 bits without ECC (bit upsets only)."""
    base = {"name": name, "per": "satellite", "count": 1, "bits": 1e8, "sigma_bit_cm2": 1e-13, "ecc": False,
            "mbu_fraction": 0.0}
    base.update(kw)
    return base


def heavy_ions_off(n):
    """The kernel's heavy-ion inputs of a run without heavy ions (no classes): table, 1/step, weights,
    per-GPU flags, per-device rates, satellite rates."""
    return np.zeros((0, 2, 2)), 10.0, np.zeros((n, 0, 2)), np.zeros(0), np.zeros((n, 0, 2)), np.zeros((2, n))


def igrf_dipole(when):
    """(north geomagnetic pole unit vector, Earth-fixed; dipole moment [A m²]) of IGRF-14 at `when`,
    read straight from the SHC coefficient file ppigrf ships (a header line, the epochs, then
    'n m values…' per coefficient, m < 0 for h), linearly interpolated in decimal years:
    M = 4π a³ √(g10² + g11² + h11²) / μ0, a = 6371.2 km."""
    from ppigrf.ppigrf import shc_fn_igrf14
    with open(shc_fn_igrf14) as f:
        lines = [line.split() for line in f if line.strip() and not line.startswith("#")]
    years = np.array(lines[1], dtype=float)
    coef = {(int(t[0]), int(t[1])): np.array(t[2:], dtype=float) for t in lines[2:]}
    year = when.year + (when.timetuple().tm_yday - 1) / 365.25
    g10, g11, h11 = (float(np.interp(year, years, coef[k])) for k in ((1, 0), (1, 1), (1, -1)))
    b0_nt = math.sqrt(g10 ** 2 + g11 ** 2 + h11 ** 2)
    return -np.array([g11, h11, g10]) / b0_nt, 4.0 * math.pi * 6371.2e3 ** 3 * b0_nt * 1e-9 / (4e-7 * math.pi)


GPUS = 4
# a payload that never throttles: always sunlit (dawn–dusk, equinox), oversized array, battery, radiator
HARDWARE = {"gpu": {"preset": "h100-sxm", "count": GPUS},
            "solar_array": {"area_m2": 20.0, "efficiency": 0.3, "tracking": "sun"},
            "battery": {"capacity_wh": 20000},
            "radiator": {"area_m2": 10.0, "emissivity": 0.9, "absorptivity": 0.1, "sides": 2,
                         "orientation": "edge_on_sun"}}
GPU_SHELLS = [{"name": "dd", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 4}, **HARDWARE}]
