"""AP8 trapped-proton maps (sim.radiation.trapped) against direct AP8 scans."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from sim.radiation import trapped


def test_ap8_map_maximum_matches_ap8(cache_dir):
    """The >30 MeV maximum at 550 km lies in the SAA near 30°S, 30–45°W (MODELS.md §6; the issue),
    at the same place as a fine direct AP8 scan (aep8, Sawyer & Vette 1976)."""
    when = datetime(2026, 3, 20, tzinfo=timezone.utc)
    m = trapped.ap8_map(trapped.regular_grid(3.0, -90, 90), trapped.regular_grid(5.0, -180, 180),
                        np.array([550.0, 600.0]), np.array([10.0, 30.0]), "min", when, cache_dir)
    flux, lat, lon = m.maximum(30.0, 550.0)
    assert -36 <= lat <= -24 and -50 <= lon <= -25
    fine = trapped.ap8_map(np.arange(-40.0, -19.0, 1.0), np.arange(-60.0, -14.0, 1.0), np.array([550.0, 600.0]),
                           np.array([10.0, 30.0]), "min", when, cache_dir)
    f2, lat2, lon2 = fine.maximum(30.0, 550.0)
    assert -36 <= lat2 <= -24 and -50 <= lon2 <= -25 and flux == pytest.approx(f2, rel=0.15)
    # the SAA core is a plateau: the coarse maximum sits on it (within 15 % of AP8's fine maximum)
    at_coarse = fine.flux_cm2_s[list(fine.lat_deg).index(lat), list(fine.lon_deg).index(lon), 0, 1]
    assert at_coarse > 0.85 * f2
    # cached: the second call reads the file
    again = trapped.ap8_map(m.lat_deg, m.lon_deg, m.alt_km, m.energies_mev, "min", when, cache_dir)
    assert np.array_equal(again.flux_cm2_s, m.flux_cm2_s)
