"""A run on a globe: CZML (Cesium's time-dynamic scene format) built with czml3.

    odcsim export RESULT.h5 --czml OUT.czml

- satellites: Earth-fixed positions sampled at the record cadence (Lagrange degree 5, so
  Cesium draws smooth tracks), a point coloured by state in intervals: radiation down (red),
  throttled (orange), in eclipse (blue), sunlit (white); a trailing path;
- crosslinks (link_up → link_down) and ground contacts (contact_start → contact_end) as
  polylines shown over their intervals; ground stations as labelled points;
- where radiation is on: the SAA as the 5° cells where the recorded trapped flux is above 10 %
  of its maximum, and the polar caps (|lat| ≥ 60°, where SPE protons reach) shown during each
  SPE interval.

Large runs are sampled (README "The run on a globe"): at most `max_satellites` (evenly spaced
ids) and at most `max_points` position samples in all (every k-th record row).
"""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
from czml3 import Clock, Packet, TimeInterval, TimeIntervalCollection
from czml3.properties import (
    Color,
    Label,
    Material,
    Point,
    Polygon,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.properties import (
    Path as TrackPath,
)
from czml3.types import IntervalValue

from sim.io.atomic import publish
from sim.network.stations import geodetic_to_ecef_m

STATE_COLORS = {"radiation_down": [220, 40, 40, 255], "throttled": [255, 150, 0, 255],
                "eclipse": [80, 130, 255, 255], "sunlit": [255, 255, 255, 255]}
MAX_SATELLITES, MAX_POINTS = 1000, 1_000_000
SAA_CELL_DEG, SAA_FRACTION, POLAR_CAP_DEG = 5.0, 0.1, 60.0


def _iso(epoch: dt.datetime, t_s: float) -> dt.datetime:
    return epoch + dt.timedelta(seconds=float(t_s))


def _interval(epoch, t0_s, t1_s) -> TimeIntervalCollection:
    return TimeIntervalCollection(values=[TimeInterval(start=_iso(epoch, t0_s), end=_iso(epoch, t1_s))])


def _states(run, columns: np.ndarray) -> np.ndarray:
    """(time, satellite) state code: 0 sunlit, 1 eclipse, 2 throttled, 3 radiation down."""
    ts = run.timeseries
    shape = (ts.sizes["time"], columns.size)

    def field(name):
        return np.asarray(ts[name].values[:, columns], float) if name in ts else np.zeros(shape)
    state = np.where(field("illumination") < 0.5, 1, 0)
    state = np.where(field("throttle_level") > 0, 2, state)
    return np.where(field("gpu_down") > 0, 3, state)


def _state_intervals(epoch, t_s: np.ndarray, state: np.ndarray) -> list[IntervalValue]:
    names = list(STATE_COLORS)
    change = np.flatnonzero(np.diff(state)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [state.size - 1]])
    return [IntervalValue(start=_iso(epoch, t_s[a]), end=_iso(epoch, t_s[max(b, a)]),
                          value=Color(rgba=STATE_COLORS[names[3 - int(state[a])]]))
            for a, b in zip(starts, ends)]


def sampled(n_satellites: int, n_rows: int, max_satellites: int, max_points: int) -> tuple[np.ndarray, int]:
    """(satellite columns to draw, row stride) within the limits."""
    columns = np.unique(np.linspace(0, n_satellites - 1, min(n_satellites, max_satellites)).round().astype(int))
    stride = max(1, math.ceil(columns.size * n_rows / max_points))
    return columns, stride


