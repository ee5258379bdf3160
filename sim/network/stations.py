"""Ground stations: loading (inline, GeoJSON, StarPerf XML) and Earth-fixed geometry."""
from __future__ import annotations

import json
import math
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

    @property
    def n(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no ground station named {name!r}") from None

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


def rotate_z(xyz: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rotate (3, G) vectors by angle about z: Earth-fixed → inertial with angle = GMST."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.array([c * xyz[0] - s * xyz[1], s * xyz[0] + c * xyz[1], xyz[2]])


def read_station_file(path: Path) -> list[dict]:
    """[{name, lat_deg, lon_deg, alt_m}] from a GeoJSON FeatureCollection (coordinates
    [lon, lat(, alt_m)]) or a StarPerf ground-station XML (<GSn><Latitude>...)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("<"):
        out = []
        for i, node in enumerate(ET.fromstring(text)):
            desc = node.findtext("Description") or node.tag
            out.append({"name": f"{desc} ({node.tag})", "lat_deg": float(node.findtext("Latitude")),
                        "lon_deg": float(node.findtext("Longitude")), "alt_m": 0.0})
        return out
    data = json.loads(text)
    out = []
    for i, feature in enumerate(data.get("features", [])):
        coords = feature["geometry"]["coordinates"]
        props = feature.get("properties") or {}
        name = props.get("name") or f"station{i}"
        if "provider" in props:
            name = f"{props['provider']} {name}"
        out.append({"name": name, "lat_deg": float(coords[1]), "lon_deg": float(coords[0]),
                    "alt_m": float(coords[2]) if len(coords) > 2 else 0.0})
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
        antennas=col("antennas", d.antennas, np.int32))
