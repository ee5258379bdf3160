"""The network's tick kernel under the block driver: the shipped network scenarios give identical
datasets with blocks of 1 and of 10,000 ticks (a property of the block contract, not a reference)."""
from pathlib import Path

import pytest

from tests.helpers import assert_block_invariant

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("config, until", [
    ("starlink_isl.yaml", "30m"),      # +Grid crosslinks, gateways, transfers, a latency pair
    ("suncatcher_mesh.yaml", "1h"),    # nearest-neighbour mesh re-selected every minute, ring transfers
])
def test_network_configs_do_not_depend_on_the_block_length(config, until, tmp_path):
    assert_block_invariant(CONFIGS / config, until, tmp_path)
