"""Each cost term on a constructed case, by hand; the discounting against a numerical integral."""
from __future__ import annotations

import math

import pytest
from scipy.integrate import quad

from sim.config import load_scenario
from sim.lifetime.economics.config import EconomicsConfig, Terrestrial
from sim.lifetime.economics.cost import (
    HOURS_PER_YEAR,
    annuity_years,
    breakeven_launch_usd_per_kg,
    design_fleet,
    fleet_cost,
    terrestrial_usd_per_useful_gpu_hour,
    usd_per_useful_gpu_hour,
)
from sim.lifetime.economics.launch import VEHICLE_PRESETS, Vehicle, launches_for
from sim.lifetime.economics.mass import satellite_mass_kg, total_kg
from tests.lifetime.economics.conftest import scenario_yaml

HARDWARE = {"gpu": {"preset": "h100-sxm", "count": 2}, "solar_array": {"area_m2": 5.0, "efficiency": 0.30},
            "radiator": {"area_m2": 2.0}, "battery": {"capacity_wh": 1300.0}, "bus": {"power_w": 100.0}}
COSTS = {"usd_per_gpu": 25000, "usd_per_array_w": 50, "usd_per_bus": 100000, "ground_segment_usd": 3.0e6,
         "operations_usd_per_year": 1.0e6, "replacement_fraction_per_year": 0.1}


@pytest.mark.parametrize("years, rate", [(5.0, 0.08), (2.5, 0.3), (10.0, 0.0)])
def test_annuity_against_the_integral_of_the_discount_factor(years, rate):
    """Reference: ∫0^Y (1+r)^-t dt by quadrature."""
    assert annuity_years(years, rate) == pytest.approx(quad(lambda t: (1 + rate) ** -t, 0, years)[0], rel=1e-10)


def test_mass_components_by_hand(tmp_path):
    scenario = load_scenario(scenario_yaml(tmp_path, {"mass": {"shielding_al_mm": 5.0}}, hardware=HARDWARE))
    m = satellite_mass_kg(scenario.constellation[0], scenario, scenario.economics)
    assert m["array"] == pytest.approx(5.0 * 0.30 * 1361.0 / 59.0)
    assert m["radiator"] == pytest.approx(2.0 * 15.0)
    assert m["battery"] == pytest.approx(1300.0 / 130.0)
    assert m["compute"] == pytest.approx(2 * 700.0 / 97.0)
    assert m["thermal_loop"] == pytest.approx((1400.0 + 100.0) / 1000.0 * 5.0)
    assert m["shielding"] == pytest.approx(0.005 * 2 * 0.1 * 2700.0)
    dry = sum(m[k] for k in ("array", "radiator", "battery", "compute", "thermal_loop", "shielding", "propulsion"))
    assert m["structure_bus"] == pytest.approx(0.25 * dry)
    assert total_kg(m) == pytest.approx(1.25 * dry)


def test_shielding_follows_the_radiation_section(tmp_path):
    with_rad = load_scenario(scenario_yaml(tmp_path, {}, hardware=HARDWARE, radiation={"shielding_al_mm": 3.0}))
    without = load_scenario(scenario_yaml(tmp_path, {}, hardware=HARDWARE, name="b"))
    shield = [satellite_mass_kg(s.constellation[0], s, s.economics)["shielding"] for s in (with_rad, without)]
    assert shield == pytest.approx([0.003 * 2 * 0.1 * 2700.0, 0.0])


def test_bin_packing_by_mass():
    f9 = Vehicle("falcon9", **VEHICLE_PRESETS["falcon9"])
    assert f9.capacity_to_kg(28.5) == 22800.0
    assert f9.capacity_to_kg(97.8) == pytest.approx(0.7 * 22800.0)
    lot = launches_for(f9, 100, 1000.0, 28.5)           # 22 per launch -> 5 launches
    assert (lot.satellites_per_launch, lot.launches, lot.billed_kg) == (22, 5, 5 * 22800.0)
    ride = Vehicle("rideshare", **VEHICLE_PRESETS["rideshare"])
    assert launches_for(ride, 3, 200.0, 97.8).billed_kg == 600.0     # billed by the kg
    with pytest.raises(ValueError, match="heavier"):
        launches_for(ride, 1, 900.0, 97.8)


