"""The block driver (sim.core.blocks): the same operations in the same order whatever the block
length. Consistency checks of the driver and, on every shipped config, the block-size property:
blocks of 1 and of 10,000 ticks give identical result files."""
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sim.config import scenario_from_dict
from sim.core.blocks import BlockRunner, driver_source
from sim.core.simulation import Simulation
from sim.core.subsystem import Subsystem, TickKernel
from tests.conftest import TINY_SCENARIO
from tests.helpers import assert_block_invariant

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@njit(cache=True)
def _logging_tick(step, row, t0_s, dt_s, log, n, who, flag_every):
    """Append (step, who) to the log; flag every `flag_every`-th step."""
    log[n[0], 0] = step
    log[n[0], 1] = who
    n[0] += 1
    return 1 if flag_every and step % flag_every == 0 else 0


class _Toy(Subsystem):
    def __init__(self, ctx, who, flag_every, log, n):
        super().__init__(ctx)
        self.who, self.flag_every, self.log, self.n = who, flag_every, log, n

    def tick_kernel(self):
        return TickKernel(_logging_tick, lambda: (self.log, self.n, self.who, self.flag_every),
                          after_tick=self._after)

    def _after(self, step, flag):
        self.log[self.n[0]] = (step, 100 + self.who)   # Python's turn, between the kernels
        self.n[0] += 1


def _drive(block_ticks: int, n_steps: int = 40) -> np.ndarray:
    log, n = np.zeros((1000, 2), dtype=np.int64), np.zeros(1, dtype=np.int64)
    toys = [_Toy(None, 0, 0, log, n), _Toy(None, 1, 7, log, n), _Toy(None, 2, 5, log, n)]
    runner = BlockRunner(toys)
    for first in range(1, n_steps + 1, block_ticks):
        runner.advance(first, min(first + block_ticks - 1, n_steps), 10.0)
    return log[:n[0]]


def test_the_driver_calls_kernels_and_python_in_tick_order_whatever_the_block():
    """Consistency check: kernel and after_tick calls form the tick-by-tick sequence."""
    one = _drive(1)
    expected = []
    for step in range(1, 41):
        for who, every in ((0, 0), (1, 7), (2, 5)):
            expected.append((step, who))
            if every and step % every == 0:
                expected.append((step, 100 + who))
    assert one.tolist() == [list(e) for e in expected]
    for ticks in (3, 7, 1000):
        assert np.array_equal(_drive(ticks), one)


def test_the_generated_driver_has_one_call_site_per_kernel():
    source = driver_source((_logging_tick, _logging_tick))
    assert source.count("flag = k") == 2 and "import _logging_tick as k1" in source


def test_a_block_ends_before_the_next_simpy_event():
    sim = Simulation(scenario_from_dict({**TINY_SCENARIO, "duration": "1h", "dt_s": 10}))
    assert sim._last_step_before(float("inf")) == sim.n_steps
    assert sim._last_step_before(35.0) == 3      # ticks end at 10, 20, 30 s
    assert sim._last_step_before(30.0) == 2      # an event at a tick's end comes first
    assert sim._last_step_before(0.0) == 0


# configs whose own tests check blocks of 1 against 10,000 over a window where their events happen
OWN_BLOCK_TEST = {
    "ground_outage": "tests/faults/test_subsystem.py (the outage moved into a 20 min window)",
    "suncatcher_safety": "tests/safety/test_config.py",
    "suncatcher_keeping": "tests/lifetime/test_formation.py (a 5 m deadband, so burns happen)",
    "starlink_2022_storm": "tests/lifetime/test_storm.py (safe mode and climb inside 4 h)",
    "spe_worst_case": "tests/radiation/test_spe_worst_case.py (8 h over the first onset)",
    "spe_carrington": "tests/radiation/test_spe_worst_case.py (8 h over the onset)",
}


def _shipped_scenarios():
    return sorted(p for p in CONFIGS.glob("*.yaml") if "campaign" not in p.stem and p.stem not in OWN_BLOCK_TEST)


def test_every_shipped_config_has_a_block_test():
    """Consistency check: a config left out above names a test that exists and runs it."""
    root = CONFIGS.parent
    for stem, where in OWN_BLOCK_TEST.items():
        assert (CONFIGS / f"{stem}.yaml").exists(), stem
        text = (root / where.split()[0]).read_text()
        assert "assert_block_invariant" in text and (stem in text or stem.upper() in text or "CONFIG" in text), stem


@pytest.mark.parametrize("config", _shipped_scenarios(), ids=lambda p: p.stem)
def test_every_shipped_config_gives_identical_files_for_blocks_of_1_and_10000(config, tmp_path):
    """Block-size property (issue 11): not a reference, but it fails wherever a kernel reads state
    another changed without a flag or Python works on a quiet tick."""
    assert_block_invariant(config, "1h", tmp_path)
