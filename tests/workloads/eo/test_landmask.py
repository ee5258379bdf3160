"""The shipped land raster against published figures: land is 29.2 % of the Earth's surface
(148.94 of 510.072 million km², CIA World Factbook, "World: Geography"); and known points."""
from __future__ import annotations

import numpy as np
import pytest

from sim.workloads.eo.landmask import land_fraction, land_share

LAND_SHARE_OF_SURFACE = 148.94 / 510.072


def test_area_weighted_land_share_is_the_published_one():
    raster, cell = land_fraction()
    lat = np.pi / 2 - cell * (np.arange(raster.shape[0]) + 0.5)
    w = np.cos(lat)[:, None]
    share = float((raster / 255.0 * w).sum() / (w.sum() * raster.shape[1]))
    assert share == pytest.approx(LAND_SHARE_OF_SURFACE, rel=0.02)


@pytest.mark.parametrize("lat,lon,land", [(23.0, 10.0, 1.0), (-25.0, 134.0, 1.0), (60.0, 100.0, 1.0),
                                          (-80.0, 0.0, 1.0), (0.0, -140.0, 0.0), (-40.0, -20.0, 0.0),
                                          (35.0, -40.0, 0.0)])
def test_known_points(lat, lon, land):
    """Sahara, central Australia, Siberia, Antarctica are land; mid-Pacific, South and North
    Atlantic are water."""
    assert land_share(lat, lon) == pytest.approx(land)
