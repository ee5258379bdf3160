"""From a campaign file to its runs: sweep expansion, seeds, sampling and the validation of every
path and every run's scenario before anything runs."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.campaign import expand_points, load_campaign, run_seed, sample_points
from sim.campaign.spec import CampaignConfig, Sample
from sim.config import ConfigError
from tests.campaign.campaigns import TINY, write_campaign


def test_grid_expansion_is_the_cartesian_product_in_order():
    plan = load_campaign(TINY)
    areas, capacities = [2.0, 4.0], [3000, 8000]
    expected = [dict(zip(plan.parameters, combo)) for combo in itertools.product(areas, capacities)]
    assert plan.points == expected
    assert len(plan.tasks) == 4 * 2
    # points outer, replicates inner; run ids follow the index
    assert [(t.point, t.replicate) for t in plan.tasks] == [(p, r) for p in range(4) for r in range(2)]
    assert [t.run_id for t in plan.tasks] == [f"r{i:04d}" for i in range(8)]
    assert [t.output for t in plan.tasks] == [f"runs/r{i:04d}.h5" for i in range(8)]
    # the swept values and the common override land in each run's scenario
    t = plan.tasks[5]
    shell = t.scenario_data["constellation"][0]
    assert shell["radiator"]["area_m2"] == 4.0 and shell["battery"]["capacity_wh"] == 3000
    assert shell["gpu"]["count"] == 2


def test_run_seeds_come_from_seedsequence_of_campaign_seed_and_index():
    plan = load_campaign(TINY)
    for t in plan.tasks:
        # reference: SeedSequence(campaign seed, spawn_key=(0, index)) — numpy's documented
        # way to derive independent child streams
        state = np.random.SeedSequence(7, spawn_key=(0, t.index)).generate_state(2, np.uint32)
        assert t.seed == (int(state[1]) << 32 | int(state[0])) >> 1
        assert t.scenario_data["seed"] == t.seed
    seeds = [t.seed for t in plan.tasks]
    assert len(set(seeds)) == len(seeds)
    assert run_seed(7, 3) == plan.tasks[3].seed and run_seed(8, 3) != run_seed(7, 3)


def test_plan_digest_follows_the_runs_not_the_output(tmp_path):
    plan = load_campaign(TINY)
    assert plan.with_output(tmp_path / "a").digest() == plan.digest()
    assert load_campaign(TINY, ["seed=8"]).digest() != plan.digest()


def test_sampling_lhs_uniform_and_log_uniform():
    from scipy.stats import qmc

    ranges = {"a": [1.0, 3.0], "b": {"low": 10.0, "high": 1000.0, "scale": "log"}}
    lhs = sample_points(Sample(n=10, method="lhs", ranges=ranges), campaign_seed=3)
    assert len(lhs) == 10
    a = np.array([p["a"] for p in lhs])
    b = np.array([p["b"] for p in lhs])
    assert np.all((a >= 1) & (a <= 3)) and np.all((b >= 10) & (b <= 1000))
    # Latin hypercube: exactly one sample in each of the n equal strata of every coordinate
    assert sorted(np.floor((a - 1) / 2 * 10).astype(int)) == list(range(10))
    assert sorted(np.floor(np.log10(b / 10) / 2 * 10).astype(int)) == list(range(10))
    # same design as scipy's own LatinHypercube fed the same generator
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(1,)))
    unit = qmc.LatinHypercube(d=2, rng=rng).random(10)
    np.testing.assert_allclose(a, 1 + 2 * unit[:, 0])
    # deterministic, and different for another campaign seed
    assert sample_points(Sample(n=10, method="lhs", ranges=ranges), 3) == lhs
    assert sample_points(Sample(n=10, method="lhs", ranges=ranges), 4) != lhs
    logu = sample_points(Sample(n=400, method="log-uniform", ranges={"x": [1.0, 100.0]}), 1)
    x = np.log10([p["x"] for p in logu])
    assert 0 <= x.min() and x.max() <= 2 and abs(np.median(x) - 1.0) < 0.15
    uni = sample_points(Sample(n=400, method="uniform", ranges={"x": [0.0, 10.0]}), 1)
    assert abs(np.mean([p["x"] for p in uni]) - 5.0) < 0.5


def test_grid_times_sample_and_labelled_variants():
    config = CampaignConfig.model_validate({
        "scenario": "x.yaml", "seed": 1,
        "sweep": {"grid": {"constellation.0": {"low": {"a": 1}, "high": {"a": 2}}},
                  "sample": {"n": 3, "ranges": {"dt_s": [30, 60]}}}})
    params, points = expand_points(config)
    assert params == ["constellation.0", "dt_s"]
    assert len(points) == 6
    assert [p["constellation.0"][0] for p in points] == ["low"] * 3 + ["high"] * 3
    assert points[0]["constellation.0"][1] == {"a": 1}


def test_validate_names_a_missing_override_path(tmp_path):
    path = write_campaign(tmp_path, overrides={"constellation.0.radiatorr.area_m2": 3})
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert str(path) in str(err.value)
    assert "overrides.constellation.0.radiatorr.area_m2" in str(err.value)
    assert "no setting 'constellation.0.radiatorr'" in str(err.value)
    path = write_campaign(tmp_path, sweep={"grid": {"constellation.3.radiator.area_m2": [1, 2]}})
    with pytest.raises(ConfigError, match=r"sweep\.grid\.constellation\.3\.radiator\.area_m2: "
                                          r"no setting 'constellation\.3'"):
        load_campaign(path)
    path = write_campaign(tmp_path, sweep={"sample": {"n": 2, "ranges": {"dt_s.x": [1, 2]}}})
    with pytest.raises(ConfigError, match=r"sweep\.sample\.ranges\.dt_s\.x: no setting 'dt_s\.x'"):
        load_campaign(path)


def test_validate_checks_every_swept_value(tmp_path):
    path = write_campaign(tmp_path, sweep={"grid": {"constellation.0.radiator.area_m2": [2.0, -1.0]}})
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    text = str(err.value)
    assert "constellation.0.radiator.area_m2" in text and "greater than 0" in text
    assert "sweep point 1" in text


def test_column_names(tmp_path):
    path = write_campaign(tmp_path, sweep={"grid": {"constellation.0.radiator.area_m2": [2.0, 3.0]},
                                           "names": {"constellation.0.radiator.area_m2": "radiator_m2"}})
    assert load_campaign(path).parameters == ["radiator_m2"]
    path = write_campaign(tmp_path, sweep={"grid": {"constellation.0.radiator.area_m2": [2.0]},
                                           "names": {"dt_s": "step"}})
    with pytest.raises(ConfigError, match=r"sweep\.names\.dt_s: not a swept path"):
        load_campaign(path)
