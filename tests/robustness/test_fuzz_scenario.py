"""Hypothesis over every section of the scenario schema (issue 12 §4): wrong types, out-of-range,
huge and tiny numbers, NaN and inf at every field the pydantic models declare, unknown keys at
every depth, missing keys and duplicate YAML keys, applied to tiny copies of shipped configs.

Every case exits 0 or 2 without a traceback; a refused case names the file and leaves nothing
under the output name; every case `validate` accepts also runs. Cases are generated with
`derandomize=True` and no database, so CI sees the same cases each time. The fleet is capped:
each base config is cut to two satellites per shell and 3 ticks, and values generated for the
fleet-size fields (walker planes and sats_per_plane, sso/cluster count) are at most
FLEET_CAP, so the accepted cases run in well under a second each.
"""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.base import DottedPathError, walk_dotted
from tests.robustness.fuzz import (
    BAD_VALUES,
    FUZZ,
    KEYS,
    case_dir,
    check_scenario_case,
    dict_paths,
    leaf_paths,
    node_at,
    with_duplicate_key,
    write_yaml,
)
from tests.robustness.schema_paths import scenario_paths

FLEET_FIELDS = ("planes", "sats_per_plane", "count")
FLEET_CAP = 4


def _schema_targets(data: dict) -> list[str]:
    """Paths the models declare under the sections this config has, plus its own leaves."""
    present = {p.split(".")[0] for p in leaf_paths(data)}
    declared = [p for p in scenario_paths() if p.split(".")[0] in present or "." not in p]
    return sorted(set(declared) | set(leaf_paths(data)))


def _capped(path: str, value):
    if path.rsplit(".", 1)[-1] in FLEET_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == value and abs(value) > FLEET_CAP:   # NaN stays NaN
            return FLEET_CAP if value > 0 else -FLEET_CAP
    return value


def _set(data: dict, dotted: str, value) -> bool:
    """Set `dotted` (missing mappings made on the way); False where a list index is absent or a
    value stands where a section should."""
    try:
        node, last = walk_dotted(data, dotted, create=True)
    except DottedPathError:
        return False
    node[int(last) if isinstance(node, list) else last] = value
    return True


BASE_NAMES = ["quickstart.yaml", "vleo_350km.yaml", "spe_storm.yaml", "eo_edge.yaml",
              "suncatcher_lifetime.yaml", "tle"]


@pytest.mark.parametrize("base", BASE_NAMES)
@FUZZ
@given(data=st.data())
def test_mutated_fields(bases, root, base, data):
    """One or two fields set to a generated value (type, range, NaN, inf, huge, tiny)."""
    config = copy.deepcopy(bases[base])
    targets = _schema_targets(config)
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        path = data.draw(st.sampled_from(targets), label="path")
        _set(config, path, _capped(path, data.draw(BAD_VALUES, label="value")))
    check_scenario_case(write_yaml(case_dir(root) / "scenario.yaml", config))


@FUZZ
@given(data=st.data(), base=st.sampled_from(BASE_NAMES))
def test_unknown_key_at_every_depth(bases, root, data, base):
    """A key no model declares, at any mapping of the config: refused, naming it."""
    config = copy.deepcopy(bases[base])
    where = data.draw(st.sampled_from(dict_paths(config)), label="where")
    node = node_at(config, where)
    key = "zz" + data.draw(KEYS, label="key")
    if where.split(".")[0] in ("defaults",) or key in node:
        return   # defaults: a mapping of hardware sections, refused differently (still checked above)
    node[key] = data.draw(BAD_VALUES, label="value")
    check_scenario_case(write_yaml(case_dir(root) / "scenario.yaml", config), expect_refused=True, field=key)


@settings(FUZZ, max_examples=60)   # most removals fall back to a default and run: the costly cases
@given(data=st.data(), base=st.sampled_from(BASE_NAMES))
def test_missing_key(bases, root, data, base):
    """Any key of the config removed: a default applies or it is refused as missing."""
    config = copy.deepcopy(bases[base])
    path = data.draw(st.sampled_from(leaf_paths(config)), label="path")
    parent, _, last = path.rpartition(".")
    node = node_at(config, parent)
    if isinstance(node, list):
        node.pop(int(last))
    else:
        del node[last]
    check_scenario_case(write_yaml(case_dir(root) / "scenario.yaml", config))


@FUZZ
@given(data=st.data(), base=st.sampled_from(BASE_NAMES))
def test_duplicate_yaml_key(bases, root, data, base):
    """A key given twice in one mapping, at any depth: refused, naming the key and its line
    (PyYAML alone would keep the last silently)."""
    config = copy.deepcopy(bases[base])
    where = data.draw(st.sampled_from([p for p in dict_paths(config) if node_at(config, p)]), label="where")
    node = node_at(config, where)
    key = data.draw(st.sampled_from(sorted(node)), label="key")
    # values JSON writes as YAML reads them (no control characters or lone surrogates)
    value = data.draw(st.one_of(st.just(node[key]), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                st.sampled_from(["x", "7d", None, True, [1, 2], {"a": 1}])), label="value")
    path = case_dir(root) / "scenario.yaml"
    path.write_text(with_duplicate_key(config, where, key, value))
    check_scenario_case(path, expect_refused=True, field="duplicate key")
