"""Shared by the campaign tests: the tiny campaign (tests/data/campaign_tiny.yaml: 2 x 2 grid,
2 replicates, 3 satellites for 1 h at dt 60 s), a failing run function and shard comparison."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import yaml

from sim.campaign.executors import simulate

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "campaign_tiny.yaml"
REPO = Path(__file__).resolve().parents[2]


def raising_run(scenario, output, inner=simulate):
    """Raises for the 2 m² radiator, runs `inner` for the others."""
    if scenario.constellation[0].radiator.area_m2 == 2.0:
        raise RuntimeError("deliberate failure for the test")
    return inner(scenario, output)


def write_campaign(tmp_path: Path, **changes) -> Path:
    """The tiny campaign with top-level settings changed, written to tmp_path/campaign.yaml."""
    data = yaml.safe_load(TINY.read_text())
    data["scenario"] = str(DATA / "campaign_scenario.yaml")
    data.update(changes)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def datasets(path: Path) -> dict[str, np.ndarray]:
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def assert_same_shards(dir_a: Path, dir_b: Path):
    shards = sorted(p.name for p in (dir_a / "runs").glob("*.h5"))
    assert shards and shards == sorted(p.name for p in (dir_b / "runs").glob("*.h5"))
    for name in shards:
        a, b = datasets(dir_a / "runs" / name), datasets(dir_b / "runs" / name)
        assert a.keys() == b.keys()
        for key in a:
            assert a[key].dtype == b[key].dtype, (name, key)
            assert a[key].tobytes() == b[key].tobytes(), (name, key)


def run_table(directory: Path):
    from sim.analysis.campaign import open_campaign
    return open_campaign(directory)
