"""What a fault's target names, as units: ground stations, or (satellite, terminal) pairs.

A unit is one row of `Units`: `sat` the satellite (−1 for a ground station) and `index` the
station, the terminal (sim.network.links numbers them) or −1 for all of a satellite's terminals.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M


class TargetError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Units:
    sat: np.ndarray     # (U,) int64 satellite, −1 for a ground station
    index: np.ndarray   # (U,) int64 station, terminal, or −1 (all terminals, any GPU)
    weight: np.ndarray | None = None   # (U,) rate multiplier of each unit under mtbf_h (GPUs of a satellite)

    @property
    def size(self) -> int:
        return int(self.sat.size)


def great_circle_km(lat0_deg, lon0_deg, lat_deg, lon_deg) -> np.ndarray:
    """Haversine distance on a sphere of the WGS84 equatorial radius [km] (≤ 0.3 % from the
    ellipsoid's geodesic)."""
    p0, p = np.radians(lat0_deg), np.radians(np.asarray(lat_deg, float))
    dl = np.radians(np.asarray(lon_deg, float) - lon0_deg)
    h = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2.0 * R_EARTH_EQUATORIAL_M / 1e3 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _station(name: str, names: list[str], field: str) -> int:
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        raise TargetError(field, f"no ground station {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return names.index(name)


def station_indices(target, stations) -> np.ndarray:
    """Station indices a station_outage target selects (TargetError naming the field)."""
    names = stations.names
    if target.station is not None:
        return np.array([_station(target.station, names, "target.station")])
    if target.stations is not None:
        if not target.stations:
            raise TargetError("target.stations", "names no station")
        return np.array(sorted({_station(s, names, f"target.stations.{k}") for k, s in enumerate(target.stations)}))
    if target.operator is not None:
        operators = stations.operators or [None] * stations.n
        sel = np.flatnonzero([op == target.operator for op in operators])
        if sel.size == 0:
            known = sorted({op for op in operators if op})
            raise TargetError("target.operator", f"no station of operator {target.operator!r} (operators: "
                                                 f"{', '.join(known) or 'none named'})")
        return sel
    c = target.within
    d_km = great_circle_km(c.lat_deg, c.lon_deg, stations.lat_deg, stations.lon_deg)
    sel = np.flatnonzero(d_km <= c.radius_km)
    if sel.size == 0:
        raise TargetError("target.within.radius_km", f"no station within {c.radius_km:g} km (the nearest is "
                                                     f"{d_km.min():.0f} km away)")
    return sel


def optical_stations(stations) -> np.ndarray:
    """The stations a cloud front can take out: the optical ones."""
    return np.flatnonzero(stations.kind == 1)


def satellites_of(target, n_sats: int) -> np.ndarray:
    if target.satellite is not None:
        sats = [target.satellite]
        field = "target.satellite"
    elif target.satellites == "all":
        return np.arange(n_sats)
    else:
        sats, field = target.satellites, "target.satellites"
        if not sats:
            raise TargetError(field, "names no satellite")
    for k, s in enumerate(sats):
        if not 0 <= s < n_sats:
            where = field if target.satellite is not None else f"{field}.{k}"
            raise TargetError(where, f"satellite index {s} outside 0..{n_sats - 1}")
    return np.array(sorted(set(sats)), np.int64)


def resolve_units(fault, scenario, stations=None, n_sats: int | None = None) -> Units:
    """The units `fault` hits (a cloud front: the optical stations it may hit). TargetError
    names the field that selects nothing or something that does not exist."""
    from sim.faults.config import GROUND_KINDS, HARDWARE_KINDS, POWER_KINDS

    net = scenario.network
    t = fault.target
    if fault.kind in GROUND_KINDS:
        if net is None or net.ground_stations is None:
            raise TargetError("kind", f"a {fault.kind} needs network.ground_stations")
        if stations is None:
            from sim.network.stations import build_stations
            try:
                stations = build_stations(net.ground_stations, scenario.resolve_path)
            except (OSError, ValueError):
                return Units(np.zeros(0, np.int64), np.zeros(0, np.int64))  # reported by the network's check
        if fault.kind == "cloud_front":
            g = optical_stations(stations)
            if g.size == 0:
                raise TargetError("kind", "a cloud_front needs optical stations (ground_stations kind: optical)")
        else:
            g = station_indices(t, stations)
        return Units(np.full(g.size, -1, np.int64), g.astype(np.int64))
    if fault.kind not in (*HARDWARE_KINDS, *POWER_KINDS) and (net is None or net.crosslinks is None):
        raise TargetError("kind", f"a {fault.kind} needs network.crosslinks")
    if n_sats is None:
        from sim.orbits.config import fleet_size
        n_sats = fleet_size(scenario)
        if n_sats is None:
            return Units(np.zeros(0, np.int64), np.zeros(0, np.int64))  # reported by the orbits' check
    sats = satellites_of(t, n_sats)
    if fault.kind in (*HARDWARE_KINDS, *POWER_KINDS):   # GPUs (weighted by count at run time), arrays, batteries
        return Units(sats, np.full(sats.size, -1, np.int64))
    if fault.kind == "satellite_terminals":
        return Units(sats, np.full(sats.size, -1, np.int64))
    m = net.crosslinks.max_terminals
    if t.terminal in (None, "all"):
        return Units(np.repeat(sats, m), np.tile(np.arange(m, dtype=np.int64), sats.size))
    if t.terminal >= m:
        raise TargetError("target.terminal", f"terminal {t.terminal} outside 0..{m - 1} "
                                             f"(network.crosslinks.max_terminals is {m})")
    return Units(sats, np.full(sats.size, t.terminal, np.int64))
