"""Bad safety input exits 2 at `validate` and at `run`, naming the field and writing nothing;
the shipped safety config gives the same file whatever the block length."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli import main
from tests.helpers import assert_block_invariant

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "suncatcher_safety.yaml"


def _scenario(tmp_path, safety: dict) -> Path:
    data = {"name": "bad_safety", "epoch": "2026-03-20T00:00:00Z", "duration": "1h", "dt_s": 10,
            "constellation": [{"name": "c", "cluster": {"count": 3, "radius_m": 300, "altitude_km": 650,
                                                        "ltan_h": 18}}],
            "safety": safety}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


MALFORMED = "0 OBJECT\n1 44235U 19029A   20180.25001157  .05724375  00000-0  10452+0 0  9995\n2 44235 bad line\n"
BAD = [
    ({"formation": {"threshold_m": 0}}, "safety.formation.threshold_m"),
    ({"formation": {"threshold_m": -5}}, "safety.formation.threshold_m"),
    ({"formation": {"threshold_m": 500, "screening_radius_m": 300}}, "safety.formation.threshold_m"),
    ({"formation": {"screening_radius_m": 0}}, "safety.formation.screening_radius_m"),
    ({"uncertainty": {"sigma_rtn_m": [1, -2, 1]}}, "safety.uncertainty.sigma_rtn_m"),
    ({"uncertainty": {"sigma_rtn_m": [1, 2]}}, "safety.uncertainty.sigma_rtn_m"),
    ({"uncertainty": {"hard_body_radius_m": 0}}, "safety.uncertainty.hard_body_radius_m"),
    ({"catalogue": {"path": "missing.tle"}}, "safety.catalogue.path"),
    ({"catalogue": {"path": "malformed.tle"}}, "safety.catalogue.path"),
    ({"catalogue": {"path": "data:starperf_starlink_tle_2020-06-28.txt", "sigma_rtn_m": [-1, 1, 1]}},
     "safety.catalogue.sigma_rtn_m"),
    ({"catalogue": {"path": "data:starperf_starlink_tle_2020-06-28.txt", "threshold_m": 0}},
     "safety.catalogue.threshold_m"),
    ({"catalogue": {"path": "data:starperf_starlink_tle_2020-06-28.txt", "pc_threshold": 0}},
     "safety.catalogue.pc_threshold"),
]


@pytest.mark.parametrize("safety, field", BAD)
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, safety, field):
    (tmp_path / "malformed.tle").write_text(MALFORMED)
    path = _scenario(tmp_path, safety)
    out = tmp_path / "out.h5"
    for args in (["validate", str(path)], ["run", str(path), "-o", str(out), "--quiet"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, (args[0], err)
        assert field in err, err
        assert "Traceback" not in err
        assert not out.exists()


def test_suncatcher_safety_is_block_invariant(tmp_path):
    """configs/suncatcher_safety.yaml run with blocks of 1 and 10,000 ticks gives identical
    datasets (a property of the block driver, not a reference)."""
    assert_block_invariant(CONFIG, "30m", tmp_path)
