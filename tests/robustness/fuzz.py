"""The fuzz harness: write a mutated config, `validate` it in-process, run what validates, and
check the contract of issue 12 §4 on every case."""
from __future__ import annotations

import itertools
import json
import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sim.config import load_scenario
from tests.robustness.common import cli, leftovers

# reproducible in CI: the same cases every time, no example database
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=100, print_blob=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])
RUN_TICKS = 3   # a case that validates runs this many ticks (its duration is cut with --until)

NASTY = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -5e-324, 1e-300, 0, 0.0, -0.0, -1, 1,
         2 ** 63, -(2 ** 63), 10 ** 30, True, False, None, "", " ", "x", "nan", "inf", "-inf", "1e999",
         "0s", "-5m", "7d", "1e400h", "2026-02-30T00:00:00Z", [], {}, [1, 2], [[1]], {"a": 1}, {"": None},
         "data:", "data:absent.csv", "\x00", "é" * 3]
BAD_VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),
    st.floats(),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.text(max_size=6),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
)
LAST_CASE = Path(tempfile.gettempdir()) / "odcsim_fuzz_last_case.yaml"
OUTCOMES: dict[str, int] = {"refused": 0, "ran": 0}   # what the cases did (printed by conftest)
KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)

_counter = itertools.count()


def case_dir(root: Path) -> Path:
    """A fresh directory per generated case (Hypothesis reuses function-scoped fixtures)."""
    return Path(tempfile.mkdtemp(prefix=f"case{next(_counter)}_", dir=root))


def dict_paths(node, prefix: str = "") -> list[str]:
    """Dotted paths of every mapping inside `node` ("" for the root)."""
    out = [prefix] if isinstance(node, dict) else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, (dict, list)):
            out += dict_paths(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def leaf_paths(node, prefix: str = "") -> list[str]:
    """Dotted paths of every value inside `node`."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    out = []
    for key, value in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        out.append(path)
        out += leaf_paths(value, path)
    return out


def node_at(data, dotted: str):
    node = data
    for part in filter(None, dotted.split(".")):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def with_duplicate_key(data: dict, where: str, key: str, value) -> str:
    """`data` as YAML (JSON flow style) whose mapping at `where` gives `key` twice."""
    marker = "__duplicate_marker__"
    node = node_at(data, where)
    node[marker] = None
    text = json.dumps(data, allow_nan=True, default=str)   # the epoch: a datetime
    del node[marker]
    text = text.replace(f'"{marker}": null', f"{json.dumps(key, default=str)}: {json.dumps(value, default=str)}")
    return text.replace("NaN", ".nan").replace("-Infinity", "-.inf").replace("Infinity", ".inf")


def _ticks(data) -> float:
    """Ticks of a (mutated) scenario mapping, inf where duration or dt_s is not a duration."""
    from sim.config.base import parse_duration_s
    try:
        return parse_duration_s(data.get("duration", 86400.0)) / parse_duration_s(data.get("dt_s", 10.0))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, AttributeError):
        return math.inf


def check_scenario_case(path: Path, *, expect_refused: bool = False, field: str | None = None) -> int:
    """The contract for one scenario file: `validate` and `run` exit 0 or 2 with no traceback (2
    names the file and leaves nothing under the output name); what validates runs (at most
    RUN_TICKS ticks) and writes its file. Returns the exit status.

    `run` goes first: a refusal that names the file as a config error comes from the loader
    `validate` shares (sim.config.load_scenario), so validate is then not asked again; any other
    outcome is checked against `validate`."""
    output = path.parent / "out.h5"
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        data = None
    short = isinstance(data, dict) and _ticks(data) <= 10 * RUN_TICKS
    LAST_CASE.write_text(path.read_text())   # a case that crashes the interpreter is kept here
    code, out, err = cli(["run", path, "-o", output, "--quiet"] if short else ["validate", path])
    assert code in (0, 2), f"{path}: exit {code}\n{err[-3000:]}"
    assert "Traceback" not in out + err, err
    if code == 2:
        assert str(path) in err, err
        if field is not None:
            assert field in err, err
        assert leftovers(output) == []
        if short and not err.startswith(f"odcsim run: error: {path}: "):
            v_code, _, v_err = cli(["validate", path])   # refused after loading: validate must refuse
            assert v_code == 2, f"{path} validates but does not run:\n{err[-3000:]}"
        OUTCOMES["refused"] += 1
        return code
    assert not expect_refused, f"{path} was accepted:\n{path.read_text()[:2000]}"
    OUTCOMES["ran"] += 1
    if short:
        assert output.exists() and leftovers(output) == [output]
        v_code, out, v_err = cli(["validate", path])
        assert v_code == 0 and "Traceback" not in out + v_err, v_err
        return code
    scenario = load_scenario(path)
    until = min(scenario.duration, RUN_TICKS * scenario.dt_s)
    run_code, out, err = cli(["run", path, "-o", output, "--quiet", "--until", repr(until)])
    assert run_code == 0, f"{path} validates but does not run (exit {run_code}):\n{err[-3000:]}"
    assert output.exists() and leftovers(output) == [output]
    return code
