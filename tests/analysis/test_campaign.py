"""open_campaign (the run table of a campaign) and point_statistics, on an index written
directly; the statistics against scipy's own t interval and numpy's quantiles."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis import open_campaign, point_statistics
from sim.config import ConfigError
from sim.io.campaign_store import CampaignIndexError
from tests.analysis.campaign_tables import AREAS, FAILED, ORBITS, REPLICATES, write_synthetic_campaign


@pytest.fixture
def campaign(tmp_path):
    columns = write_synthetic_campaign(tmp_path)
    return tmp_path, columns


def test_open_campaign_gives_the_run_table(campaign):
    directory, columns = campaign
    runs = open_campaign(directory)
    assert list(runs.columns) == list(columns)
    assert runs.parameters == ["orbit", "area"]
    assert runs.metrics == ["gpu_hours_delivered", "satellites"]
    assert runs.units == {"gpu_hours_delivered": "GPU h", "satellites": "1"}
    assert list(runs["orbit"]) == list(columns["orbit"])
    np.testing.assert_array_equal(runs["gpu_hours_delivered"], columns["gpu_hours_delivered"])
    assert len(runs.complete()) == len(runs) - 1 and FAILED not in set(runs.complete()["run_id"])
    assert open_campaign(directory / "campaign.h5")["run_id"].tolist() == runs["run_id"].tolist()
    assert runs.shard_path("r0002") == directory / "runs" / "r0002.h5"
    assert runs.error(FAILED) == ""               # no traceback file was written
    (directory / "runs" / f"{FAILED}.error.txt").write_text("Traceback ...")
    assert runs.error(FAILED) == "Traceback ..."
    with pytest.raises(KeyError, match="r9999"):
        runs.load_run("r9999")


def test_a_missing_or_unreadable_index_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"no campaign index \(campaign.h5\) here"):
        open_campaign(tmp_path)
    (tmp_path / "campaign.h5").write_bytes(b"not hdf5")
    with pytest.raises(CampaignIndexError, match="campaign.h5: not a readable campaign index"):
        open_campaign(tmp_path)


def test_point_statistics_against_scipy(campaign):
    directory, columns = campaign
    runs = open_campaign(directory)
    table = point_statistics(runs, "gpu_hours_delivered")
    assert list(table["point"]) == [0, 1, 2, 3]
    for _, row in table.iterrows():
        point = int(row["point"])
        orbit, area = ORBITS[point // len(AREAS)], AREAS[point % len(AREAS)]
        assert (row["orbit"], row["area"]) == (orbit, area)
        select = (columns["point"] == point) & (columns["status"] == "complete")
        x = columns["gpu_hours_delivered"][select]
        assert row["n"] == len(x) == (REPLICATES - 1 if point == 1 else REPLICATES)
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["std"] == pytest.approx(x.std(ddof=1), rel=1e-12)
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-12), pytest.approx(high, rel=1e-12))
        assert row["p50"] == pytest.approx(np.median(x), rel=1e-12)
        assert row["p05"] == pytest.approx(np.quantile(x, 0.05), rel=1e-12)


def test_point_statistics_by_other_columns_and_one_sample(campaign):
    directory, columns = campaign
    runs = open_campaign(directory)
    by_orbit = point_statistics(runs, "gpu_hours_delivered", by=["orbit"])
    assert sorted(by_orbit["orbit"]) == sorted(ORBITS)
    walker = (columns["orbit"] == "walker") & (columns["status"] == "complete")
    assert by_orbit.set_index("orbit").loc["walker", "n"] == walker.sum() == 2 * REPLICATES - 1
    one = runs[runs["replicate"] == 0]
    single = point_statistics(one, "gpu_hours_delivered")
    assert (single["n"] == 1).all() and (single["std"] == 0).all() and single["ci_low"].isna().all()
