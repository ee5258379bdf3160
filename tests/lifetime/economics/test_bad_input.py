"""A vehicle that cannot reach the orbit, or cannot carry one satellite: exit 2 naming the field,
at validate, run and size (nothing written)."""
from __future__ import annotations

import pytest

from sim.cli import main
from tests.lifetime.economics.conftest import scenario_yaml

CASES = {
    # Transporter-class rideshare deploys at most at 600 km; the shell flies at 650 km
    "too_high": ({"launch": {"vehicle": "rideshare"}}, {"sso": {"altitude_km": 650, "count": 2}}),
    # rideshare flies sun-synchronous only; a 53° Walker shell is out of its reach
    "wrong_inclination": ({"launch": {"vehicle": "rideshare"}},
                          {"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 1, "sats_per_plane": 2}}),
    # a vehicle whose capacity is below one satellite
    "too_heavy": ({"launch": {"vehicle": "falcon9", "capacity_kg": 50}}, None),
}


@pytest.mark.parametrize("command", ["validate", "run", "size"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_unreachable_orbit_exits_2_naming_the_vehicle(tmp_path, capsys, command, case):
    economics, shell = CASES[case]
    path = scenario_yaml(tmp_path, economics, shell=shell)
    out = tmp_path / "out.h5"
    args = {"validate": [path], "run": [path, "-o", str(out)], "size": [path, "--mass", "100t"]}[command]
    assert main([command, *args]) == 2
    err = capsys.readouterr().err
    assert "economics.launch.vehicle" in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_vehicle_exits_2(tmp_path, capsys):
    assert main(["validate", scenario_yaml(tmp_path, {"launch": {"vehicle": "saturn_v"}})]) == 2
    assert "economics.launch.vehicle" in capsys.readouterr().err
