"""The inference job end to end on a small shell with crosslinks and four stations."""
import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.core.simulation import Simulation
from sim.workloads.inference import serve
from sim.workloads.inference.trace import write_trace
from tests.helpers import advance_ticks
from tests.workloads.inference.scenarios import scenario, shell_dict


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("inference") / "run.h5"
    Simulation(scenario(shell_dict())).run(path)
    return open_run(path)


def _s(run):
    return {k.removeprefix("workloads.chat."): v for k, v in run.summary.items()}


def test_every_request_is_counted_once(run):
    s = _s(run)
    assert s["arrived"] > 4 * 20 * 3600 * 0.95
    assert s["arrived"] == s["served"] + s["rejected"] + s["waiting_at_end"]
    assert s["rejected"] == s["rejected_unreachable"] + s["rejected_link"] + s["rejected_timeout"]


def test_a_station_no_satellite_sees_is_rejected_and_reported(run):
    st = run.tables["workloads/chat/stations"].set_index("station")
    assert st.loc["Svalbard", "reachable_fraction"] == 0.0
    assert st.loc["Svalbard", "rejected_unreachable"] == st.loc["Svalbard", "arrived"] > 0
    assert st.loc["Nairobi", "reachable_fraction"] > 0.9 and st.loc["Nairobi", "placed"] > 0
    assert _s(run)["reachability_min"] == 0.0
    ev = run.events
    lost = ev[ev["kind_name"] == "inference_reachability"]
    assert {int(a) for a in lost["a"][lost["b"] == 0.0]} >= {3}   # Svalbard is network station 3


def test_books_balance_and_useful_is_the_busy_share(run):
    s = run.summary
    members_h = s["gpu_hours_delivered"]       # every satellite is a member
    assert s["useful_gpu_hours"] + s["badput.idle_gpu_hours"] == pytest.approx(members_h, rel=1e-9)
    assert s["useful_gpu_hours"] / members_h == pytest.approx(s["workloads.chat.busy_share"], rel=1e-9)
    lat = run.tables["workloads/chat/latency"]
    assert lat["ttft"].sum() == s["workloads.chat.served"] == lat["wait"].sum()


def test_tables_have_units_and_progress_rows(run):
    prog = run.tables["workloads/chat/progress"]
    assert len(prog) == 6 and prog["t_s"].iloc[-1] == 3600.0
    assert prog["arrived"].is_monotonic_increasing
    assert np.all((prog["busy_share"] >= 0) & (prog["busy_share"] <= 1))


def test_idle_gpus_run_at_the_busy_share_and_the_fleet_is_cooler():
    """Members' utilisation is their busy share: a lightly loaded fleet draws less and runs cooler
    than the same fleet at full utilisation (no workloads)."""
    sim = Simulation(scenario(shell_dict(), until="30m"))
    for sub in sim.subsystems:
        sub.start()
    advance_ticks(sim, range(1, sim.n_steps + 1))
    job = sim.subsystem("workloads").jobs[0]
    util = sim.fleet.gpu_utilisation
    assert np.all((util >= 0) & (util <= 1)) and 0 < util.mean() < 0.2
    assert np.all(util[job.ist[serve.BUSY] == 0] == 0)
    data = shell_dict()
    del data["workloads"]
    bare = Simulation(scenario(data, until="30m"))
    for sub in bare.subsystems:
        sub.start()
    advance_ticks(bare, range(1, bare.n_steps + 1))
    assert sim.fleet.t_junction_k.mean() < bare.fleet.t_junction_k.mean() - 5.0


def test_same_seed_same_results(tmp_path):
    a = Simulation(scenario(shell_dict(placement="coolest"), until="20m")).run(tmp_path / "a.h5").summary
    b = Simulation(scenario(shell_dict(placement="coolest"), until="20m")).run(tmp_path / "b.h5").summary
    assert a == b


