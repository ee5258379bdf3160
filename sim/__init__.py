"""odcsim: a discrete-event simulator of orbital data centers.

    import sim
    scenario = sim.load_scenario("configs/quickstart.yaml")
    result = sim.run(scenario, "results/quickstart.h5")
    run = sim.open_run(result.path)          # .timeseries (xarray), .events, .summary, .config

Names are imported on first use so that `import sim` (and `odcsim --help`) stay fast.
"""
try:
    from sim._version import __version__  # written at install time from the git tag (hatch-vcs)
except ImportError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    "load_scenario": "sim.config",
    "Scenario": "sim.config",
    "ConfigError": "sim.config",
    "Simulation": "sim.core.simulation",
    "run": "sim.core.simulation",
    "load_campaign": "sim.campaign",
    "run_campaign": "sim.campaign",
    "open_run": "sim.analysis.results",
    "open_campaign": "sim.analysis.campaign",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
