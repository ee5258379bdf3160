"""Bad eo input exits 2 at `validate` and at `run`, naming the field, writing nothing."""
from __future__ import annotations

import pytest
import yaml

from sim.cli import main
from tests.workloads.eo.common import eo_dict

JOB = "workloads.jobs.0"
BAD = [
    ({f"{JOB}.camera": {"frame_bytes": 0, "frames_per_s": 0.1}}, "frame_bytes"),
    ({f"{JOB}.camera": {"frame_mb": -5, "frames_per_s": 0.1}}, "frame_mb"),
    ({f"{JOB}.camera": {"frame_mb": 5, "frames_per_s": 0}}, "frames_per_s"),
    ({f"{JOB}.camera": {"swath_km": 19, "gsd_m": 0, "bands": 8, "bits_per_pixel": 12}}, "gsd_m"),
    ({f"{JOB}.camera": {"swath_km": 19, "gsd_m": 5}}, "camera"),
    ({f"{JOB}.storage_gb": 0}, "storage_gb"),
    ({f"{JOB}.storage_gb": -1}, "storage_gb"),
    ({f"{JOB}.storage_gb": 0.05}, f"{JOB}.storage_gb"),        # smaller than one 100 MB frame
    ({f"{JOB}.processing.keep_fraction": 1.2}, "keep_fraction"),
    ({f"{JOB}.processing.keep_fraction": -0.1}, "keep_fraction"),
    ({f"{JOB}.processing.output_mb": 0}, "output_mb"),
    ({f"{JOB}.processing.output_mb": 500}, f"{JOB}.processing.output_mb"),
    ({f"{JOB}.processing.gpu_s_per_frame": 0}, "gpu_s_per_frame"),
    ({f"{JOB}.processing": None}, JOB),
    ({f"{JOB}.policy": "whenever"}, "policy"),
    ({"network": None}, JOB),
    ({"defaults.gpu.count": 0}, f"{JOB}.process"),
]


def _check(tmp_path, capsys, sets, field):
    data = eo_dict(**sets)
    if sets.get("network", 1) is None:
        del data["network"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    for args in (["validate", str(path)], ["run", str(path), "-o", str(tmp_path / "out.h5"), "--quiet"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, err
        assert str(path) in err and field in err and "Traceback" not in err
        if JOB not in field:
            assert JOB in err
    assert not list(tmp_path.glob("out.h5*"))


@pytest.mark.parametrize("sets,field", BAD, ids=[f for _, f in BAD])
def test_bad_eo_input_exits_2(tmp_path, capsys, sets, field):
    _check(tmp_path, capsys, sets, field)


def test_the_test_scenario_is_valid(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(eo_dict()))
    assert main(["validate", str(path)]) == 0
