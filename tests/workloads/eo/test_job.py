"""The eo job end to end: the frame books balance, the downlink equals the contact time × rate of
the network's own contact events, the GPU-seconds are booked, the policies defer as they say."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.core.simulation import Simulation
from sim.workloads.eo.config import Camera
from tests.helpers import advance_ticks
from tests.workloads.eo.common import RATE_GBPS, eo_scenario

JOB = "workloads.jobs.0"


def _run(tmp_path, name="eo.h5", **sets):
    return open_run(Simulation(eo_scenario(**sets)).run(tmp_path / name).path)


def contact_reference_bytes(run, members, rate_bytes_s) -> np.ndarray:
    """Independent reference: per member, Σ over the union of its usable contacts (the
    contact_start b = 1 .. contact_end events of the result file, a contact still open at the
    end closed there) of duration × rate (one rate for every station here)."""
    ev, end_s = run.events, run.summary["duration_s"]
    out = np.zeros(len(members))
    for k, sat in enumerate(members):
        mine = ev[(ev.sat == sat) & (ev.b > 0.5) & ev.kind_name.isin(["contact_start", "contact_end"])]
        intervals, open_at = [], {}
        for row in mine.itertuples():
            if row.kind_name == "contact_start":
                open_at[int(row.a)] = row.t_s
            else:
                intervals.append((open_at.pop(int(row.a)), row.t_s))
        intervals += [(t, end_s) for t in open_at.values()]
        covered, cur_end = 0.0, -np.inf
        for lo, hi in sorted(intervals):             # length of the union
            if lo > cur_end:
                covered += hi - lo
                cur_end = hi
            elif hi > cur_end:
                covered += hi - cur_end
                cur_end = hi
        out[k] = covered * rate_bytes_s
    return out


def test_downlink_equals_contact_duration_times_rate(tmp_path):
    """A bent pipe whose queue never empties (a frame of 100 MB every 2 s all the time, 10 TB of
    storage that never fills): every satellite's bytes downlinked equal Σ (contact duration ×
    station rate) from the contact events, to 1e-9."""
    run = _run(tmp_path, duration="6h", **{f"{JOB}.process": "none", f"{JOB}.camera.over": "always",
                                          f"{JOB}.camera.frames_per_s": 0.5, f"{JOB}.storage_gb": 10_000})
    s, sats = run.summary, run.tables["workloads/imaging/satellites"]
    assert s["workloads.imaging.frames_dropped"] == 0
    reference = contact_reference_bytes(run, sats["sat"].to_numpy(), RATE_GBPS * 1e9 / 8.0)
    assert reference.min() > 0.0                      # every satellite passed a polar station
    assert sats["bytes_downlinked"].to_numpy() == pytest.approx(reference, rel=1e-9)
    assert s["workloads.imaging.downlink_capacity_bytes"] == pytest.approx(reference.sum(), rel=1e-9)
    assert s["workloads.imaging.contact_hours"] == pytest.approx(reference.sum() / (RATE_GBPS * 1e9 / 8) / 3600,
                                                                 rel=1e-9)


def test_frames_balance_exactly_with_storage_full(tmp_path):
    """Consistency check: captured = delivered + screened + dropped + stored, exactly, per
    satellite and for the bent-pipe shadow, with a storage that fills and drops frames."""
    run = _run(tmp_path, **{f"{JOB}.storage_gb": 20, f"{JOB}.processing.gpu_s_per_frame": 40.0,
                            f"{JOB}.camera.over": "sunlit"})
    s, sats = run.summary, run.tables["workloads/imaging/satellites"]
    p = "workloads.imaging."
    assert s[p + "frames_dropped"] > 0 and s[p + "bentpipe.frames_dropped"] > 0
    lhs = sats["captured"]
    assert (lhs == sats["delivered"] + sats["screened"] + sats["dropped"] + sats["stored"]).all()
    assert s[p + "frame_balance"] == 0 and s[p + "bentpipe.frame_balance"] == 0
    assert s[p + "frames_captured"] == (s[p + "bentpipe.frames_delivered"] + s[p + "bentpipe.frames_dropped"]
                                        + s[p + "bentpipe.frames_stored"])
    full = run.events[run.events.kind_name == "eo_storage_full"]
    assert len(full) >= int((sats["dropped"] > 0).sum()) and set(full.b) == {0.0, 1.0}
    table = run.tables["workloads/imaging/downlink"]
    assert table["t_s"].iloc[-1] == s["duration_s"] and table["captured"].iloc[-1] == s[p + "frames_captured"]


def test_gpu_seconds_are_booked_useful_and_idle(tmp_path):
    """Every delivered GPU-second of the members is booked: useful = the time spent on frames
    (between processed × g and (processed + one in progress per satellite) × g), the rest idle;
    the screening keeps 70 % of what it processed."""
    run = _run(tmp_path, **{f"{JOB}.camera.over": "sunlit"})
    s, sats = run.summary, run.tables["workloads/imaging/satellites"]
    g = 2.0
    useful_s = s["useful_gpu_hours"] * 3600.0
    assert useful_s == pytest.approx(sats["gpu_busy_s"].sum(), rel=1e-12)
    assert useful_s + s["badput.idle_gpu_hours"] * 3600.0 == pytest.approx(sats["gpu_delivered_s"].sum(), rel=1e-12)
    processed = s["workloads.imaging.frames_processed"]
    assert processed * g - 1e-6 <= useful_s <= (processed + len(sats)) * g
    kept = processed - s["workloads.imaging.frames_screened_out"]
    assert abs(kept - 0.7 * processed) < len(sats)
    assert 0.0 < s["workloads.imaging.downlink_saved_fraction"] < 1.0


def test_bent_pipe_job_idles_its_gpus(tmp_path):
    run = _run(tmp_path, **{f"{JOB}.process": "none"})
    s = run.summary
    assert s["useful_gpu_hours"] == 0.0 and s["badput.idle_gpu_hours"] > 0.0
    assert "workloads.imaging.bentpipe.frames_delivered" not in s
    assert s["workloads.imaging.downlink_saved_fraction"] == pytest.approx(0.0, abs=1e-12)


def test_swath_camera_closed_form():
    """Φsat-2's imager (4.75 m GSD, 19 km swath, 8 bands, 12 bit): a 19 km scene is
    (19,000 / 4.75)² px × 8 × 1.5 B = 192 MB; one scene per 19 km of ground track at
    v = sqrt(μ/a)·R_E/a for 510 km."""
    cam = Camera(swath_km=19, gsd_m=4.75, bands=8, bits_per_pixel=12)
    assert cam.bytes_per_frame == pytest.approx(4000 ** 2 * 8 * 1.5)
    a = R_EARTH_EQUATORIAL_M + 510e3
    v = np.sqrt(MU_EARTH_M3_S2 / a) * R_EARTH_EQUATORIAL_M / a
    assert v == pytest.approx(7048.0, rel=1e-3)
    assert float(cam.frames_per_s_at(a)) == pytest.approx(v / 19e3, rel=1e-12)


def test_sunlit_policy_processes_nothing_in_shadow():
    """sunlit: no GPU time is used for frames in a tick a member spends in shadow (tick by tick)."""
    sim = Simulation(eo_scenario(duration="2h", **{f"{JOB}.policy": "sunlit", f"{JOB}.camera.over": "always",
                                                   f"{JOB}.processing.gpu_s_per_frame": 8.0}))
    job = sim.subsystem("workloads").jobs[0]
    fleet, members = sim.fleet, job.jc.members
    for sub in sim.subsystems:
        sub.start()
    deferred_ticks = 0
    for step in range(1, sim.n_steps + 1):
        dark = fleet.illumination[members] < 0.5
        busy_before = job.main.gpu_busy_s.copy()
        advance_ticks(sim, [step])
        assert np.all(job.main.gpu_busy_s[dark] == busy_before[dark])
        assert np.all(fleet.gpu_utilisation[members][fleet.illumination[members] < 0.5] == 0.0)
        deferred_ticks += int(dark.sum())
    assert deferred_ticks > 0 and job.main.gpu_busy_s.sum() > 0.0


def test_power_aware_policy_keeps_the_battery_off_its_floor(tmp_path):
    """A 60 Wh battery (the bus and the idle GPU alone take 33 Wh of an eclipse) and a backlog
    all the time: processing at once through the eclipse runs the battery to its floor (the
    payload caps the GPUs: power badput); power_aware stops in shadow when the rest of the
    eclipse needs the energy, never reaches the floor and still processes in sunlight."""
    sets = {"duration": "6h", "defaults.battery.capacity_wh": 60, f"{JOB}.camera.over": "always",
            f"{JOB}.processing.gpu_s_per_frame": 8.0}
    naive = _run(tmp_path, "naive.h5", **sets).summary
    aware = _run(tmp_path, "aware.h5", **sets, **{f"{JOB}.policy": "power_aware"}).summary
    assert naive["badput.power_gpu_hours"] > 0.0 and naive["min_soc"] <= 0.2 + 1e-9
    assert aware["badput.power_gpu_hours"] == 0.0 and aware["min_soc"] > 0.2
    assert aware["useful_gpu_hours"] > 0.0


def test_same_seed_same_tables(tmp_path):
    a = _run(tmp_path, "a.h5", duration="1h")
    b = _run(tmp_path, "b.h5", duration="1h")
    for key in ("workloads/imaging/downlink", "workloads/imaging/satellites", "workloads/imaging/latency"):
        assert a.tables[key].equals(b.tables[key])
