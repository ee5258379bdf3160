"""The JSON Schema of scenario and campaign files (`odcsim schema`), checked with an independent
JSON Schema validator (python-jsonschema, draft 2020-12), and the `odcsim new` templates.

Editors read YAML 1.2, where `2026-03-20T00:00:00Z` is a string and `70.0e9` a number; PyYAML
reads YAML 1.1, so the files are loaded here with those two rules of the 1.2 core schema.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from sim.cli import TEMPLATES, main
from sim.config.json_schema import odcsim_json_schema

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SHIPPED = sorted(CONFIGS.glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=odcsim.schema.json"


class Yaml12(yaml.SafeLoader):
    """YAML 1.2 core schema's scalars where they differ from 1.1: no timestamps, and floats
    with an exponent but no sign in it."""


Yaml12.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12.add_implicit_resolver("tag:yaml.org,2002:float",
                             re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)$"),
                             list("-+0123456789."))


@pytest.fixture(scope="module")
def validator():
    schema = odcsim_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=Yaml12)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_validates_against_the_schema(validator, path):
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_load(path))]
    assert not errors, errors


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_names_the_schema_on_its_first_line(path):
    assert path.read_text().splitlines()[0] == MODELINE


def test_the_shipped_schema_file_is_what_odcsim_schema_prints(capsys):
    """Consistency check: configs/odcsim.schema.json is regenerated with `odcsim schema`."""
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads((CONFIGS / "odcsim.schema.json").read_text())


BROKEN = {
    "unknown top-level key": lambda d: d.update(colour="red"),
    "unknown nested key": lambda d: d["constellation"][0]["radiator"].update(area_m3=4),
    "wrong type": lambda d: d["constellation"][0]["radiator"].update(area_m2="large"),
    "out of range": lambda d: d["constellation"][0]["radiator"].update(emissivity=1.5),
    "bad duration text": lambda d: d.update(duration="one day"),
    "unknown enum value": lambda d: d["constellation"][0]["radiator"].update(orientation="sideways"),
    "unknown workload kind": lambda d: d.update(workloads={"jobs": [{"kind": "mining", "name": "x"}]}),
}


@pytest.mark.parametrize("mutation", BROKEN, ids=str)
def test_a_broken_scenario_does_not_validate(validator, mutation):
    data = copy.deepcopy(_load(CONFIGS / "suncatcher_training.yaml"))
    assert validator.is_valid(data)
    BROKEN[mutation](data)
    assert not validator.is_valid(data)


def test_a_broken_campaign_does_not_validate(validator):
    data = _load(CONFIGS / "quickstart_campaign.yaml")
    assert validator.is_valid(data)
    data["replicates"] = 0
    assert not validator.is_valid(data)


def test_durations_are_described_with_their_text_form():
    schema = odcsim_json_schema()
    duration = schema["$defs"]["OdcsimScenario"]["properties"]["duration"]
    assert {"type": "string"} .items() <= next(s for s in duration["anyOf"] if s.get("type") == "string").items()


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_runs_as_it_is(tmp_path, template, validator, capsys):
    path = tmp_path / f"my_{template}.yaml"
    assert main(["new", f"my_{template}", "--template", template, "-o", str(path)]) == 0
    text = path.read_text()
    assert text.splitlines()[0] == MODELINE and "TEMPLATE_NAME" not in text
    assert validator.is_valid(_load(path))
    out = tmp_path / "run.h5"
    assert main(["run", str(path), "--until", "10m", "-o", str(out), "--quiet"]) == 0
    assert out.exists()


def test_new_refuses_to_overwrite_and_odd_names(tmp_path, capsys):
    path = tmp_path / "x.yaml"
    path.write_text("keep me")
    assert main(["new", "x", "-o", str(path)]) == 2
    assert path.read_text() == "keep me"
    assert main(["new", "../escape", "-o", str(tmp_path / "y.yaml")]) == 2
    assert "already exists" in capsys.readouterr().err