def test_each_cost_term_by_hand(tmp_path):
    econ = {"costs": COSTS, "discount_rate": 0.05, "mission_years": 4, "launch": {"vehicle": "falcon9"}}
    scenario = load_scenario(scenario_yaml(tmp_path, econ, hardware=HARDWARE))
    e = scenario.economics
    designs = design_fleet(scenario, e, {"s": 30})
    cost = fleet_cost(designs, e)
    a = annuity_years(4.0, 0.05)
    sat_kg = designs[0].satellite_kg
    per_launch = designs[0].launches.satellites_per_launch
    assert per_launch == math.floor(0.7 * 22800.0 / sat_kg)       # SSO: 0.7 of the 28.5° capacity
    launches = math.ceil(30 / per_launch)
    hardware = 60 * 25000 + 50 * 30 * 5.0 * 0.30 * 1361.0 + 30 * 100000
    expected = {"gpus": 60 * 25000, "arrays": 50 * 30 * 5.0 * 0.30 * 1361.0, "buses": 30 * 100000,
                "launch": launches * 22800.0 * 2600.0, "ground_segment": 3.0e6, "operations": a * 1.0e6,
                "replacements": a * 0.1 * (hardware + launches * 22800.0 * 2600.0)}
    assert cost.terms_usd == pytest.approx(expected, rel=1e-12)
    assert cost.tco_usd == pytest.approx(sum(expected.values()))
    assert cost.gpu_hours_pv == pytest.approx(60 * HOURS_PER_YEAR * a)
    assert usd_per_useful_gpu_hour(cost.tco_usd, cost.gpu_hours_pv, 0.8) == pytest.approx(
        sum(expected.values()) / (60 * HOURS_PER_YEAR * a * 0.8))
    # TCO is linear in the launch price: at another price, as if computed there
    other = EconomicsConfig.model_validate({**econ, "launch": {"vehicle": "falcon9", "usd_per_kg": 100.0}})
    assert cost.tco_at_launch_price_usd(100.0) == pytest.approx(fleet_cost(design_fleet(scenario, other, {"s": 30}),
                                                                           other).tco_usd)


def test_terrestrial_comparator_by_hand():
    t = Terrestrial(usd_per_gpu=30000, gpu_life_years=5, electricity_usd_per_kwh=0.10, pue=1.5,
                    facility_usd_per_w=10, facility_life_years=10, useful_fraction=0.8)
    per_year = 30000 / 5 + 10 * 700 / 10 + 0.7 * 1.5 * HOURS_PER_YEAR * 0.10
    assert terrestrial_usd_per_useful_gpu_hour(700.0, t, 0.0) == pytest.approx(per_year / (HOURS_PER_YEAR * 0.8))


def test_breakeven_launch_price_gives_parity(tmp_path):
    """Consistency check: at the break-even launch price the orbital and terrestrial costs agree."""
    econ = {"costs": {**COSTS, "usd_per_bus": 0, "usd_per_array_w": 0, "ground_segment_usd": 0,
                      "operations_usd_per_year": 0, "replacement_fraction_per_year": 0},
            "launch": {"vehicle": "starship", "pricing": "per_kg"},
            "terrestrial": {"usd_per_gpu": 25000}}
    scenario = load_scenario(scenario_yaml(tmp_path, econ, hardware=HARDWARE))
    e = scenario.economics
    cost = fleet_cost(design_fleet(scenario, e, {"s": 10}), e)
    ground = terrestrial_usd_per_useful_gpu_hour(700.0, e.terrestrial, e.discount_rate)
    p = breakeven_launch_usd_per_kg(cost, 0.9, ground)
    assert p > 0
    assert cost.tco_at_launch_price_usd(p) / (cost.gpu_hours_pv * 0.9) == pytest.approx(ground, rel=1e-12)
