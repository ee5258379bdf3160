"""Radiation figures (sim.radiation.plots): a world map of upset locations over the AP8
map and an upset-rate timeline against the SPE flux."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.radiation.plots import plot_radiation, upset_locations
from tests.radiation.helpers import COARSE, memory, run


@pytest.fixture(scope="module")
def radiation_run(tmp_path_factory, cache_dir):
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "off"}, "devices": [memory(bits=1e9)]}
    shells = [{"name": "hst", "walker": {"altitude_km": 550, "inclination_deg": 28.5, "planes": 1,
                                         "sats_per_plane": 2, "phasing": 0}}]
    _, result, _ = run(tmp_path_factory.mktemp("run"), shells, rad, duration="6h", dt_s=60, record_s=120)
    return result.path


def test_figures_written(radiation_run, tmp_path):
    """Both PNGs are written and non-trivial; every upset gets a location from its satellite's track,
    and at 28.5°/550 km those locations lie in the South Atlantic (the SAA; UoSAT-2/HST, MODELS.md §6)."""
    with open_run(radiation_run) as r:
        paths = plot_radiation(r, tmp_path)
        where = upset_locations(r)
    assert [p.name for p in paths] == ["radiation_map.png", "radiation_timeline.png"]
    assert all(p.stat().st_size > 20_000 for p in paths)
    t, lat, lon = where["sdc"]
    assert t.size > 10 and np.all(np.abs(lat) <= 29.5)
    assert np.mean((lat < 0) & (lon > -100) & (lon < 40)) > 0.8


def test_map_background_is_the_runs_ap8_map(radiation_run):
    """The map's background is AP8 on the run's own grid (sim.radiation.environment.trapped_grid),
    read from the run's cache, with its maximum in the SAA."""
    from sim.radiation.plots import _ap8_background
    with open_run(radiation_run) as r:
        background = _ap8_background(r)
    assert background is not None
    lat, lon, flux, label = background
    i, j = np.unravel_index(np.argmax(flux), flux.shape)
    assert label.startswith("AP8-") and -45 <= lat[i] <= -15 and -70 <= lon[j] <= -10


def test_no_radiation_no_figures(tmp_path):
    """A run without a radiation section gives no radiation figures."""
    _, result, _ = run(tmp_path, [{"sso": {"altitude_km": 650, "count": 1}}], None, duration="20m", dt_s=60)
    with open_run(result.path) as r:
        assert plot_radiation(r, tmp_path / "figs") == []
