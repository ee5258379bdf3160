"""The subsystem contract: ordering from requires/provides, refusals that name the culprit,
services handed out by name, and the order the registry gives a real scenario."""
import pytest

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation, WiringError, order_subsystems
from sim.core.subsystem import Block, ServiceError, Services, Subsystem
from tests.conftest import TINY_SCENARIO


def _kind(name, requires=(), provides=(), events=None):
    return type(name, (Subsystem,), {"name": name, "requires": tuple(requires), "provides": tuple(provides),
                                     "events": dict(events or {})})


def test_requirements_come_first_and_ties_keep_the_listed_order():
    a = _kind("a", provides=["x"])
    b = _kind("b", requires=["y"])
    c = _kind("c", requires=["x"], provides=["y"])
    d = _kind("d", requires=["x"])
    order = [k.name for k in order_subsystems([b, d, c, a])]
    assert order == ["a", "d", "c", "b"]


def test_an_event_kind_is_a_requirement_like_a_service():
    emitter = _kind("emitter", events={"sdc": "a: class"})
    listener = _kind("listener", requires=["sdc"])
    assert [k.name for k in order_subsystems([listener, emitter])] == ["emitter", "listener"]


def test_a_missing_requirement_is_refused_by_name():
    with pytest.raises(WiringError, match=r"'needy' requires 'routes'"):
        order_subsystems([_kind("needy", requires=["routes"])])


def test_a_cycle_is_refused_naming_its_members():
    a = _kind("a", requires=["y"], provides=["x"])
    b = _kind("b", requires=["x"], provides=["y"])
    with pytest.raises(WiringError, match="cycle.*a requires y.*b requires x"):
        order_subsystems([a, b])


def test_services_are_found_by_name_and_refused_twice():
    services = Services()
    services.provide("sun", object(), by="orbits")
    assert "sun" in services
    with pytest.raises(ServiceError, match="provided twice: by 'orbits' and 'other'"):
        services.provide("sun", object(), by="other")
    with pytest.raises(ServiceError, match="no service 'routes'.*provided so far: sun"):
        services.get("routes")


def test_a_block_covers_its_ticks():
    block = Block(first_step=3, last_step=5, dt_s=10.0)
    assert list(block.steps()) == [3, 4, 5] and block.n_ticks == 3
    assert (block.start_s, block.end_s) == (20.0, 50.0)


def test_a_scenario_builds_only_the_sections_it_has_in_dependency_order():
    plain = Simulation(scenario_from_dict(TINY_SCENARIO))
    assert [s.name for s in plain.subsystems] == ["orbits", "payload", "goodput"]
    full = Simulation(scenario_from_dict({**TINY_SCENARIO, "radiation": {"spe": {"mode": "off"}},
                                          "network": {"crosslinks": {"topology": "nearest", "k": 2}}}))
    assert [s.name for s in full.subsystems] == ["orbits", "payload", "network", "radiation", "goodput"]
    with pytest.raises(KeyError, match="no subsystem .workloads..*built: orbits, payload, goodput"):
        plain.subsystem("workloads")


def test_declared_fields_are_allocated_with_their_owner_and_role():
    sim = Simulation(scenario_from_dict({**TINY_SCENARIO, "radiation": {"spe": {"mode": "off"}}}))
    fleet = sim.fleet
    assert fleet.owner["dose_rad"] == "radiation" and fleet.specs["dose_rad"].role == "accumulator"
    assert fleet.owner["r_eci_m"] == "orbits" and fleet.r_eci_m.shape == (3, fleet.n)
    assert "gpu_tdp_w" in fleet.names("parameter") and "soc" not in fleet.names("parameter")


def test_summary_keys_carry_the_subsystem_prefix_except_the_payload_headline():
    sim = Simulation(scenario_from_dict({**TINY_SCENARIO, "duration": "10m",
                                         "radiation": {"spe": {"mode": "off"}}}))
    keys = sim.summary()
    assert "gpu_hours_delivered" in keys and "radiation.dose_rad_max" in keys
    assert not any(k.startswith("payload.") for k in keys)
