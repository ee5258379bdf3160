"""Simulation: builds the subsystems a scenario turns on, orders them, and runs them.

The clock process is the only SimPy process that runs on the tick grid: it advances all
subsystems over blocks of ticks through the block driver (sim.core.blocks), one block until
the next SimPy event, record step or `run.block_ticks`, returning to Python inside a block
only at ticks a subsystem flags. Everything else in SimPy is a discrete event.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import simpy

from sim import __version__
from sim.config.scenario import Scenario
from sim.core.blocks import BlockRunner
from sim.core.clock import Clock
from sim.core.events import EventLog
from sim.core.finite import first_nonfinite_index
from sim.core.fleet import NonFiniteError
from sim.core.registry import subsystem_classes
from sim.core.subsystem import Context, Subsystem
from sim.core.timescale import iso_utc


class WiringError(RuntimeError):
    """The subsystems' declarations do not fit together (a cycle, a missing requirement)."""


@dataclass
class RunResult:
    path: Path
    summary: dict[str, tuple[float, str]]
    events: dict[str, int]


def order_subsystems(classes: list[type[Subsystem]]) -> list[type[Subsystem]]:
    """`classes` in an order where each one's `requires` (and the `uses` some subsystem here
    provides) are provided by those before it; among those free to go, the given order wins.
    Raises WiringError naming a missing requirement or the subsystems of a cycle."""
    provider: dict[str, str] = {}
    for cls in classes:
        for item in (*cls.provides, *cls.events):
            provider.setdefault(item, cls.name)
    for cls in classes:
        missing = [r for r in cls.requires if r not in provider]
        if missing:
            raise WiringError(f"subsystem {cls.name!r} requires {', '.join(map(repr, missing))}, which no "
                              f"subsystem of this scenario provides")
    needs = {c.name: [r for r in (*c.requires, *c.uses) if r in provider and provider[r] != c.name]
             for c in classes}
    ordered: list[type[Subsystem]] = []
    done: set[str] = set()
    pending = list(classes)
    while pending:
        ready = next((c for c in pending if all(provider[r] in done for r in needs[c.name])), None)
        if ready is None:
            raise WiringError("subsystems require each other in a cycle: "
                              + ", ".join(f"{c.name} requires {', '.join(needs[c.name])}" for c in pending))
        ordered.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return ordered


