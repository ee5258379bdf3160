"""The land share of every 0.25° cell, shipped as sim/data/land/land_fraction_0p25deg.npz
(from the GLOBE 1-km land mask; origin, licence and how to remake it in sim/data/SOURCE.md)."""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

LAND_FILE = Path(__file__).parents[2] / "data" / "land" / "land_fraction_0p25deg.npz"


@lru_cache(maxsize=1)
def land_fraction() -> tuple[np.ndarray, float]:
    """(raster uint8 (rows from 90° N, columns from 180° W), 255 = all land; cell size [rad])."""
    with np.load(LAND_FILE) as data:
        raster = np.ascontiguousarray(data["land_fraction"])
        cell_deg = float(data["cell_deg"])
    raster.flags.writeable = False
    return raster, math.radians(cell_deg)


def land_share(lat_deg, lon_deg) -> np.ndarray:
    """Land share 0..1 of the cells holding the points (for tests and figures)."""
    raster, cell = land_fraction()
    cell_deg = math.degrees(cell)
    row = np.clip(((90.0 - np.asarray(lat_deg)) / cell_deg).astype(int), 0, raster.shape[0] - 1)
    col = np.clip(((np.asarray(lon_deg) + 180.0) / cell_deg).astype(int), 0, raster.shape[1] - 1)
    return raster[row, col] / 255.0