def _satellite_packets(run, epoch, columns, stride, end_s) -> list[Packet]:
    ts = run.timeseries
    t_s = run.t_s
    rows = np.arange(0, t_s.size, stride)
    if rows[-1] != t_s.size - 1:
        rows = np.append(rows, t_s.size - 1)
    lat = np.asarray(ts["lat_deg"].values[rows][:, columns], float)
    lon = np.asarray(ts["lon_deg"].values[rows][:, columns], float)
    alt_m = np.asarray(ts["alt_km"].values[rows][:, columns], float) * 1e3
    xyz = geodetic_to_ecef_m(lat, lon, alt_m)           # (3, rows, satellites)
    states = _states(run, columns)
    ids = ts["satellite"].values[columns]
    packets = []
    for k, sat in enumerate(ids):
        samples = np.column_stack([t_s[rows] - t_s[0], np.round(xyz[:, :, k].T)]).ravel().tolist()
        packets.append(Packet(
            id=f"sat/{int(sat)}", name=f"satellite {int(sat)}", availability=_interval(epoch, t_s[0], end_s),
            position=Position(epoch=_iso(epoch, t_s[0]), cartesian=samples, referenceFrame="FIXED",
                              interpolationAlgorithm="LAGRANGE", interpolationDegree=5),
            point=Point(pixelSize=5, color=_state_intervals(epoch, t_s, states[:, k])),
            path=TrackPath(leadTime=0, trailTime=1800, width=1, resolution=60,
                           material=_line_material([200, 200, 200, 90]))))
    return packets


def _pairs(events, start_kind: str, end_kind: str, end_s: float):
    """(sat, other, t_start, t_end) of every interval from a start event to its end event."""
    ev = events[events["kind_name"].isin([start_kind, end_kind])]
    open_at: dict[tuple[int, int], float] = {}
    for t, sat, kind, a in zip(ev["t_s"], ev["sat"], ev["kind_name"], ev["a"]):
        key = (int(sat), int(a))
        if kind == start_kind:
            open_at.setdefault(key, float(t))
        elif key in open_at:
            yield key[0], key[1], open_at.pop(key), float(t)
    for (sat, other), t in open_at.items():
        yield sat, other, t, end_s


def _line_material(rgba) -> PolylineMaterial:
    return PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba)))


def _line(pid, epoch, t0, t1, refs, rgba, width=1.0) -> Packet:
    return Packet(id=pid, availability=_interval(epoch, t0, t1),
                  polyline=Polyline(positions=PositionList(references=refs), width=width, arcType="NONE",
                                    material=_line_material(rgba)))


def _link_packets(run, epoch, drawn: set[int], end_s) -> list[Packet]:
    out = []
    for i, (a, b, t0, t1) in enumerate(_pairs(run.events, "link_up", "link_down", end_s)):
        if a < b and a in drawn and b in drawn:
            out.append(_line(f"link/{a}-{b}/{i}", epoch, t0, t1, [f"sat/{a}#position", f"sat/{b}#position"],
                             [0, 255, 200, 160]))
    return out


def _stations(run):
    """Stations of the run's scenario, or None when its ground-station file cannot be read."""
    from sim.config import ConfigError
    from sim.config.loading import scenario_from_dict
    from sim.network.stations import build_stations

    network = (run.config or {}).get("network") or {}
    if not network.get("ground_stations"):
        return None
    try:
        scenario = scenario_from_dict(run.config, run.path, base_dir=run.path.parent)
        return build_stations(scenario.network.ground_stations, scenario.resolve_path)
    except (ConfigError, OSError, ValueError):
        return None


def _station_packets(run, epoch, drawn: set[int], end_s) -> list[Packet]:
    stations = _stations(run)
    if stations is None:
        return []
    out = [Packet(id=f"station/{g}", name=name,
                  position=Position(cartographicDegrees=[float(lon), float(lat), float(alt)]),
                  point=Point(pixelSize=6, color=Color(rgba=[255, 230, 0, 255])),
                  label=Label(text=name, font="11px sans-serif", show=False))
           for g, (name, lat, lon, alt) in enumerate(zip(stations.names, stations.lat_deg, stations.lon_deg,
                                                         stations.alt_m))]
    for i, (sat, g, t0, t1) in enumerate(_pairs(run.events, "contact_start", "contact_end", end_s)):
        if sat in drawn and 0 <= g < stations.n:
            out.append(_line(f"contact/{sat}-{g}/{i}", epoch, t0, t1, [f"sat/{sat}#position", f"station/{g}#position"],
                             [255, 230, 0, 180]))
    return out