class Simulation:
    """One run of one scenario. `Simulation(scenario).run(output)` writes one HDF5 file."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.events = EventLog()
        n_steps = max(1, int(round(scenario.duration / scenario.dt_s)))
        self.clock = Clock(scenario.epoch, scenario.dt_s, n_steps)
        from sim.io.record_plan import RecordPlan  # sim.io on first use, as the Recorder (it loads h5py)
        self.record_plan = RecordPlan.for_scenario(scenario)   # which ticks write rows and day ends
        self.ctx = Context(self.env, scenario, None, self.events, self.clock)
        classes = order_subsystems([c for c in subsystem_classes() if c.is_enabled(scenario)])
        self.subsystems: list[Subsystem] = []
        for cls in classes:
            for name, meaning in cls.event_kinds(scenario).items():
                self.events.register(name, meaning)
            if self.ctx.fleet is not None:
                self.ctx.fleet.allocate(cls.fields_for(scenario), cls.name)
            sub = cls(self.ctx)
            missing = [s for s in cls.provides if s not in self.ctx.services]
            if missing:
                raise WiringError(f"subsystem {cls.name!r} declares {missing} in `provides` but did not provide it")
            self.subsystems.append(sub)
        self.fleet = self.ctx.fleet

    def __getattr__(self, name: str):
        if name in ("dt_s", "n_steps", "elapsed_s"):   # the context's view of the clock
            return getattr(self.ctx, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def n_satellites(self) -> int:
        return self.fleet.n

    def subsystem(self, name: str) -> Subsystem:
        """The built subsystem called `name` (KeyError naming the built ones if absent)."""
        for sub in self.subsystems:
            if sub.name == name:
                return sub
        raise KeyError(f"no subsystem {name!r} in this run; built: {', '.join(s.name for s in self.subsystems)}")

    def _recorded_units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for sub in self.subsystems:
            units.update(sub.recorded_units)
        return units

    def _recorded_attrs(self) -> dict[str, dict[str, str]]:
        """CF attributes of the recorded columns: a column named after a FleetState field has its
        description as long_name; the subsystem's recorded_attrs add to or replace that."""
        attrs: dict[str, dict[str, str]] = {}
        for sub in self.subsystems:
            for name in sub.recorded_units:
                if name in self.fleet.specs:
                    attrs[name] = {"long_name": self.fleet.specs[name].description}
            for name, extra in sub.recorded_attrs.items():
                attrs.setdefault(name, {}).update(extra)
        return attrs

    def _recorded_dtypes(self) -> dict[str, str]:
        """Recorded columns stored wider than float32 (e.g. float64 state vectors)."""
        dtypes: dict[str, str] = {}
        for sub in self.subsystems:
            dtypes.update(sub.recorded_dtypes)
        return dtypes

    def _record(self, recorder, t_s: float) -> None:
        self._check_finite(t_s, {name: getattr(self.fleet, name) for name in self.fleet.specs}, "FleetState")
        row = {}
        for sub in self.subsystems:
            row.update(sub.record(t_s))
        self._check_finite(t_s, row, "recorded column")
        recorder.append_row(t_s, row)

    def _check_finite(self, t_s: float, arrays: dict, what: str) -> None:
        """Stop the run at the first NaN or infinity (sim.core.finite), naming the field, the
        satellite (the last axis of every per-satellite array) and the time."""
        specs = self.fleet.specs
        for name, values in arrays.items():
            where = first_nonfinite_index(values, name in specs and specs[name].infinite_ok)
            if where is not None:
                value = np.asarray(values)[where]
                sat = f"satellite {where[-1]}" + (f" (row {where[0]})" if len(where) > 1 else "")
                when = iso_utc(self.scenario.epoch + timedelta(seconds=float(t_s)))
                raise NonFiniteError(f"{self.scenario.name}: {what} {name} = {value} for {sat} at t = "
                                     f"{t_s:g} s ({when}): a model produced a non-finite value, the run "
                                     f"is stopped and no result file is written")

    def _next_output_step(self, step: int) -> int:
        """The first step at or after `step` that writes a time-series or a /daily row."""
        return self.record_plan.next_output_step(step)

    def _last_step_before(self, t_s: float) -> int:
        """The last step whose tick ends strictly before t_s (a SimPy event's time)."""
        if not math.isfinite(t_s):
            return self.n_steps
        time_of = self.clock.time_of_step
        step = max(int(math.ceil(t_s / self.dt_s)) - 1, 0)
        while time_of(step + 1) < t_s:
            step += 1
        while step > 0 and time_of(step) >= t_s:
            step -= 1
        return step

    def _at_step(self, step: int) -> None:
        """Bring the clock and the subsystems' Python-side views to the end of tick `step`
        before Python code (an after_tick, a record, a SimPy process) reads them."""
        self.clock.advance_to(step)
        for sub in self.subsystems:
            sub.sync(step)

    def _clock(self, recorder, progress):
        from sim.io.record_plan import daily_values
        self._record(recorder, 0.0)
        runner = BlockRunner(self.subsystems)
        env, time_of, dt_s = self.env, self.clock.time_of_step, self.dt_s
        max_ticks = self.ctx.max_block_ticks
        step = 1
        while step <= self.n_steps:
            yield env.timeout(time_of(step) - env.now)   # what SimPy has due up to this tick runs first
            recorder.events_horizon_s = time_of(step) - dt_s   # nothing emitted from here on is earlier
            last = max(step, min(step + max_ticks - 1, self._next_output_step(step),
                                 self._last_step_before(env.peek())))
            runner.prepare(step, last)
            first, start = step, 0
            while True:
                k, index, flag = runner.run(first, last, step, start, dt_s)
                if index < 0:
                    break
                if env.now != time_of(k):   # no SimPy event falls before it (last ends before env.peek())
                    yield env.timeout(time_of(k) - env.now)
                self._at_step(k)
                recorder.events_horizon_s = time_of(k) - dt_s
                runner.after_tick(index, k, flag)
                first, start = k, index + 1
                last = max(k, min(last, self._last_step_before(env.peek())))
            self._at_step(last)
            if self.record_plan.is_record_step(last):
                self._record(recorder, time_of(last))
            if self.record_plan.daily and self.record_plan.is_day_step(last):
                self._check_finite(time_of(last), {name: getattr(self.fleet, name) for name in self.fleet.specs},
                                   "FleetState")
                recorder.append_daily(time_of(last), daily_values(self.fleet))
            if progress is not None:
                progress.update((last - step + 1) * dt_s)
            step = last + 1

    def summary(self) -> dict[str, tuple[float, str]]:
        """Every subsystem's metrics, prefixed `<name>.` unless the subsystem's summary_prefix
        says otherwise (the payload's headline metrics stand alone)."""
        out = {"duration_s": (self.elapsed_s, "s")}
        for sub in self.subsystems:
            prefix = getattr(sub, "summary_prefix", f"{sub.name}.")
            out.update({f"{prefix}{k}": v for k, v in sub.summary().items()})
        return out

    def _satellite_table(self) -> tuple[dict, dict]:
        f = self.fleet
        names = f.names("parameter")
        key = {"sat_id": "id"}
        return ({key.get(k, k): getattr(f, k) for k in names}, {key.get(k, k): f.unit(k) for k in names})

    def run(self, output: str | Path | None = None, *, progress: bool = False) -> RunResult:
        """Run to the end of the scenario and write the HDF5 file (temporary name, renamed when
        complete). On any exception nothing is left under the output name."""
        from sim.io.record_plan import daily_fields
        from sim.io.recorder import Recorder

        output = Path(output) if output is not None else self.scenario.default_output()
        output.parent.mkdir(parents=True, exist_ok=True)
        scenario = self.scenario
        satellites, satellite_units = self._satellite_table()
        root_attrs = {
            "odcsim_version": __version__,
            "epoch_utc": iso_utc(scenario.epoch),
            "seed": scenario.seed,
            "scenario_name": scenario.name,
            "scenario_yaml": scenario.resolved_yaml(),
            "dt_s": scenario.dt_s,
            "record_every_s": self.record_plan.base_every_s,   # 0 for `every_s: never`
            "shell_names": json.dumps([s.name for s in scenario.constellation]),
        }
        event_kinds = {k.code: (k.name, k.meaning) for k in self.events.kinds.values()}
        bar = _progress_bar(scenario.duration) if progress else None
        recorder = Recorder(output, root_attrs=root_attrs, satellites=satellites,
                            satellite_units=satellite_units, fields=self._recorded_units(),
                            field_attrs=self._recorded_attrs(),
                            n_satellites=self.fleet.n, epoch_iso=root_attrs["epoch_utc"],
                            event_kinds=event_kinds, compression=scenario.record.compression,
                            field_dtypes=self._recorded_dtypes(),
                            daily_fields=daily_fields(self.fleet) if scenario.record.daily else None,
                            expected_days=self.record_plan.n_days())
        try:
            self.events.connect(recorder.add_events)
            for sub in self.subsystems:
                sub.start()
            self.env.process(self._clock(recorder, bar))
            self.env.run(until=self.n_steps * self.dt_s + 0.5 * self.dt_s)
            summary = self.summary()
            for sub in self.subsystems:
                for table, value in sub.tables().items():
                    rows, attrs = value if isinstance(value, tuple) else (value, None)
                    recorder.add_table(sub.name, table, rows, attrs)
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
