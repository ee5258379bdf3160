"""The payload subsystem's contract: hardware changed mid-run through `set_parameter` reaches the
kernel; a packed field written directly is refused, naming the field and the remedy; the
utilisation the work sets is read live."""
import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.fleet import PackedFieldError
from sim.core.simulation import Simulation
from sim.payload.power import gpu_power_w
from tests.conftest import TINY_SCENARIO
from tests.helpers import advance_ticks

# sunlit at the start and a battery that covers any deficit: the load served is the demand
SUNLIT = {**TINY_SCENARIO, "constellation": [
    {"name": "sso", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 3}, "battery": {"capacity_wh": 1e5},
     "radiator": {"area_m2": 8.0}}]}  # full clock at the start


@pytest.fixture
def sim():
    return Simulation(scenario_from_dict(SUNLIT))


def _gpu_power_w(fleet, i, dynamic_w, level, utilisation=1.0):
    full_w = gpu_power_w(level, fleet.gpu_static_w[i], dynamic_w, fleet.gpu_v_min_ratio[i], fleet.gpu_knee_level[i])
    return fleet.gpu_idle_w[i] + utilisation * (full_w - fleet.gpu_idle_w[i])


def test_set_parameter_changes_what_the_kernel_sees(sim):
    payload, f = sim.subsystem("payload"), sim.fleet
    advance_ticks(sim, range(1, 4))
    dynamic_w = float(f.gpu_dynamic_w[1])
    payload.set_parameter("gpu_dynamic_w", 0, dynamic_w / 2)
    assert f.gpu_dynamic_w[0] == dynamic_w / 2 and f.gpu_dynamic_w[1] == dynamic_w
    level = f.throttle_level.copy()
    advance_ticks(sim, [4])
    p_gpu_w = [_gpu_power_w(f, i, d, level[i]) for i, d in enumerate((dynamic_w / 2, dynamic_w, dynamic_w))]
    np.testing.assert_allclose(f.p_load_w, f.bus_power_w + f.gpu_count * np.array(p_gpu_w), rtol=1e-12)
    # the network (default): junction → case (R_jc) → cold plate (R_case_plate)
    np.testing.assert_allclose(f.t_junction_k - f.t_payload_k,
                               np.array(p_gpu_w) * (f.r_jc_k_w + f.r_case_plate_k_w), rtol=1e-9)
    assert f.p_load_w[0] < f.p_load_w[1] - 1000.0  # 4 GPUs at half the switching power


def test_writing_a_packed_field_directly_is_refused_naming_the_field_and_the_remedy(sim):
    f = sim.fleet
    with pytest.raises(PackedFieldError, match=r"gpu_idle_w.*set_parameter"):
        f.gpu_idle_w[0] = 1
    with pytest.raises(PackedFieldError, match="gpu_idle_w"):
        f.gpu_idle_w += 1.0
    with pytest.raises(PackedFieldError, match="gpu_idle_w"):
        f.gpu_idle_w = np.ones(f.n)
    assert f.gpu_idle_w[0] == 75.0  # nothing was written
    f.gpu_utilisation[0] = 0.5      # live arrays stay writable
    f.gpu_count[0] = 3


def test_utilisation_set_by_the_work_is_read_on_the_next_tick(sim):
    f = sim.fleet
    advance_ticks(sim, range(1, 4))
    f.gpu_utilisation[:] = [1.0, 0.5, 0.0]
    level = f.throttle_level.copy()
    delivered_before = f.gpu_seconds_delivered.copy()
    advance_ticks(sim, [4])
    p_gpu_w = [_gpu_power_w(f, i, f.gpu_dynamic_w[i], level[i], u) for i, u in enumerate((1.0, 0.5, 0.0))]
    np.testing.assert_allclose(f.p_load_w, f.bus_power_w + f.gpu_count * np.array(p_gpu_w), rtol=1e-12)
    # the hardware delivers the same GPU-seconds; what the work makes of them is its own affair
    np.testing.assert_array_equal(f.gpu_seconds_delivered_tick, level * f.gpu_count * sim.dt_s)
    np.testing.assert_allclose(f.gpu_seconds_delivered - delivered_before, f.gpu_seconds_delivered_tick, rtol=1e-12)
