"""The SPE worst case from the shipped NOAA list, its Carrington-class scaling and the mitigations
(radiation.spe.replay_largest / replay_fluence_scale; configs/spe_worst_case*.yaml, spe_carrington.yaml)."""
from __future__ import annotations

import csv
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from sim.analysis.results import open_run
from sim.config.base import ConfigError
from sim.config.loading import load_scenario, scenario_from_dict
from sim.core.simulation import Simulation
from sim.radiation import environment
from sim.radiation import spe as spe_model
from tests.helpers import assert_block_invariant

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
LIST = CONFIGS.parent / "sim" / "data" / "noaa_spe_2010-2024.csv"


def _events(config: str, *sets: str):
    scenario = load_scenario(CONFIGS / config, list(sets))
    return environment.spe_events(scenario.radiation.spe, scenario.epoch, scenario.duration,
                                  np.random.default_rng(0), scenario.resolve_path)


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)


def test_worst_case_replays_the_two_largest_events_of_the_list():
    """Reference: the shipped NOAA SWPC list read here: its two largest >10 MeV peaks, with their
    own begin → maximum rise times, at the configured onsets (6 h, 54 h)."""
    with open(LIST) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    rows.sort(key=lambda r: -float(r["max_pfu_gt10MeV"]))
    events = _events("spe_worst_case.yaml")
    assert [ev.peak_pfu for ev in events] == [float(r["max_pfu_gt10MeV"]) for r in rows[:2]] == [6530.0, 6310.0]
    assert [ev.onset_s for ev in events] == [6 * 3600.0, 54 * 3600.0]
    for ev, row in zip(events, rows):
        rise = (_utc(row["max_utc"]) - _utc(row["begin_utc"])).total_seconds()
        assert ev.peak_s - ev.onset_s == pytest.approx(rise)


def test_carrington_fluence_is_twenty_times_its_base():
    """Reference: the >10 MeV fluence ∫J10 dt integrated here (scipy quad over the profile of
    sim.radiation.steps.event_j10_pfu) and the closed form (P − 10)(t_rise/ln(P/10) + τ): the scaled
    event carries replay_fluence_scale (20) times the fluence of its base, the unscaled largest
    event, with the same rise, decay and spectrum."""
    (base,) = _events("spe_carrington.yaml", "radiation.spe.replay_fluence_scale=1")
    (scaled,) = _events("spe_carrington.yaml")

    def integral(ev):
        parts = [(ev.onset_s, ev.peak_s), (ev.peak_s, ev.end_s)]
        return sum(quad(ev.j10_pfu, a, b, limit=200, epsrel=1e-11)[0] for a, b in parts)

    def closed(ev):
        return (ev.peak_pfu - 10.0) * ((ev.peak_s - ev.onset_s) / math.log(ev.peak_pfu / 10.0) + ev.decay_s)

    assert integral(scaled) / integral(base) == pytest.approx(20.0, rel=1e-8)
    assert closed(scaled) / closed(base) == pytest.approx(20.0, rel=1e-10)
    assert (scaled.onset_s, scaled.peak_s, scaled.decay_s, scaled.gamma) == (base.onset_s, base.peak_s,
                                                                             base.decay_s, base.gamma)
    assert 1e5 < scaled.peak_pfu < 2e5   # S5


def test_a_scale_of_one_leaves_the_replay_as_it_is():
    event = spe_model.SolarParticleEvent(0.0, 3600.0, 500.0, 7200.0, 2.0)
    assert spe_model.scale_fluence(event, 1.0) is event
    assert spe_model.scale_fluence(event, 0.5).fluence_gt10_cm2_sr() == pytest.approx(
        0.5 * event.fluence_gt10_cm2_sr(), rel=1e-10)


def test_replay_shift_with_replay_largest_is_refused():
    data = load_scenario(CONFIGS / "spe_worst_case.yaml").model_dump(mode="json", exclude_unset=True)
    data["radiation"]["spe"]["replay_shift"] = "2012-03-07T00:00:00Z"
    with pytest.raises(ConfigError, match="replay_shift"):
        scenario_from_dict(data, base_dir=CONFIGS)


SHORT = ("constellation.0.cluster.count=9", "dt_s=30")


def _summary(config: str, tmp_path) -> dict:
    sim = Simulation(load_scenario(CONFIGS / config, list(SHORT)))
    return open_run(sim.run(tmp_path / f"{Path(config).stem}.h5").path).summary


def test_worst_case_is_worse_than_spe_storm_and_the_mitigated_twin_better(tmp_path):
    """Consistency check (no external reference): 9 of the 81 satellites at dt 30 s over each
    config's own duration — the worst case (two S3 events, 4 d) gives more upsets, more dose and
    more radiation badput than spe_storm (one, 3 d); its mitigated twin (TMR + SPE power-down)
    lets fewer SDCs escape than the unmitigated worst case."""
    storm = _summary("spe_storm.yaml", tmp_path)
    worst = _summary("spe_worst_case.yaml", tmp_path)
    mitigated = _summary("spe_worst_case_mitigated.yaml", tmp_path)
    for key in ("radiation.seu_corrected", "radiation.sdc", "radiation.dose_rad_max", "badput.radiation_gpu_hours"):
        assert worst[key] > storm[key], key
    assert mitigated["radiation.sdc"] < worst["radiation.sdc"]
    assert mitigated["radiation.powerdown_hours"] > 0.0 == worst["radiation.powerdown_hours"]


@pytest.mark.parametrize("config", ["spe_worst_case.yaml", "spe_carrington.yaml"])
def test_new_spe_configs_are_block_invariant(config, tmp_path):
    """Blocks of 1 and 10,000 ticks over the first 8 h (the first event's onset at 6 h)."""
    assert_block_invariant(CONFIGS / config, "8h", tmp_path, sets=("constellation.0.cluster.count=9",))
