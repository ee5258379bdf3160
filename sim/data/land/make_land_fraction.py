"""Rebuild land_fraction_0p25deg.npz: the share of land in every 0.25° × 0.25° cell.

Source: the 30″ (1/120°) land/ocean mask of the `global-land-mask` package 1.0.0 (MIT,
(c) 2019 Todd Karin), itself the valid-elevation cells of NOAA NGDC's GLOBE 1-km digital
elevation model (public domain). Each output cell is the mean of the 30 × 30 source cells
it covers, stored as uint8 in 1/255 (so 0 = all water, 255 = all land). Lakes count as land,
as in the source.

    pip install global-land-mask==1.0.0
    python sim/data/land/make_land_fraction.py

Not imported by odcsim (the shipped file is what runs); kept so the file can be remade.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

CELL_DEG = 0.25
SOURCE_CELLS_PER_DEG = 120
OUT = Path(__file__).with_name("land_fraction_0p25deg.npz")


def build(ocean_mask: np.ndarray) -> np.ndarray:
    """(720, 1440) uint8 land share from the (21600, 43200) ocean mask (rows from 90° N
    southwards, columns from 180° W eastwards)."""
    k = int(round(CELL_DEG * SOURCE_CELLS_PER_DEG))
    rows, cols = ocean_mask.shape[0] // k, ocean_mask.shape[1] // k
    land = np.zeros((rows, cols))
    for r in range(rows):  # row blocks keep memory at one strip of the 1 GB mask
        strip = ~ocean_mask[r * k:(r + 1) * k]
        land[r] = strip.reshape(k, cols, k).mean(axis=(0, 2))
    return np.rint(land * 255.0).astype(np.uint8)


def main() -> None:
    import global_land_mask
    src = Path(global_land_mask.__file__).with_name("globe_combined_mask_compressed.npz")
    fraction = build(np.load(src)["mask"])
    np.savez_compressed(OUT, land_fraction=fraction, lat_north_deg=90.0, lon_west_deg=-180.0,
                        cell_deg=CELL_DEG)
    print(f"{OUT}: {fraction.shape}, land share of cells {fraction.mean() / 255:.4f}")


if __name__ == "__main__":
    main()
