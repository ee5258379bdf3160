"""Block invariance of the lifetime subsystem (issue 11 §1): the same scenario with blocks of 1 and
10,000 ticks (run.block_ticks) gives identical datasets (sim.io.compare, as `odcsim diff`).
A property of the block driver and of sim.lifetime.tick, not a reference."""
from __future__ import annotations

from pathlib import Path

from tests.helpers import assert_block_invariant

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_vleo_350km_is_block_invariant(tmp_path):
    """One day at 350 km with a 20 m deadband, so that the thruster starts and stops (the bus
    power changes through set_parameter) and the MSIS grid is refreshed every 3 h."""
    assert_block_invariant(CONFIGS / "vleo_350km.yaml", "1d", tmp_path,
                           sets=("lifetime.station_keeping.deadband_km=0.02",))


def test_suncatcher_lifetime_is_block_invariant(tmp_path):
    """Six hours of the 81-satellite cluster with radiation, network, training and ageing on (the
    ageing update every hour and the capacity table rows at 6 h)."""
    assert_block_invariant(CONFIGS / "suncatcher_lifetime.yaml", "6h", tmp_path,
                           sets=("lifetime.ageing.table_every_s=2h",))
