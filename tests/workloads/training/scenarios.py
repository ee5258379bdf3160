"""Small training scenarios the tests build on (plain dicts, so each test changes what it needs)."""
from __future__ import annotations

import copy

import yaml

from sim.config.loading import scenario_from_dict

H100_PEAK_FLOPS = 989e12   # dense BF16, the h100-sxm preset

# four satellites of a 1 km formation in a dawn-dusk orbit, always sunlit, big radiators: the
# GPUs run at full clock, so the step time is the model's
FORMATION = {
    "name": "training_test",
    "epoch": "2026-03-20T00:00:00Z",
    "duration": "3h",
    "dt_s": 10,
    "seed": 3,
    "record": {"every_s": "1h"},
    "constellation": [{
        "name": "cluster",
        "cluster": {"count": 4, "radius_m": 1000, "altitude_km": 650, "ltan_h": 18},
        "gpu": {"preset": "h100-sxm", "count": 4},
        "solar_array": {"area_m2": 12.0},
        "radiator": {"area_m2": 6.0, "sides": 2, "orientation": "edge_on_sun"},
    }],
    "workloads": {"jobs": [{
        "kind": "training", "name": "llm", "members": {"shell": "cluster"},
        "model": {"flops_per_step": 6.0e16, "gradient_bytes": 1.0e10},
        "checkpoint": {"every_s": "20m", "bytes": 1.0e11, "write_gb_s": 1.0, "keep_last": 2},
        "policy": "restart", "restart_s": "5m",
        "interruptions": {"gpu_mtbf_h": None},
    }]},
}


def scenario(changes: dict | None = None, base: dict = FORMATION, **job):
    """The base scenario with top-level `changes` and the training job's settings `job` merged in."""
    data = copy.deepcopy(base)
    data.update(copy.deepcopy(changes or {}))
    data["workloads"]["jobs"][0].update(copy.deepcopy(job))
    return scenario_from_dict(data, source="<test>")


def write(tmp_path, data: dict, name: str = "scenario.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def step_compute_s(job: dict, gpus: int) -> float:
    """The compute time of one step at full clock on `gpus` H100s."""
    return job["model"]["flops_per_step"] / (job["model"].get("mfu", 0.4) * gpus * H100_PEAK_FLOPS)
