"""What every shipped config records, checked on short runs: each `units` string (time series,
satellite table, summary, subsystem tables) parses in UDUNITS-2 (cf_units wraps the UDUNITS-2
C library itself) as the quantity its name says; lat/lon/height carry their CF standard_name;
and a recorded cumulative quantity (a FleetState accumulator) never decreases."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from sim.config import load_scenario
from sim.core.simulation import Simulation
from tests.conftest import PROJECT_DIR

cf_units = pytest.importorskip("cf_units", reason="cf-units (UDUNITS-2) is in the test extras")

CONFIGS = sorted(p for p in (PROJECT_DIR / "configs").glob("*.yaml") if "campaign" not in p.name)
UNTIL = "30m"

# the quantity a name's suffix promises (first match wins; checked where a rule applies)
SUFFIX_UNITS = (("dose_rate", "Gy/s"), ("dose", "Gy"), ("_cm2_s", "cm-2 s-1"), ("_flux", "cm-2 s-1"),
                ("_rad_s", "rad/s"), ("_j_k", "J/K"), ("_w_k", "W/K"), ("_k_w", "K/W"), ("_w_m2", "W/m2"),
                ("_m_s", "m/s"), ("_rad", "rad"), ("_deg", "degree"), ("_per_device_day", "1/d"),
                ("_hours", "h"), ("_wh", "W h"), ("_km", "km"), ("_m2", "m2"), ("_m", "m"), ("_w", "W"),
                ("_k", "K"), ("_gv", "GV"), ("_j", "J"), ("_s", "s"), ("bytes", "byte"))
# a name ending in two unit tokens (c_payload_j_k: J/K) is a ratio: checked only where listed above
UNIT_TOKENS = {"s", "w", "k", "j", "m", "m2", "km", "deg", "rad", "wh", "gv", "cm2", "kg", "mg", "h", "d"}
STANDARD_NAMES = {"lat_deg": "latitude", "lon_deg": "longitude", "alt_km": "height_above_reference_ellipsoid"}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _declared_units(f: h5py.File) -> list[tuple[str, str, str]]:
    """(where, quantity name, units) of every units string in a result file."""
    out = []

    def visit(path, obj):
        for key, value in obj.attrs.items():
            if key == "units":
                out.append((path, path.rsplit("/", 1)[-1], _text(value)))
            elif key.endswith("__units"):
                out.append((path, key[: -len("__units")].rsplit(".", 1)[-1], _text(value)))
    f.visititems(visit)
    visit("summary", f["summary"])
    return out


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda p: p.stem)
def shipped_run(request, tmp_path_factory):
    """(Simulation, result path) of a short run of one shipped config."""
    sim = Simulation(load_scenario(request.param, until=UNTIL))
    path = sim.run(tmp_path_factory.mktemp(request.param.stem) / "run.h5").path
    return sim, path


def test_every_units_string_parses_as_its_quantity(shipped_run):
    """Reference: UDUNITS-2 (Unidata), through cf_units; 'rad' there is the radian, so a dose
    must be convertible to Gy."""
    _, path = shipped_run
    problems = []
    with h5py.File(path, "r") as f:
        for where, name, units in _declared_units(f):
            if units.startswith("seconds since"):
                continue
            try:
                unit = cf_units.Unit(units)
            except ValueError:
                problems.append(f"{where}: {name} [{units}] does not parse")
                continue
            tokens = name.split("_")
            ratio = len(tokens) > 2 and tokens[-1] in UNIT_TOKENS and tokens[-2] in UNIT_TOKENS
            for suffix, reference in SUFFIX_UNITS:
                if ratio and suffix.count("_") < 2 and suffix not in ("dose", "dose_rate", "bytes"):
                    continue
                if suffix in name if suffix in ("dose", "dose_rate", "bytes") else name.endswith(suffix):
                    if not unit.is_convertible(cf_units.Unit(reference)):
                        problems.append(f"{where}: {name} [{units}] is not a {reference} quantity")
                    break
    assert not problems, "\n".join(problems)


def test_geodetic_columns_carry_cf_standard_names(shipped_run):
    _, path = shipped_run
    with h5py.File(path, "r") as f:
        series = f["timeseries"]
        for name, standard in STANDARD_NAMES.items():
            if name in series:
                assert _text(series[name].attrs["standard_name"]) == standard
                assert _text(series[name].attrs["long_name"])
        for name in series:
            if name not in ("time", "satellite"):
                assert _text(series[name].attrs.get("long_name", "")), f"{name} has no long_name"


def _recorded_accumulators(sim: Simulation) -> set[str]:
    """Recorded columns that are FleetState accumulators (the same array object)."""
    accumulators = {id(getattr(sim.fleet, name)) for name in sim.fleet.names("accumulator")}
    out = set()
    for sub in sim.subsystems:
        for name, values in sub.record(sim.elapsed_s).items():
            if id(values) in accumulators:
                out.add(name)
    return out


def _assert_never_decreasing(path: Path, names) -> None:
    with h5py.File(path, "r") as f:
        for name in names:
            values = f["timeseries"][name][...]
            falls = np.diff(values, axis=0) < 0.0
            assert not falls.any(), f"{name} decreases at {int(falls.sum())} samples"


def test_recorded_accumulators_never_decrease(shipped_run):
    sim, path = shipped_run
    _assert_never_decreasing(path, _recorded_accumulators(sim))


def test_dose_never_decreases_through_the_saa_of_the_storm_replay(tmp_path):
    """Regression: spe_storm.yaml's recorded dose_rad fell on leaving the SAA (first at 4 h 47 min:
    the refresh applied the trapezoid's half step with the wrong sign, so a tick whose dose rate
    dropped by more than two thirds took dose away). Three satellites of the cluster, 60 s ticks."""
    scenario = load_scenario(PROJECT_DIR / "configs" / "spe_storm.yaml",
                             ["constellation.0.cluster.count=3", "dt_s=60", "record.every_s=60s"], until="6h")
    sim = Simulation(scenario)
    path = sim.run(tmp_path / "storm.h5").path
    assert "dose_rad" in _recorded_accumulators(sim)
    with h5py.File(path, "r") as f:
        rate = np.diff(f["timeseries"]["dose_rad"][...].astype(float), axis=0)
    assert (rate[1:] < rate[:-1] / 10.0).any()   # the window holds a sharp fall of the dose rate (SAA exit)
    _assert_never_decreasing(path, ["dose_rad"])
