"""Bad input exits 2 at validate and at run, the field path named, nothing written."""
import copy

import pytest
import yaml

from sim.cli import main
from sim.config.base import ConfigError
from sim.workloads.inference.trace import write_trace
from tests.workloads.inference.scenarios import SHELL, scenario


def _job(data):
    return data["workloads"]["jobs"][0]


def _rejected(tmp_path, capsys, data, field, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out.h5"
    for args in (["validate", str(path)], ["run", str(path), "-o", str(out), "--quiet"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, err
        assert field in err and message in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("out.h5*"))


def _trace_job(data, file):
    _job(data)["arrivals"] = {"process": "trace", "trace": {"file": str(file)}}
    _job(data)["requests"] = {"context_tokens": "trace", "generated_tokens": "trace"}


def test_missing_trace_file(tmp_path, capsys):
    data = copy.deepcopy(SHELL)
    _trace_job(data, tmp_path / "nope.csv")
    _rejected(tmp_path, capsys, data, "workloads.jobs.0.arrivals.trace.file", "file not found")


@pytest.mark.parametrize("text, message", [
    ("TIMESTAMP,Tokens\n2023-11-16 18:15:46.68,3\n", "lacks ContextTokens, GeneratedTokens"),
    ("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\nyesterday,1,2\n", "line 3"),
    ("TIMESTAMP,ContextTokens,GeneratedTokens\n0.0,374,44\n1.5,-3,2\n", "negative token count"),
    ("TIMESTAMP,ContextTokens,GeneratedTokens\n0.0,374,44\n", "at least two"),
    ("", "empty"),
])
def test_malformed_trace_file(tmp_path, capsys, text, message):
    path = tmp_path / "trace.csv"
    path.write_text(text)
    data = copy.deepcopy(SHELL)
    _trace_job(data, path)
    _rejected(tmp_path, capsys, data, "workloads.jobs.0.arrivals.trace.file", message)


@pytest.mark.parametrize("field", ["ttft_s", "tpot_s"])
def test_slo_of_zero(tmp_path, capsys, field):
    data = copy.deepcopy(SHELL)
    _job(data)["slo"] = {field: 0}
    _rejected(tmp_path, capsys, data, f"slo.{field}", "greater than 0")


def test_station_names_that_do_not_exist(tmp_path, capsys):
    data = copy.deepcopy(SHELL)
    _job(data)["arrivals"] = {"stations": ["London", "Londn", "Atlantis"]}
    _rejected(tmp_path, capsys, data, "workloads.jobs.0.arrivals.stations.1", "did you mean 'London'")
    _rejected(tmp_path, capsys, data, "workloads.jobs.0.arrivals.stations.2", "no ground station 'Atlantis'")


@pytest.mark.parametrize("network", [None, {"crosslinks": {"topology": "grid"}}])
def test_inference_without_ground_stations(tmp_path, capsys, network):
    data = copy.deepcopy(SHELL)
    if network is None:
        del data["network"]
    else:
        data["network"] = network
    _rejected(tmp_path, capsys, data, "workloads.jobs.0.arrivals.stations", "network section with ground_stations")


def test_trace_sizes_need_trace_arrivals():
    data = copy.deepcopy(SHELL)
    _job(data)["requests"] = {"context_tokens": "trace"}
    with pytest.raises(ConfigError, match="arrivals.process: trace"):
        scenario(data)


def test_a_good_trace_validates(tmp_path):
    path = write_trace(tmp_path / "t.csv", [0.0, 0.5, 2.0], [100, 200, 300], [10, 20, 30])
    data = copy.deepcopy(SHELL)
    _trace_job(data, path)
    assert scenario(data).workloads.jobs[0].arrivals.trace.file == str(path)
