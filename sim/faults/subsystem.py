"""The faults subsystem: the run's fault timeline, drawn whole at the start (sim.faults.timeline),
applied at each fault's start and end through the network service (sim.network: stations down,
terminal faults), and recorded as events, the /faults/timeline table and summary metrics. GPU
faults (gpu_reset, gpu_lost) act through their fault_start events: a training job subscribes
and takes them as its interruptions (sim.workloads.training).

Its only work is at fault starts and ends, which are SimPy events, so blocks end there and a
quiet tick costs nothing (no tick kernel).
"""
from __future__ import annotations

import numpy as np

from sim.core.subsystem import Subsystem
from sim.faults.config import HARDWARE_KINDS, KIND_CODE, TERMINAL_KINDS
from sim.faults.power import PowerFaults
from sim.faults.targets import Units, resolve_units
from sim.faults.timeline import TIMELINE_DOC, TIMELINE_UNITS, build_timeline, down_hours

_KIND_NAMES = ", ".join(f"{code} {name}" for name, code in KIND_CODE.items())
FAULT_EVENTS = {
    "fault_start": f"sat: satellite (-1 a ground station), a: fault kind ({_KIND_NAMES}), b: target (station "
                   f"index, terminal index, -1 all the satellite's terminals), c: fault id (/faults/timeline)",
    "fault_end": "as fault_start",
}
_TERMINAL_CODES = [KIND_CODE[k] for k in TERMINAL_KINDS]


class Faults(Subsystem):
    """Built when the scenario has `faults:`."""

    name = "faults"
    section = "faults"
    uses = ("network", "gpu_state")
    events = FAULT_EVENTS

    def __init__(self, ctx):
        super().__init__(ctx)
        self.cfg = cfg = ctx.scenario.faults
        self.env = ctx.env
        self.network = ctx.services.get("network") if "network" in ctx.services else None
        stations = self.network.contacts.stations if self.network is not None and self.network.contacts else None
        self.horizon_s = ctx.n_steps * ctx.dt_s
        units = [resolve_units(fault, ctx.scenario, stations, ctx.fleet.n) for _, fault in cfg.entries()]
        gpus = ctx.fleet.gpu_count_installed if "gpu_count_installed" in ctx.fleet.specs else None
        for k, (_, fault) in enumerate(cfg.entries()):   # a satellite's GPUs fail at m / mtbf_h
            if fault.kind in HARDWARE_KINDS and gpus is not None:
                units[k] = Units(units[k].sat, units[k].index, np.asarray(gpus, float)[units[k].sat])
        self.timeline = build_timeline(cfg, ctx.scenario.epoch, ctx.scenario.seed, self.horizon_s, units, stations)
        self._station_down = np.zeros(stations.n if stations is not None else 0, np.int32)
        payload = ctx.services.get("gpu_state") if "gpu_state" in ctx.services else None
        self.power = PowerFaults(cfg, ctx.fleet, payload)

    def start(self) -> None:
        rows = self.timeline
        if rows.size:
            self.env.process(self._run(rows))

    def _run(self, rows: np.ndarray):
        """At each distinct time: the faults that end there, then those that start there."""
        ends = np.flatnonzero((rows["permanent"] == 0) & (rows["end_s"] < self.horizon_s))
        times = np.unique(np.concatenate([rows["start_s"], rows["end_s"][ends]]))
        start_at = {t: np.flatnonzero(rows["start_s"] == t) for t in times}
        end_at = {t: ends[rows["end_s"][ends] == t] for t in times}
        for t in times:
            yield self.env.timeout(t - self.env.now)
            self._apply(rows, end_at[t], start_at[t])

    def _apply(self, rows: np.ndarray, ending: np.ndarray, starting: np.ndarray) -> None:
        t_s = self.env.now
        for name, idx in (("fault_end", ending), ("fault_start", starting)):
            if idx.size:
                r = rows[idx]
                self.ctx.events.emit(name, t_s, r["sat"], r["kind"].astype(float), r["target"].astype(float),
                                     r["fault"].astype(float))
        both = np.concatenate([ending, starting])
        change = np.concatenate([np.full(ending.size, -1), np.full(starting.size, 1)])
        r = rows[both]
        ground = r["sat"] < 0
        if ground.any():
            before = self._station_down > 0
            np.add.at(self._station_down, r["target"][ground], change[ground])
            after = self._station_down > 0
            if (before & ~after).any():
                self.network.set_stations_up(np.flatnonzero(before & ~after), True)
            if (after & ~before).any():
                self.network.set_stations_up(np.flatnonzero(after & ~before), False)
        self.power.apply(r[change > 0])
        terminal = np.isin(r["kind"], _TERMINAL_CODES)
        if terminal.any():
            self.network.set_terminal_faults(r["sat"][terminal], r["target"][terminal], change[terminal])

    def tables(self):
        attrs = {f"{k}__units": u for k, u in TIMELINE_UNITS.items()}
        attrs["description"] = TIMELINE_DOC
        attrs["kind_codes"] = _KIND_NAMES
        return {"timeline": (self.timeline, attrs)}

    def summary(self) -> dict[str, tuple[float, str]]:
        rows = self.timeline
        horizon_s = min(self.horizon_s, self.ctx.elapsed_s) if self.ctx.elapsed_s > 0 else self.horizon_s
        out = {"faults": (float(np.unique(rows["fault"][rows["start_s"] < horizon_s]).size), "1")}
        for kind, code in KIND_CODE.items():
            sel = rows[rows["kind"] == code]
            if not any(f.kind == kind for _, f in self.cfg.entries()):
                continue
            started = sel[sel["start_s"] < horizon_s]
            out[f"{kind}_faults"] = (float(np.unique(started["fault"]).size), "1")
            out[f"{kind}_down_hours"] = (down_hours(started, horizon_s), "h")
        return out
