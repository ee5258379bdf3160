"""Post-processing of result files: open_run (xarray / pandas views of one run), open_campaign
(the run table of a campaign) and their figures."""
from sim.analysis.campaign import open_campaign, point_statistics
from sim.analysis.results import RunResult, open_run

__all__ = ["RunResult", "open_campaign", "open_run", "point_statistics"]
