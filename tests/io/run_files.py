"""A small result file written straight through the Recorder (no simulation), shared by the
reader, writer and analysis tests: 5 satellites, 250 rows in chunks of 64, 4 events, a summary
and, on request, subsystem tables."""
from __future__ import annotations

import numpy as np

from sim.io.recorder import Recorder

N = 5
T = 250
CHUNK_ROWS = 64  # 250 rows = 3 whole chunks + a partial one of 58
EPOCH = "2025-03-20T12:00:00Z"
FIELDS = {"soc": "1", "t_junction_k": "K", "lat_deg": "deg"}
KINDS = {
    1: ("eclipse_entry", "a: illumination after, b: unused, c: unused"),
    2: ("throttle_change", "a: old level, b: new level, c: T_j [K]"),
}
SCENARIO_YAML = "name: tiny\nfleet:\n  n: 5\nrecord:\n  every_s: 60\n"
SUMMARY = {"gpu_hours_delivered": 12.5, "shutdowns": 3, "verdict": "ok"}
SUMMARY_UNITS = {"gpu_hours_delivered": "GPU h", "shutdowns": "1"}


def root_attrs(**extra) -> dict:
    attrs = dict(odcsim_version="0.1.0", epoch_utc=EPOCH, seed=7, scenario_name="tiny",
                 scenario_yaml=SCENARIO_YAML, dt_s=10.0, shell_names=["low", "high"])
    attrs.update(extra)
    return attrs


def make_recorder(path, compression="lzf", chunk_rows=CHUNK_ROWS, **extra) -> Recorder:
    return Recorder(
        path, root_attrs=root_attrs(**extra),
        satellites={"shell": np.array([0, 0, 1, 1, 1], np.int32), "a_m": np.linspace(6.9e6, 7.0e6, N)},
        satellite_units={"a_m": "m"}, fields=FIELDS, n_satellites=N, epoch_iso=EPOCH,
        event_kinds=KINDS, compression=compression, chunk_rows=chunk_rows,
    )


def series_data(seed=1) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    t_s = 60.0 * np.arange(T) + 0.5
    return t_s, {name: rng.normal(300.0, 20.0, (T, N)) for name in FIELDS}


def write_run(path, compression="lzf", tables=None, seed=1, **extra):
    """Write the small run to `path`; `tables` maps (group, name) -> (rows, attrs).
    Returns the row times and the field values written."""
    t_s, data = series_data(seed)
    with make_recorder(path, compression, **extra) as rec:
        for i, t in enumerate(t_s):
            rec.append_row(t, {name: values[i] for name, values in data.items()})
        rec.add_events(t_s=[50.0, 10.0, 30.0], sat=[1, 2, 3], kind=1, a=[0.0, 0.5, 1.0])
        rec.add_events(t_s=20.0, sat=4, kind=2, a=1.0, b=0.9, c=361.0)
        for (group, name), (rows, attrs) in (tables or {}).items():
            rec.add_table(group, name, rows, attrs)
        rec.close(SUMMARY, SUMMARY_UNITS)
    return t_s, data


JOBS = np.array([(0, 12.5, 3, "train-a"), (1, 40.0, 7, "infer-b"), (2, 0.25, 1, "train-ä")],
                dtype=[("job", "<i4"), ("gpu_hours", "<f8"), ("satellite", "<i2"), ("label", "<U8")])
JOBS_ATTRS = {"gpu_hours__units": "GPU h", "long_name": "jobs run", "policy": {"kind": "fifo"}}
