"""The constellation section: explicit elements are checked once, at validation, and the error
names the field; what validation accepts, the builder takes as it is."""
import math

import pytest

from sim.config import scenario_from_dict
from sim.config.base import ConfigError
from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.core.simulation import Simulation
from tests.conftest import TINY_SCENARIO

GOOD = {"altitude_km": 550, "inclination_deg": 53}


def _with_elements(*rows):
    return {**TINY_SCENARIO, "constellation": [{"name": "explicit", "elements": list(rows)}]}


@pytest.mark.parametrize("rows, where, message", [
    ([{"inclination_deg": 53}], "constellation.0.elements.0", "exactly one of altitude_km or a_km"),
    ([GOOD, {"altitude_km": 550, "a_km": 6928, "inclination_deg": 53}], "constellation.0.elements.1",
     "exactly one of altitude_km or a_km"),
    ([GOOD, {"a_km": 7000, "e": 0.2, "inclination_deg": 0}], "constellation.0.elements.1",
     "perigee is below the Earth's surface"),
    ([{**GOOD, "incl": 3}], "constellation.0.elements.0.incl", "unknown key"),
    ([{**GOOD, "e": 1.2}], "constellation.0.elements.0.e", "less than 0.9"),
    ([], "constellation.0", "the list is empty"),
])
def test_bad_elements_are_refused_at_validation_naming_the_field(rows, where, message):
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict(_with_elements(*rows))
    assert any(path == where and message in text for path, text in caught.value.problems), caught.value.problems


def test_an_eccentric_orbit_whose_perigee_clears_the_surface_is_accepted():
    # a(1 − e) = 26,560 km × 0.26 = 6,906 km > 6,378 km (a Molniya-like orbit)
    scenario_from_dict(_with_elements({"a_km": 26560, "e": 0.74, "inclination_deg": 63.4}))


def test_validated_elements_become_the_fleet():
    scenario = scenario_from_dict(_with_elements(
        {"altitude_km": 550, "inclination_deg": 53, "raan_deg": 10, "mean_anomaly_deg": 90},
        {"a_km": 26560, "e": 0.74, "inclination_deg": 63.4, "argp_deg": 270}))
    fleet = Simulation(scenario).fleet
    assert list(fleet.a_m) == [R_EARTH_EQUATORIAL_M + 550e3, 26560e3]
    assert list(fleet.e) == [0.0, 0.74]
    assert list(fleet.inc_rad) == [math.radians(53), math.radians(63.4)]
    assert list(fleet.raan_rad) == [math.radians(10), 0.0]
    assert list(fleet.argp_rad) == [0.0, math.radians(270)]
    assert list(fleet.mean_anomaly_rad) == [math.radians(90), 0.0]
    assert list(fleet.slot) == [0, 1] and list(fleet.plane) == [0, 0]
