"""Ground-station sets: the files shipped in sim/data load by their `data:` names; files that
do not parse are refused with the reason."""
from pathlib import Path

import numpy as np
import pytest

from sim.config.base import resolve_data_path
from sim.network.config import GroundStations
from sim.network.stations import StationFileError, build_stations, geodetic_to_ecef_m, read_station_file


def _resolve(name):
    return resolve_data_path(name, Path("."))


def test_shipped_station_files_load():
    xml = build_stations(GroundStations(file="data:ground_stations/starperf_starlink_gateways.xml"), _resolve)
    assert xml.n == 261 and np.all(np.abs(xml.lat_deg) <= 90)
    assert len(set(xml.names)) == xml.n  # repeated names are numbered
    gj = build_stations(GroundStations(file="data:ground_stations/brahe_ksat.json",
                                       defaults={"kind": "optical", "clear_sky_probability": 0.6}), _resolve)
    assert gj.n > 5 and gj.names[0] == "KSAT Prudhoe Bay" and np.all(gj.kind == 1)
    assert np.all(gj.clear_sky_probability == 0.6)


def test_file_entries_come_first_then_inline_ones_with_defaults():
    cfg = GroundStations(file="data:ground_stations/brahe_ksat.json", limit=2,
                         defaults={"rate_gbps": 3.0, "antennas": 2},
                         stations=[{"name": "Own", "lat_deg": 1.0, "lon_deg": 2.0, "rate_gbps": 7.0}])
    st = build_stations(cfg, _resolve)
    assert st.n == 3 and st.names[-1] == "Own"
    np.testing.assert_array_equal(st.rate_bps, [3e9, 3e9, 7e9])
    np.testing.assert_array_equal(st.antennas, [2, 2, 2])


def test_geodetic_to_ecef_at_the_equator_and_the_pole():
    xyz = geodetic_to_ecef_m([0.0, 90.0], [90.0, 0.0], [100.0, 0.0])
    np.testing.assert_allclose(xyz[:, 0], [0.0, 6378137.0 + 100.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(xyz[:, 1], [0.0, 0.0, 6356752.314245], atol=1e-5)  # WGS84 polar radius


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not GeoJSON points or StarPerf XML"),
    ('{"features": [{"geometry": {}}]}', "not GeoJSON points or StarPerf XML"),
    ("<stations><GS1><Latitude>north</Latitude></GS1></stations>", "not GeoJSON points or StarPerf XML"),
    ("<stations", "not GeoJSON points or StarPerf XML"),
    ('{"features": []}', "no stations in the file"),
    ('{"features": [{"geometry": {"coordinates": [10, 95]}, "properties": {"name": "X"}}]}',
     "station 'X' at latitude 95.0"),
])
def test_malformed_station_files_are_refused_with_the_reason(tmp_path, text, reason):
    path = tmp_path / "stations.json"
    path.write_text(text)
    with pytest.raises(StationFileError, match=reason):
        read_station_file(path)
