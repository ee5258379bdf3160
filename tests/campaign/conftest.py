import pytest

from sim.campaign import run_campaign, simulate
from tests.campaign.campaigns import TINY


@pytest.fixture(scope="session")
def reference_campaign(tmp_path_factory):
    """The tiny campaign run once on one worker: 8 complete shards and the index."""
    out = tmp_path_factory.mktemp("campaign") / "workers1"
    result = run_campaign(TINY, out, workers=1, run_fn=simulate)
    assert result.n_complete == 8 and result.n_failed == 0
    return out
