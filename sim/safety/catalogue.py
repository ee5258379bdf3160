"""The catalogue of other objects: python-sgp4 states at the tick ends of each screening
interval, and the objects' names and designators for the conjunction table (CCSDS CDM)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def tle_names(path: Path, count: int) -> list[str]:
    """OBJECT_NAME of each element set of a 3-line TLE file ('' for 2-line sets and OMM files:
    the OMM reader keeps no names)."""
    from sim.orbits.tle import _read_text
    names: list[str] = []
    if path.suffix.lower() not in (".txt", ".tle", ".3le", ".gz"):
        return [""] * count
    previous = ""
    for line in _read_text(path).splitlines():
        if line.startswith("1 "):
            names.append(previous[2:].strip() if previous.startswith("0 ") else previous.strip())
        elif not line.startswith("2 "):
            previous = line.rstrip()
        else:
            previous = ""
    names = names[:count]
    return names + [""] * (count - len(names))


class Catalogue:
    """The objects of a TLE/OMM catalogue, propagated with python-sgp4 (SatrecArray)."""

    def __init__(self, satrecs: list, names: list[str], epoch_jd_utc):
        from sim.orbits.tle import SGP4Propagator
        self.propagator = SGP4Propagator(satrecs, epoch_jd_utc)
        self.n = len(satrecs)
        self.norad = np.array([s.satnum for s in satrecs], np.int64)
        self.designator = [getattr(s, "intldesg", "") or "" for s in satrecs]
        self.names = names

    def table(self, t0_s: float, dt_s: float, ticks: int) -> np.ndarray:
        """States at t0_s + k·dt_s, k = 0..ticks: (ticks + 1, 6, n) — rows 0:3 position [m], 3:6
        velocity [m/s], TEME (NaN where sgp4 fails)."""
        out = np.empty((ticks + 1, 6, self.n))
        for k in range(ticks + 1):
            self.propagator.propagate(t0_s + k * dt_s, out[k, 0:3], out[k, 3:6])
        return out