def _rectangle(pid, west, south, east, north, rgba, availability=None) -> Packet:
    ring = [west, south, 0, east, south, 0, east, north, 0, west, north, 0]
    return Packet(id=pid, availability=availability,
                  polygon=Polygon(positions=PositionList(cartographicDegrees=ring),
                                  material=Material(solidColor=SolidColorMaterial(color=Color(rgba=rgba)))))


def _radiation_packets(run, epoch, end_s) -> list[Packet]:
    ts, out = run.timeseries, []
    if "trapped_flux" in ts:
        flux = np.asarray(ts["trapped_flux"].values, float)
        lat, lon = np.asarray(ts["lat_deg"].values, float), np.asarray(ts["lon_deg"].values, float)
        top = np.nanmax(flux) if flux.size else 0.0
        if top > 0:
            hot = flux > SAA_FRACTION * top
            cells = {(math.floor(la / SAA_CELL_DEG), math.floor(lo / SAA_CELL_DEG))
                     for la, lo in zip(lat[hot], lon[hot])}
            for i, j in sorted(cells):
                w, s = j * SAA_CELL_DEG, i * SAA_CELL_DEG
                out.append(_rectangle(f"saa/{i}/{j}", w, s, w + SAA_CELL_DEG, s + SAA_CELL_DEG, [255, 0, 255, 70]))
    for k, (_, _, t0, t1) in enumerate(_pairs(run.events.assign(a=0, sat=-1), "spe_onset", "spe_end", end_s)):
        for cap, (south, north) in (("north", (POLAR_CAP_DEG, 89.9)), ("south", (-89.9, -POLAR_CAP_DEG))):
            out.append(_rectangle(f"spe/{k}/{cap}", -180, south, 180, north, [255, 60, 60, 60],
                                  _interval(epoch, t0, t1)))
    return out


def run_czml(run, max_satellites: int = MAX_SATELLITES, max_points: int = MAX_POINTS) -> list[Packet]:
    """The CZML packets of a run: the document packet first."""
    epoch = run.epoch.to_pydatetime().replace(tzinfo=dt.timezone.utc)
    t_s = run.t_s
    if t_s.size == 0:
        raise ValueError(f"{run.path}: no recorded rows to draw")
    end_s = float(t_s[-1])
    columns, stride = sampled(run.timeseries.sizes["satellite"], t_s.size, max_satellites, max_points)
    drawn = {int(s) for s in run.timeseries["satellite"].values[columns]}
    name = run.config.get("name") or run.path.stem
    document = Packet(id="document", name=name, version="1.0", clock=Clock(
        interval=TimeInterval(start=_iso(epoch, t_s[0]), end=_iso(epoch, end_s)),
        currentTime=_iso(epoch, t_s[0]), multiplier=60, range="LOOP_STOP", step="SYSTEM_CLOCK_MULTIPLIER"))
    return [document, *_satellite_packets(run, epoch, columns, stride, end_s),
            *_link_packets(run, epoch, drawn, end_s), *_station_packets(run, epoch, drawn, end_s),
            *_radiation_packets(run, epoch, end_s)]


def write_czml(run, out_path: str | Path, **limits) -> Path:
    """Write the run's CZML document (compact JSON) to `out_path`."""
    out_path = Path(out_path)
    packets = run_czml(run, **limits)
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        with open(tmp, "w") as f:
            f.write("[")
            for i, packet in enumerate(packets):
                f.write(("," if i else "") + packet.dumps())
            f.write("]")
        publish(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def satellite_count(czml_path: str | Path) -> int:
    """How many satellites a CZML file written by odcsim draws."""
    return sum(1 for p in json.loads(Path(czml_path).read_text()) if str(p.get("id", "")).startswith("sat/"))
