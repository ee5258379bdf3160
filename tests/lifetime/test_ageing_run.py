"""Ageing end to end through a Simulation (sim.lifetime.ageing): the battery capacity the payload
runs on, the array efficiency where radiation is on, the /lifetime/capacity table and bad input.

References: Q/Q0 = 1 − f_eol Σ(DoD/DoD_ref)^k / N_ref − a √t (the cited curve of
sim.lifetime.ageing_kernels; the half-cycles recounted here from the recorded per-tick SOC by an
independent turning-point loop); P/P0 = 1 − C log10(1 + D/D_x) (Summers et al., IEEE PVSC 1993);
working GPUs = installed − the GPUs lost in the radiation subsystem's device_lost events.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.config.base import ConfigError
from sim.config.loading import scenario_from_dict
from sim.core.constants import SECONDS_PER_JULIAN_YEAR
from sim.core.simulation import Simulation
from tests.radiation.helpers import COARSE, GPU_SHELLS, GPUS

BATTERY = {"cycles_to_eol_at_ref_dod": 3000.0, "ref_dod": 0.3, "dod_exponent": 1.5, "eol_fade": 0.2,
           "calendar_fade_per_sqrt_year": 0.02, "min_half_cycle_dod": 1e-3}
NO_KEEPING = {"station_keeping": {"enabled": False}, "mass_kg": 150.0}


def _recount(soc: np.ndarray, ref_dod: float, k: float, h: float) -> float:
    """Σ (DoD/ref)^k over the discharge half-cycles of one SOC trace (local max → next min,
    reversals of more than h), written out in plain Python."""
    damage, peak, trough, falling = 0.0, soc[0], soc[0], False
    for s in soc:
        if falling:
            if s < trough:
                trough = s
            elif s - trough > h:
                damage += ((peak - trough) / ref_dod) ** k
                falling, peak = False, s
        elif s > peak:
            peak = s
        elif peak - s > h:
            falling, trough = True, s
    return damage


def test_battery_capacity_follows_the_counted_half_cycles(tmp_path):
    """An equatorial 400 km orbit (an eclipse every orbit) for one day at 60 s ticks, SOC recorded
    every tick: the capacity the payload holds at the end is Q0 (1 − f_eol D/N_ref − a √t)."""
    sim = Simulation(scenario_from_dict({
        "name": "age", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": 60, "seed": 1,
        "record": {"every_s": 60},
        "constellation": [{"name": "eq", "elements": [{"altitude_km": 400.0, "inclination_deg": 0.0}],
                           "gpu": {"preset": "h100-sxm", "count": 4}, "battery": {"capacity_wh": 3000},
                           "solar_array": {"area_m2": 12.0, "tracking": "sun"}}],
        "lifetime": {**NO_KEEPING, "drag": {"density": "exponential"},
                     "ageing": {"battery": BATTERY, "table_every_s": "6h"}}}))
    q0 = float(sim.fleet.battery_capacity_wh[0])
    result = sim.run(tmp_path / "age.h5")
    with open_run(result.path) as run:
        soc = np.concatenate([[1.0], run.timeseries["soc"].values[:, 0]])
        table = run.tables["lifetime/capacity"]
    damage = _recount(soc, 0.3, 1.5, 1e-3)
    assert damage > 5.0   # ~15 eclipses
    t_years = 86400.0 / SECONDS_PER_JULIAN_YEAR
    expected = q0 * (1.0 - 0.2 * damage / 3000.0 - 0.02 * math.sqrt(t_years))
    assert sim.fleet.battery_capacity_wh[0] == pytest.approx(expected, rel=1e-9)
    assert list(table["t_s"]) == [0.0, 21600.0, 43200.0, 64800.0, 86400.0]
    assert table["battery_capacity_wh_mean"].iloc[-1] == pytest.approx(expected, rel=1e-9)
    assert np.all(np.diff(table["battery_capacity_wh_mean"]) < 0.0)


def test_working_gpus_are_installed_minus_lost_and_arrays_follow_the_dose(tmp_path):
    """Radiation on (AP8 behind 10 mm Al, GCR) with destructive latch-ups at a raised cross-section:
    every row of the capacity table has working = installed − GPUs lost by then (device_lost
    events); the array efficiency at the end is η0 (1 − C log10(1 + D/D_x)) at the final dose."""
    rad = {"trapped": {**COARSE, "cache_dir": str(tmp_path)}, "spe": {"mode": "off"},
           "cosmic_rays": {"flux_solar_min_cm2_s": 5.0, "flux_solar_max_cm2_s": 5.0, "cutoff_index": 1e-9},
           "devices": [{"name": "gpu_logic", "per": "gpu", "count": 1, "sigma_sel_cm2": 2e-5,
                        "sel_destructive_probability": 0.5}]}
    scenario = scenario_from_dict({
        "name": "age", "epoch": "2026-03-20T00:00:00Z", "duration": "12h", "dt_s": 30, "seed": 3,
        "record": {"every_s": "1h"}, "constellation": GPU_SHELLS, "radiation": rad,
        "lifetime": {**NO_KEEPING, "drag": {"density": "exponential"},
                     "ageing": {"table_every_s": "1h", "array": {"dose_coefficient": 0.2, "dose_x_rad": 1e-3}}}})
    sim = Simulation(scenario)
    lost = []
    sim.events.subscribe("device_lost", lambda t, s, a, b, c: lost.extend(t.tolist()))
    eff0 = float(sim.fleet.array_efficiency[0])
    result = sim.run(tmp_path / "age.h5")
    with open_run(result.path) as run:
        table = run.tables["lifetime/capacity"]
    assert len(lost) > 0
    installed = GPUS * sim.fleet.n
    lost_t = np.array(lost)
    for t, n_inst, n_work in zip(table["t_s"], table["installed_gpus"], table["working_gpus"], strict=True):
        assert n_inst == installed
        assert n_work == installed - int((lost_t <= t).sum())
    dose = sim.fleet.dose_rad
    assert dose.min() > 0.0
    expected = eff0 * (1.0 - 0.2 * np.log10(1.0 + dose / 1e-3))
    assert np.allclose(sim.fleet.array_efficiency, expected, rtol=1e-12)
    summary = result.summary
    assert summary["lifetime.working_gpus_end"][0] == installed - len(lost)


@pytest.mark.parametrize("ageing, field", [
    ({"battery": {"eol_fade": 1.5}}, "lifetime.ageing.battery.eol_fade"),
    ({"battery": {"ref_dod": 0.0}}, "lifetime.ageing.battery.ref_dod"),
    ({"battery": {"cycles_to_eol_at_ref_dod": -1}}, "lifetime.ageing.battery.cycles_to_eol_at_ref_dod"),
    ({"array": {"dose_coefficient": 1.0}}, "lifetime.ageing.array.dose_coefficient"),
    ({"array": {"dose_x_rad": 0.0}}, "lifetime.ageing.array.dose_x_rad"),
    ({"update_every_s": "0s"}, "lifetime.ageing.update_every_s"),
])
def test_bad_input_names_the_field(ageing, field):
    with pytest.raises(ConfigError) as err:
        scenario_from_dict({"name": "x", "epoch": "2026-03-20T00:00:00Z", "duration": "1d",
                            "constellation": [{"sso": {"altitude_km": 650, "count": 1}}],
                            "lifetime": {"drag": {"density": "exponential"}, "ageing": ageing}})
    assert field in str(err.value)
