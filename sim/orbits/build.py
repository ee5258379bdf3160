"""The fleet builder: mean elements of every shell of a scenario, in one FleetState layout.

Shells are laid out in scenario order; satellite ids are 0..N-1 over all shells. TLE/OMM
shells keep their python-sgp4 records for propagation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.orbits import shells, tle


@dataclass
class ShellLayout:
    """Where each shell sits in the fleet, its elements, and its SGP4 records (TLE shells)."""

    start: int
    stop: int
    elements: dict[str, np.ndarray]
    satrecs: list | None = None


def shell_elements(shell, scenario, epoch_jd_utc: float, satrecs: list | None = None) -> dict:
    """Mean elements (and plane/slot) of one shell, from its orbit definition."""
    kind = shell.orbit_kind
    if kind == "walker":
        w = shell.walker
        if w.ltan_h is not None:
            return shells.walker_in_local_time_band(w, epoch_jd_utc)
        return shells.walker(w.altitude_km, w.inclination_deg, w.planes, w.sats_per_plane,
                             w.phasing, w.pattern)
    if kind == "sso":
        s = shell.sso
        return shells.sso(s.altitude_km, s.ltan_h, s.count, epoch_jd_utc, s.ltan_convention)
    if kind == "cluster":
        c = shell.cluster
        inc_deg, raan_deg = c.inclination_deg, c.raan_deg
        if c.ltan_h is not None:
            ref = shells.sso(c.altitude_km, c.ltan_h, 1, epoch_jd_utc, c.ltan_convention)
            inc_deg = float(np.degrees(ref["inc_rad"][0]))
            raan_deg = float(np.degrees(ref["raan_rad"][0]))
        return shells.cluster(c.count, c.radius_m, c.altitude_km, inc_deg, raan_deg or 0.0, j2=scenario.environment.j2)
    if kind == "elements":
        return shells.elements(shell.elements)
    return tle.mean_elements(satrecs if satrecs is not None else shell_satrecs(shell, scenario), epoch_jd_utc)


def shell_satrecs(shell, scenario) -> list:
    satrecs = tle.load_tle(scenario.resolve_path(shell.tle.path))
    return satrecs[: shell.tle.limit] if shell.tle.limit else satrecs


def layout(scenario, epoch_jd_utc: float) -> list[ShellLayout]:
    """Every shell's slice of the fleet and its elements."""
    out, start = [], 0
    for shell in scenario.constellation:
        satrecs = shell_satrecs(shell, scenario) if shell.orbit_kind == "tle" else None
        el = shell_elements(shell, scenario, epoch_jd_utc, satrecs)
        stop = start + len(el["a_m"])
        out.append(ShellLayout(start, stop, el, satrecs))
        start = stop
    return out


def fill_elements(fleet, shell_layouts: list[ShellLayout]) -> None:
    """Write ids, shell indices, plane/slot and mean elements into `fleet`."""
    for i, sl in enumerate(shell_layouts):
        for key in shells.ELEMENT_KEYS:
            getattr(fleet, key)[sl.start:sl.stop] = sl.elements[key]
        fleet.shell[sl.start:sl.stop] = i
    fleet.sat_id[:] = np.arange(fleet.n, dtype=np.int32)
