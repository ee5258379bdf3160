"""Scenario configuration: the strict base, YAML loading, `--set`, the root Scenario."""
from sim.config.base import parse_duration_s
from sim.config.scenario import (ConfigError, Scenario, Shell, _problems, load_scenario, parse_set_option,
                                 read_yaml, scenario_from_dict, set_dotted)

__all__ = ["ConfigError", "Scenario", "Shell", "_problems", "load_scenario", "parse_duration_s",
           "parse_set_option", "read_yaml", "scenario_from_dict", "set_dotted"]
