"""Ground stations: loading (inline, GeoJSON, StarPerf XML) and Earth-fixed geometry.

A station file that is missing or cannot be read is refused when the scenario is validated
(sim.network.config), with the reason `read_station_file` gives.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, WGS84_FLATTENING

KIND_CODE = {"rf": 0, "optical": 1}


@dataclass
class Stations:
    """G ground stations as arrays; ecef_m and up are (3, G) (WGS84, geodetic vertical)."""
    names: list[str]
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    min_elevation_deg: np.ndarray
    kind: np.ndarray            # 0 rf, 1 optical
    rate_bps: np.ndarray
    clear_sky_probability: np.ndarray
    antennas: np.ndarray
    operators: list[str | None] | None = None   # who runs each station (files name them), None: unnamed

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def ecef_m(self) -> np.ndarray:
        return geodetic_to_ecef_m(self.lat_deg, self.lon_deg, self.alt_m)

    @property
    def up(self) -> np.ndarray:
        lat, lon = np.radians(self.lat_deg), np.radians(self.lon_deg)
        return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def geodetic_to_ecef_m(lat_deg, lon_deg, alt_m) -> np.ndarray:
    """WGS84 geodetic → Earth-fixed Cartesian, (3, G) metres."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    e2 = WGS84_FLATTENING * (2.0 - WGS84_FLATTENING)
    n = R_EARTH_EQUATORIAL_M / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    h = np.asarray(alt_m, float)
    return np.array([(n + h) * np.cos(lat) * np.cos(lon), (n + h) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - e2) + h) * np.sin(lat)])


class StationFileError(ValueError):
    """A station file that does not parse as GeoJSON points or StarPerf XML."""


def read_station_file(path: Path) -> list[dict]:
    """[{name, lat_deg, lon_deg, alt_m}] from a GeoJSON FeatureCollection (coordinates
    [lon, lat(, alt_m)]) or a StarPerf ground-station XML (<GSn><Latitude>...). FileNotFoundError
    when it is missing; StationFileError saying what is wrong when it does not parse, holds no
    station or puts one outside latitude −90..90 / longitude −180..360."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
        rows = _xml_rows(text) if text.lstrip().startswith("<") else _geojson_rows(text)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, ET.ParseError) as exc:
        raise StationFileError(f"not GeoJSON points or StarPerf XML ({type(exc).__name__}: {exc})") from None
    if not rows:
        raise StationFileError("no stations in the file")
    for row in rows:
        if not (-90.0 <= row["lat_deg"] <= 90.0 and -180.0 <= row["lon_deg"] <= 360.0):
            raise StationFileError(f"station {row['name']!r} at latitude {row['lat_deg']}, longitude "
                                   f"{row['lon_deg']} (outside −90..90, −180..360)")
    return rows


def _xml_rows(text: str) -> list[dict]:
    out = []
    for node in ET.fromstring(text):
        desc = node.findtext("Description") or node.tag
        out.append({"name": f"{desc} ({node.tag})", "lat_deg": float(node.findtext("Latitude")),
                    "lon_deg": float(node.findtext("Longitude")), "alt_m": 0.0})
    return out


def _geojson_rows(text: str) -> list[dict]:
    out = []
    for i, feature in enumerate(json.loads(text).get("features", [])):
        coords = feature["geometry"]["coordinates"]
        props = feature.get("properties") or {}
        name = props.get("name") or f"station{i}"
        if "provider" in props:
            name = f"{props['provider']} {name}"
        row = {"name": name, "lat_deg": float(coords[1]), "lon_deg": float(coords[0]),
               "alt_m": float(coords[2]) if len(coords) > 2 else 0.0}
        operator = props.get("provider") or props.get("operator") or props.get("network")
        if operator:
            row["operator"] = str(operator)
        out.append(row)
    return out


def build_stations(config, resolve_path) -> Stations:
    """Stations from a GroundStations config: the file's entries first, then inline ones;
    fields a station does not set come from config.defaults."""
    d = config.defaults
    rows = []
    if config.file is not None:
        entries = read_station_file(resolve_path(config.file))
        rows += entries[: config.limit] if config.limit else entries
    rows += [s.model_dump(exclude_none=True) for s in config.stations]
    seen: dict[str, int] = {}
    for row in rows:  # names must be unique to address stations; number repeats
        k = seen.get(row["name"], 0)
        seen[row["name"]] = k + 1
        if k:
            row["name"] = f"{row['name']} #{k + 1}"

    def col(key, default, dtype=float):
        return np.array([row.get(key, default) for row in rows], dtype=dtype)

    return Stations(
        names=[row["name"] for row in rows], lat_deg=col("lat_deg", 0.0), lon_deg=col("lon_deg", 0.0),
        alt_m=col("alt_m", 0.0), min_elevation_deg=col("min_elevation_deg", d.min_elevation_deg),
        kind=np.array([KIND_CODE[row.get("kind", d.kind)] for row in rows], dtype=np.int8),
        rate_bps=col("rate_gbps", d.rate_gbps) * 1e9,
        clear_sky_probability=col("clear_sky_probability", d.clear_sky_probability),
        antennas=col("antennas", d.antennas, np.int32),
        operators=[row.get("operator", d.operator) for row in rows])
