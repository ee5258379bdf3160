"""The `network:` section: what the models refuse, and what the scenario check
(sim.network.config.network_references) refuses — through scenario_from_dict, load_scenario and
`odcsim validate` / `run` (exit 2, the field path named)."""
import pytest
import yaml

from sim.cli import main
from sim.config import ConfigError, load_scenario
from tests.network.common import PAIR, PAIR_LINK, SHELL_4X8, STATIONS, scenario, scenario_data


def _problems(network, constellation=None, base_dir=None) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as err:
        scenario(network, constellation, base_dir=base_dir)
    return err.value.problems


def test_bad_network_config_names_the_field():
    assert "network.crosslinks" in str(_problems({"crosslinks": {"topology": "pairs"}}))
    assert "max_rnage_km" in str(_problems({"crosslinks": {"max_rnage_km": 10}}))


@pytest.mark.parametrize("demand, path, message", [
    ({"src": 0, "dst": "Lodnon", "size_gb": 1}, "network.transfers.2.dst",
     "no ground station 'Lodnon' (did you mean 'London'?)"),
    ({"src": 32, "dst": "London", "size_gb": 1}, "network.transfers.2.src", "satellite index 32 outside 0..31"),
    ({"ring": [0, 5, 40], "size_gb": 1}, "network.transfers.2.ring.2", "satellite index 40 outside 0..31"),
    ({"src": -1, "dst": 3, "size_gb": 1}, "network.transfers.2.src", "satellite index -1 outside 0..31"),
])
def test_bad_endpoints_name_the_field_path(demand, path, message):
    net = {"crosslinks": {"topology": "grid"}, "ground_stations": {"stations": STATIONS},
           "transfers": [{"src": 0, "dst": 1, "size_gb": 1}, {"src": "London", "dst": 3, "size_gb": 1}, demand]}
    assert _problems(net) == [(path, message)]


def test_station_name_without_stations_and_bad_forms():
    assert _problems({"crosslinks": PAIR_LINK, "transfers": [{"src": 0, "dst": "London", "size_gb": 1}]},
                     PAIR) == [("network.transfers.0.dst",
                                "no ground station 'London' (the scenario has no network.ground_stations)")]
    for bad in ({"src": 0, "dst": 1}, {"src": 0, "dst": 1, "size_gb": 1, "size_bytes": 5},
                {"src": 0, "dst": 0, "size_gb": 1}, {"src": 0, "dst": 1, "size_gb": 1, "count": 2},
                {"ring": "all", "src": 0, "size_gb": 1}):
        assert "network.transfers.0" in str(_problems({"crosslinks": PAIR_LINK, "transfers": [bad]}, PAIR))


def test_every_refusal_of_one_scenario_is_listed():
    """Latency pairs, explicit link pairs, rings and the +Grid topology are checked together."""
    net = {"crosslinks": {"topology": "pairs", "pairs": [[0, 1], [1, 7]]},
           "ground_stations": {"stations": STATIONS},
           "routing": {"latency_pairs": [["London", "Sydnee"], ["Paris", "New York"]]},
           "transfers": [{"ring": "all", "size_gb": 1}]}
    elements = [{"altitude_km": 650, "inclination_deg": 98}]
    assert _problems(net, [{"elements": elements}]) == [
        ("network.crosslinks.pairs.0.1", "satellite index 1 outside 0..0"),
        ("network.crosslinks.pairs.1.0", "satellite index 1 outside 0..0"),
        ("network.crosslinks.pairs.1.1", "satellite index 7 outside 0..0"),
        ("network.routing.latency_pairs.0.1", "no ground station 'Sydnee' (did you mean 'Sydney'?)"),
        ("network.routing.latency_pairs.1.0", "no ground station 'Paris'"),
        ("network.transfers.0.ring", "a ring needs at least two satellites"),
    ]


def test_grid_needs_a_walker_shell():
    sso = [{"sso": {"altitude_km": 650, "count": 4}}]
    assert _problems({"crosslinks": {"topology": "grid"}}, sso) == [
        ("network.crosslinks.topology", "'grid' needs at least one walker shell")]
    scenario({"crosslinks": {"topology": "grid"}}, [*sso, *SHELL_4X8])  # one walker shell is enough


def test_station_file_missing_or_malformed(tmp_path):
    missing = _problems({"ground_stations": {"file": "nowhere.json"}}, base_dir=tmp_path)
    assert missing == [("network.ground_stations.file", f"file not found: {tmp_path / 'nowhere.json'}")]
    (tmp_path / "bad.json").write_text('{"features": [{"geometry": {"coordinates": [1]}}]}')
    [(path, message)] = _problems({"ground_stations": {"file": "bad.json"}}, base_dir=tmp_path)
    assert path == "network.ground_stations.file"
    assert message.startswith(f"cannot read {tmp_path / 'bad.json'}: not GeoJSON points or StarPerf XML")
    # names of a file that cannot be read are not reported as unknown
    assert len(_problems({"ground_stations": {"file": "bad.json"}, "transfers": [
        {"src": 0, "dst": "London", "size_gb": 1}]}, base_dir=tmp_path)) == 1


def test_satellite_counts_of_every_shell_kind(tmp_path):
    """The check counts the fleet without building it: walker planes × slots, sso and cluster
    counts, element lists and the TLEs of a file (limit applied)."""
    from sim.orbits.config import fleet_size
    from tests.network.test_contacts import _tle_file
    tle = _tle_file(tmp_path)
    sc = scenario(None, [*SHELL_4X8, {"sso": {"altitude_km": 650, "count": 3}},
                         {"cluster": {"count": 5}}, *PAIR, {"tle": {"path": str(tle), "limit": 1}}])
    assert fleet_size(sc) == 32 + 3 + 5 + 2 + 1
    assert _problems({"transfers": [{"src": 0, "dst": 43, "size_gb": 1}]}, sc.model_dump()["constellation"]) == [
        ("network.transfers.0.dst", "satellite index 43 outside 0..42")]


def _yaml(tmp_path, network) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario_data(network, SHELL_4X8, duration="60s", name="bad")))
    return str(path)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_exit_status_2_names_the_field(tmp_path, capsys, command):
    path = _yaml(tmp_path, {"ground_stations": [{"name": "London", "lat_deg": 51.5, "lon_deg": 0}],
                            "transfers": [{"src": 0, "dst": "Lodnon", "size_gb": 1}]})
    args = [command, path] + (["-o", str(tmp_path / "x.h5"), "--quiet"] if command == "run" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{path}: network.transfers.0.dst: no ground station 'Lodnon' (did you mean 'London'?)" in err
    assert "Traceback" not in err and not (tmp_path / "x.h5").exists()


def test_cli_validate_refuses_a_missing_station_file(tmp_path, capsys):
    path = _yaml(tmp_path, {"ground_stations": {"file": "gateways.xml"}})
    assert main(["validate", path]) == 2
    assert f"network.ground_stations.file: file not found: {tmp_path / 'gateways.xml'}" in capsys.readouterr().err


def test_shipped_network_configs_validate():
    from pathlib import Path
    configs = Path(__file__).resolve().parents[2] / "configs"
    for name in ("starlink_isl.yaml", "suncatcher_mesh.yaml"):
        assert load_scenario(configs / name).network is not None


def test_validating_a_network_scenario_imports_no_numba():
    """The checks read the station file and count the fleet without the kernels."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    code = ("import sys, contextlib, io\nfrom sim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    rc = main(['validate', 'configs/starlink_isl.yaml'])\n"
            "print(rc, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]
