"""Hypothesis over the files a scenario names (TLE, ground stations, space weather, the SPE list,
F10.7 and Kp files: every schema field named *path, *file, *_csv or space_weather under the
sections of the base configs) and over the campaign schema.

Files: missing, empty, a directory, random bytes, a truncated copy of the right file, a file of
another kind, a `.gz` that is not gzip. Each case exits 0 or 2 without a traceback, a refusal
names the scenario file, and what validates runs (tests/robustness/fuzz.py). Campaign files:
`validate` only (it expands the plan and validates every run's scenario); the sizes that
multiply runs (replicates, sweep.sample.n) are capped at 4 and accepted campaigns are not run.
"""
from __future__ import annotations

import copy
import gzip

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.base import resolve_data_path
from tests.robustness.common import CONFIGS, TLE_SOURCE, assert_refused, cli, small_campaign
from tests.robustness.fuzz import BAD_VALUES, FUZZ, case_dir, check_scenario_case, leaf_paths, write_yaml
from tests.robustness.schema_paths import campaign_paths, scenario_paths
from tests.robustness.test_fuzz_scenario import BASE_NAMES, _set

FILE_SUFFIXES = ("path", "file", "_csv", "space_weather")
CORRUPTIONS = ["missing", "empty", "directory", "random_bytes", "truncated", "other_kind", "fake_gz",
               "header_only"]
OTHER_KIND = TLE_SOURCE   # a TLE where a CSV or XML is expected
DEFAULTS = {"space_weather": "data:space_weather/space_weather_1957-2026.csv.gz",
            "replay_csv": "data:noaa_spe_2010-2024.csv", "file": "data:ground_stations/brahe_ksat.json",
            "f107_csv": "data:space_weather/space_weather_1957-2026.csv.gz",
            "kp_csv": "data:space_weather/space_weather_1957-2026.csv.gz"}


def file_fields(config: dict) -> list[str]:
    present = {p.split(".")[0] for p in leaf_paths(config)}
    return [p for p in scenario_paths() if p.split(".")[0] in present and p.split(".")[0] != "defaults"
            and p.rsplit(".", 1)[-1].endswith(FILE_SUFFIXES)]


def _original(config: dict, field: str):
    """The file the field names now, else the shipped file of its kind."""
    node = config
    for part in field.split("."):
        node = node.get(part) if isinstance(node, dict) else (node[int(part)] if isinstance(node, list) else None)
        if node is None:
            break
    name = node if isinstance(node, str) else DEFAULTS.get(field.rsplit(".", 1)[-1], str(TLE_SOURCE))
    return resolve_data_path(name, CONFIGS)


def corrupt(kind: str, original, directory, fraction: float):
    suffix = "".join(original.suffixes[-2:]) if original.suffixes else ".txt"
    path = directory / f"input_{kind}{suffix}"
    raw = original.read_bytes() if original.is_file() else b""
    if kind == "missing":
        return path
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "directory":
        path.mkdir()
    elif kind == "random_bytes":
        path.write_bytes(np.random.default_rng(int(fraction * 1e6)).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        text = gzip.decompress(raw) if suffix.endswith(".gz") else raw
        cut = text[: int(len(text) * fraction)]
        path.write_bytes(gzip.compress(cut) if suffix.endswith(".gz") else cut)
    elif kind == "other_kind":
        data = OTHER_KIND.read_bytes()
        path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    elif kind == "fake_gz":
        path = directory / "input_fake.csv.gz"
        path.write_bytes(b"date,f107\n2026-01-01,150\n")
    elif kind == "header_only":
        text = gzip.decompress(raw) if suffix.endswith(".gz") else raw
        head = b"\n".join(text.splitlines()[:1]) + b"\n"
        path.write_bytes(gzip.compress(head) if suffix.endswith(".gz") else head)
    return path


BASES_WITH_FILES = [b for b in BASE_NAMES if b != "quickstart.yaml"]


@settings(FUZZ, max_examples=100)
@given(data=st.data(), base=st.sampled_from(BASES_WITH_FILES), kind=st.sampled_from(CORRUPTIONS),
       fraction=st.floats(0.0, 1.0))
def test_broken_input_files(bases, root, data, base, kind, fraction):
    config = copy.deepcopy(bases[base])
    fields = file_fields(config)
    if not fields:
        return
    field = data.draw(st.sampled_from(fields), label="field")
    directory = case_dir(root)
    bad = corrupt(kind, _original(config, field), directory, fraction)
    if not _set(config, field, str(bad)):
        return
    check_scenario_case(write_yaml(directory / "scenario.yaml", config))


CAPPED = ("replicates", "n", "workers")


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_mutated_campaign(root, data):
    directory = case_dir(root)
    spec_path = small_campaign(directory)
    import yaml
    spec = yaml.safe_load(spec_path.read_text())
    targets = sorted(set(campaign_paths()) | set(leaf_paths(spec)))
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        path = data.draw(st.sampled_from(targets), label="path")
        value = data.draw(BAD_VALUES, label="value")
        if path.rsplit(".", 1)[-1] in CAPPED and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and value == value and abs(value) > 4:
            value = 4
        _set(spec, path, value)
    write_yaml(spec_path, spec)
    code, out, err = cli(["validate", spec_path])
    assert code in (0, 2), err
    if code == 2:
        assert_refused(code, out, err, spec_path)
    assert "Traceback" not in out + err
