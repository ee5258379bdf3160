"""The workloads tick kernel over blocks of many ticks does what the jobs' Python step does tick
by tick (a consistency check of the two paths, bit for bit): two identical runs of a training,
an inference and an EO scenario, then the same 720 further ticks on the state they end in (the
fleet held, time going on: checkpoints, candidate refreshes, table rows fall inside), one tick
by tick through every job's `step`, the other in blocks of ticks inside one numba call with
Python only at the ticks the kernel flags. (The whole-run property, every subsystem in the
driver: tests/workloads/test_blocks.py.)"""
import numpy as np
import pytest
from numba import njit

from sim.core.simulation import Simulation
from sim.workloads import tick
from tests.workloads.eo.common import eo_scenario
from tests.workloads.inference.scenarios import scenario as inference_scenario
from tests.workloads.inference.scenarios import shell_dict
from tests.workloads.training.scenarios import scenario as training_scenario

TICKS = 720


@njit
def _block(first, last, dt_s, args):
    for step in range(first, last + 1):
        if tick.workloads_tick(step, step - first, step * dt_s - dt_s, dt_s, *args):
            return step
    return -1


def _prepare(sim, sub, first, last):
    """The orbits' per-step tables (the Sun and the clock: time alone), then the workloads'."""
    sim.subsystem("orbits").tick_kernel().prepare(first, last)
    sub._prepare(first, last)


def _python(sim, sub, first):
    f, dt_s = sim.fleet, sim.dt_s
    for step in range(first, first + TICKS):
        _prepare(sim, sub, step, step)
        delivered = f.gpu_seconds_delivered_tick
        for job in sub.jobs:
            job.step(step * dt_s - dt_s, dt_s, delivered[job.jc.members])
        if sub.unassigned.size:
            sub.ledger.book("idle", sub.unassigned, delivered[sub.unassigned])


def _blocks(sim, sub, first):
    """Blocks of at most max_block_ticks (the rows of the per-step tables), as the driver runs them."""
    last, flagged_ticks = first + TICKS - 1, 0
    while first <= last:
        end = min(last, first + sim.ctx.max_block_ticks - 1)
        _prepare(sim, sub, first, end)
        flagged = _block(first, end, sim.dt_s, sub._tick_args())
        if flagged < 0:
            first = end + 1
            continue
        sub._after_tick(flagged, 1)
        flagged_ticks += 1
        first = flagged + 1
    return flagged_ticks


def _ended(build, tmp_path, name):
    sim = Simulation(build())
    sim.run(tmp_path / f"{name}.h5")
    return sim, sim.subsystem("workloads")


def _same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, tuple):
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        if a.dtype.names:
            for name in a.dtype.names:
                _same(a[name], b[name])
        else:
            np.testing.assert_array_equal(a, b)
    elif isinstance(a, float):
        assert a == b or (np.isnan(a) and np.isnan(b))
    else:
        assert a == b


@pytest.mark.parametrize("build", [
    lambda: training_scenario({"duration": "1h"}),
    lambda: inference_scenario(shell_dict(), until="20m"),
    lambda: eo_scenario(**{"duration": "1h"}),
], ids=["training", "inference", "eo"])
def test_blocks_of_the_kernel_equal_the_python_steps(build, tmp_path):
    sim_a, sub_a = _ended(build, tmp_path, "a")
    sim_b, sub_b = _ended(build, tmp_path, "b")
    first = sim_a.n_steps + 1
    _python(sim_a, sub_a, first)
    flagged = _blocks(sim_b, sub_b, first)
    assert flagged < TICKS                      # most ticks ran inside the kernel
    np.testing.assert_array_equal(sim_a.fleet.work_gpu_s, sim_b.fleet.work_gpu_s)
    np.testing.assert_array_equal(sim_a.fleet.gpu_utilisation, sim_b.fleet.gpu_utilisation)
    _same(sub_a.summary(), sub_b.summary())
    _same(sub_a.tables(), sub_b.tables())
