"""Scenario configuration: the strict base, registered sections, YAML loading, `--set`.

    scenario = load_scenario("configs/quickstart.yaml", ["constellation.0.radiator.area_m2=4"])

Names are resolved on first use, so that a concept's section module can import sim.config.base
(which runs this file) before the root model is built.
"""
_EXPORTS = {
    "ConfigError": "sim.config.base", "parse_duration_s": "sim.config.base", "set_dotted": "sim.config.base",
    "load_scenario": "sim.config.loading", "scenario_from_dict": "sim.config.loading",
    "read_yaml": "sim.config.loading", "parse_set_option": "sim.config.loading",
    "read_yaml_with_sets": "sim.config.loading", "_problems": "sim.config.loading",
    "Scenario": "sim.config.scenario", "Shell": "sim.orbits.config",
}

__all__ = [name for name in _EXPORTS if not name.startswith("_")]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.config' has no attribute {name!r}")