@pytest.mark.parametrize("placement", ["nearest", "least_loaded", "coolest"])
def test_policies_serve_everything_they_reach_at_light_load(tmp_path, placement):
    s = Simulation(scenario(shell_dict(placement=placement), until="20m")).run(tmp_path / "p.h5").summary
    assert s["workloads.chat.rejected_timeout"][0] == 0 and s["workloads.chat.slo_met_fraction"][0] == 1.0
    assert s["workloads.chat.served"][0] > 0.7 * s["workloads.chat.arrived"][0]   # Svalbard's quarter is lost


def test_trace_arrivals_and_sizes(tmp_path):
    rng = np.random.default_rng(3)
    n = 2000
    t = np.sort(rng.uniform(0.0, 400.0, n))
    ctx, gen = rng.integers(50, 3000, n), rng.integers(5, 600, n)
    trace = write_trace(tmp_path / "conv.csv", t, ctx, gen)
    job = {"arrivals": {"process": "trace", "stations": ["London", "Sydney"], "trace": {"file": str(trace)}},
           "requests": {"context_tokens": "trace", "generated_tokens": "trace", "size_classes": 16}}
    run = Simulation(scenario(shell_dict(**job), until="20m")).run(tmp_path / "t.h5")
    s = {k: v[0] for k, v in run.summary.items()}
    period = 400.0 * n / (n - 1)  # close to the trace's span: each station replays it 3 times in 20 min
    assert s["workloads.chat.arrived"] == pytest.approx(2 * n * 1200.0 / period, rel=0.01)
    # the mean service of the sizes: TPOT 0.137 s × mean generated tokens + mean prefill
    assert s["workloads.chat.e2e_mean_s"] == pytest.approx(
        ctx.mean() / 3500 + gen.mean() * 352 / 2570 + 2 * s["workloads.chat.path_latency_mean_ms"] * 1e-3, rel=0.02)
    # sizes vary (16 × 16 classes): the TTFT spreads with the context, p50 near the median prompt's prefill
    assert s["workloads.chat.ttft_p50_s"] == pytest.approx(np.median(ctx) / 3500, rel=0.1)
    assert s["workloads.chat.ttft_p99_s"] > 1.4 * s["workloads.chat.ttft_p50_s"]


def test_bursty_gamma_arrivals_keep_the_mean_rate(tmp_path):
    """Gamma renewal arrivals (shape 0.25, CV² = 4) through the whole job: the mean rate is the
    configured one (4 stations × 20/s × 20 min; σ of the total ≈ 0.7 %) and every request is
    counted once."""
    job = {"arrivals": {"process": "gamma", "rate_per_s": 20.0, "burstiness": 0.25}}
    s = {k.removeprefix("workloads.chat."): v[0] for k, v in
         Simulation(scenario(shell_dict(**job), until="20m")).run(tmp_path / "g.h5").summary.items()}
    assert s["arrived"] == pytest.approx(4 * 20.0 * 1200.0, rel=0.04)
    assert s["arrived"] == s["served"] + s["rejected"] + s["waiting_at_end"]
    assert s["rejected_unreachable"] > 0.2 * s["arrived"]           # Svalbard's share


def test_members_deliver_at_the_jobs_clock_sensitive_share():
    """The job's share s reaches the payload (gpu_clock_sensitivity on its members, 1 elsewhere),
    so at clock 0.5 a member delivers 1/(s/0.5 + 1 - s) of its GPU time: 0.769 at s = 0.3."""
    from sim.payload.gpu import throughput_fraction
    data = shell_dict()
    data["workloads"]["jobs"][0]["clock_sensitive_share"] = 0.3
    sim = Simulation(scenario(data))
    s = sim.fleet.gpu_clock_sensitivity
    assert np.all(s == 0.3) or (np.any(s == 0.3) and np.all((s == 0.3) | (s == 1.0)))
    assert throughput_fraction(0.5, 0.3) == pytest.approx(1.0 / (0.3 / 0.5 + 0.7), rel=1e-12)
