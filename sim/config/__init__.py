"""Scenario configuration: the strict base, registered sections, YAML loading, `--set`.

    scenario = load_scenario("configs/quickstart.yaml", ["constellation.0.radiator.area_m2=4"])
"""
from sim.config.base import ConfigError, parse_duration_s, set_dotted
from sim.config.loading import _problems, load_scenario, parse_set_option, read_yaml, scenario_from_dict
from sim.config.scenario import Scenario
from sim.orbits.config import Shell

__all__ = ["ConfigError", "Scenario", "Shell", "_problems", "load_scenario", "parse_duration_s",
           "parse_set_option", "read_yaml", "scenario_from_dict", "set_dotted"]
