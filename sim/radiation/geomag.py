"""The geomagnetic dipole from IGRF and Størmer's vertical cutoff rigidity.

The centred dipole of IGRF (g10, g11, h11, interpolated to the date from the IGRF-14 table
shipped with `ppigrf`) gives the geomagnetic latitude λm of a point at distance r; in a dipole
the McIlwain parameter is L = (r/R_E)/cos²λm and the vertical cutoff (Størmer) is
R_c = STORMER_GV / L² (Smart & Shea 2005, Adv. Space Res. 36, 2012; the constant in
sim.radiation.constants, evaluated per satellite in sim.radiation.tick).
"""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np


def igrf_dipole_coefficients(when: datetime) -> tuple[float, float, float]:
    """(g10, g11, h11) in nT, linearly interpolated between IGRF-14 epochs."""
    from ppigrf.ppigrf import read_shc, shc_fn_igrf14
    g, h = read_shc(shc_fn_igrf14)
    when = when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when
    t = np.datetime64(when, "s").astype("datetime64[s]").astype(float)
    epochs = g.index.values.astype("datetime64[s]").astype(float)
    def interp(frame, n, m):
        return float(np.interp(t, epochs, frame[(n, m)].to_numpy(dtype=float)))
    return interp(g, 1, 0), interp(g, 1, 1), interp(h, 1, 1)


def dipole_axis_ecef(when: datetime) -> np.ndarray:
    """Unit vector (Earth-fixed) of the dipole's northern geomagnetic pole (the axis the field
    lines leave from in the south and enter in the north): −(g11, h11, g10)/|…|."""
    g10, g11, h11 = igrf_dipole_coefficients(when)
    axis = -np.array([g11, h11, g10])
    return axis / np.linalg.norm(axis)
