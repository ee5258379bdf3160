"""Post-processing of result files: open_run (xarray / pandas views of one run) and plots."""
from sim.analysis.results import RunResult, open_run

__all__ = ["RunResult", "open_run"]
