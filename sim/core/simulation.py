"""Simulation: wires the SimPy environment, FleetState, the subsystems and the Recorder.

The clock process is the only thing that runs every tick: it asks each subsystem, in
the order of SUBSYSTEMS, to advance its arrays to the new time, and hands a row to the
Recorder every `record.every_s`. Everything else in SimPy is a discrete event.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import simpy

from sim import __version__
from sim.config import Scenario
from sim.core.fleet import FIELDS, PARAMETER_FIELDS
from sim.core.subsystem import EventLog
from sim.payload.subsystem import Physics, build_fleet
from sim.network.subsystem import Network
from sim.radiation.subsystem import Radiation
from sim.core.clock import julian_date_utc

SUBSYSTEMS = (Physics, Network, Radiation)


@dataclass
class RunResult:
    path: Path
    summary: dict[str, tuple[float, str]]
    events: dict[str, int]


class Simulation:
    """One run of one scenario. `Simulation(scenario).run(output)` writes one HDF5 file."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.events = EventLog()
        self.epoch_jd_utc = julian_date_utc(scenario.epoch)
        self.dt_s = scenario.dt_s
        self.n_steps = max(1, int(round(scenario.duration / scenario.dt_s)))
        self.record_every_steps = max(1, int(round(scenario.record.every_s / scenario.dt_s)))
        self.elapsed_s = 0.0
        self.fleet, self.sgp4_shells = build_fleet(scenario, self.epoch_jd_utc)
        self.subsystems = [cls(self) for cls in SUBSYSTEMS]

    @property
    def n_satellites(self) -> int:
        return self.fleet.n

    def _recorded_units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for sub in self.subsystems:
            units.update(sub.recorded_units)
        return units

    def _record(self, recorder, t_s: float) -> None:
        row = {}
        for sub in self.subsystems:
            row.update(sub.record(t_s))
        recorder.append_row(t_s, row)

    def _clock(self, recorder, progress):
        self._record(recorder, 0.0)
        for step in range(1, self.n_steps + 1):
            t_s = step * self.dt_s
            yield self.env.timeout(t_s - self.env.now)
            self.elapsed_s = t_s
            for sub in self.subsystems:
                sub.tick(t_s, self.dt_s)
            if step % self.record_every_steps == 0 or step == self.n_steps:
                self._record(recorder, t_s)
            if progress is not None:
                progress.update(self.dt_s)

    def summary(self) -> dict[str, tuple[float, str]]:
        out = {"duration_s": (self.elapsed_s, "s")}
        for sub in self.subsystems:
            out.update(sub.summary())
        return out

    def run(self, output: str | Path | None = None, *, progress: bool = False) -> RunResult:
        """Run to the end of the scenario and write the HDF5 file (temporary name, renamed when
        complete). On any exception nothing is left under the output name."""
        from sim.io.hdf5 import Recorder

        output = Path(output) if output is not None else self.scenario.default_output()
        output.parent.mkdir(parents=True, exist_ok=True)
        scenario = self.scenario
        f = self.fleet
        satellites = {("id" if k == "sat_id" else k): getattr(f, k) for k in PARAMETER_FIELDS}
        satellite_units = {("id" if k == "sat_id" else k): FIELDS[k][1] for k in PARAMETER_FIELDS}
        root_attrs = {
            "odcsim_version": __version__,
            "epoch_utc": scenario.epoch.isoformat().replace("+00:00", "Z"),
            "seed": scenario.seed,
            "scenario_name": scenario.name,
            "scenario_yaml": scenario.resolved_yaml(),
            "dt_s": scenario.dt_s,
            "record_every_s": self.record_every_steps * self.dt_s,
            "shell_names": json.dumps([s.name for s in scenario.constellation]),
        }
        event_kinds = {k.code: (k.name, k.meaning) for k in self.events.kinds.values()}
        bar = _progress_bar(scenario.duration) if progress else None
        recorder = Recorder(output, root_attrs=root_attrs, satellites=satellites,
                            satellite_units=satellite_units, fields=self._recorded_units(),
                            n_satellites=f.n, epoch_iso=root_attrs["epoch_utc"],
                            event_kinds=event_kinds, compression=scenario.record.compression)
        try:
            self.events.connect(recorder.add_events)
            for sub in self.subsystems:
                sub.start()
            self.env.process(self._clock(recorder, bar))
            self.env.run(until=self.n_steps * self.dt_s + 0.5 * self.dt_s)
            summary = self.summary()
            recorder.close({k: v for k, (v, _) in summary.items()},
                           summary_units={k: u for k, (_, u) in summary.items()})
        except BaseException:
            recorder.abort()
            raise
        finally:
            if bar is not None:
                bar.close()
        return RunResult(output, summary, dict(self.events.counts))


def _progress_bar(total_s: float):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total_s, unit="sim s", unit_scale=True, desc="simulating", leave=False)


def run(scenario: Scenario, output: str | Path | None = None, *, progress: bool = False) -> RunResult:
    """Run one scenario to completion and write its HDF5 file."""
    return Simulation(scenario).run(output, progress=progress)

