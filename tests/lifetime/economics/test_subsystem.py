"""The economics subsystem at the end of a run: its summary is the cost model applied to the run's
goodput accounting (without a workload, useful = delivered), its tables hold the breakdowns and
the report draws its figures."""
from __future__ import annotations

import pytest

from sim.analysis.plots import plot_run
from sim.analysis.results import open_run
from sim.config import load_scenario
from sim.core.simulation import Simulation
from sim.lifetime.economics.cost import HOURS_PER_YEAR, annuity_years
from tests.lifetime.economics.conftest import scenario_yaml


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("econ")
    scenario = load_scenario(scenario_yaml(tmp, {"mission_years": 3, "discount_rate": 0.1}))
    return Simulation(scenario).run(tmp / "run.h5")


def test_summary_applies_the_cost_model_to_the_goodput(run):
    s = {k: v for k, (v, _) in run.summary.items()}
    g = s["useful_gpu_hours"] / s["gpu_hours_available"]
    assert s["useful_gpu_hours"] == pytest.approx(s["gpu_hours_delivered"])       # no workload
    gpu_hours_pv = 16 * HOURS_PER_YEAR * annuity_years(3.0, 0.1)
    assert s["economics.gpus"] == 16
    assert s["economics.discounted_useful_gpu_hours"] == pytest.approx(gpu_hours_pv * g)
    assert s["economics.mission_useful_gpu_hours"] == pytest.approx(16 * HOURS_PER_YEAR * 3 * g)
    assert s["economics.usd_per_useful_gpu_hour"] == pytest.approx(s["economics.tco_usd"] / (gpu_hours_pv * g))
    assert s["economics.cost_ratio_to_terrestrial"] == pytest.approx(
        s["economics.usd_per_useful_gpu_hour"] / s["economics.terrestrial_usd_per_useful_gpu_hour"])
    terms = sum(v for k, v in s.items() if k.startswith("economics.cost."))
    assert terms == pytest.approx(s["economics.tco_usd"])


def test_tables_and_figures(run, tmp_path):
    result = open_run(run.path)
    assert set(result.tables["economics/mass"]["shell"].astype(str)) == {"s"}
    assert len(result.tables["economics/cost"]) == 7
    names = {p.name for p in plot_run(result, tmp_path)}
    assert {"economics_mass.png", "economics_cost.png", "economics_launch_price.png"} <= names


def test_propellant_comes_from_the_lifetime_section(tmp_path):
    """Without economics.mass.propellant_kg the mass model carries lifetime.propulsion's load."""
    from sim.config.loading import load_scenario
    from sim.lifetime.economics.mass import satellite_mass_kg
    from tests.lifetime.economics.conftest import scenario_yaml
    path = scenario_yaml(tmp_path, economics={"mission_years": 5}, shell={"sso": {"altitude_km": 550, "count": 2}},
                         lifetime={"mass_kg": 150, "propulsion": {"propellant_kg": 12.5}})
    scenario = load_scenario(path)
    breakdown = satellite_mass_kg(scenario.constellation[0], scenario, scenario.economics)
    assert breakdown["propellant"] == 12.5
