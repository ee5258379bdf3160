"""Earth rotation (GMST of sim.core.timescale, the one the clock uses), WGS84 geodesy, epochs."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from sim.core.constants import R_EARTH_EQUATORIAL_M, WGS84_FLATTENING
from sim.core.timescale import TT_MINUS_UTC_S, gmst_rad, julian_date_utc, parse_utc
from sim.orbits.geodesy import eci_to_geodetic

RE = R_EARTH_EQUATORIAL_M


# ------------------------------------------------------------------ Earth rotation and geodesy

def test_gmst_vallado_example_3_5():
    # Vallado Example 3-5: 1992-08-20 12:14 UT1 → GMST 152.578787886°
    jd = 2448854.5 + (12 + 14 / 60) / 24
    assert math.degrees(gmst_rad(jd)) == pytest.approx(152.578787886, abs=1e-6)


def test_gmst_matches_python_sgp4():
    from sgp4.propagation import gstime

    for jd in np.linspace(2440000.5, 2470000.5, 101):
        assert gmst_rad(jd) == pytest.approx(gstime(jd) % (2 * math.pi), abs=1e-9)


def _geodetic_to_ecef(lat_deg, lon_deg, h_m):
    """Exact forward transform (WGS84), the reference for the inverse."""
    e2 = WGS84_FLATTENING * (2 - WGS84_FLATTENING)
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = RE / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    return np.vstack(((n + h_m) * np.cos(lat) * np.cos(lon), (n + h_m) * np.cos(lat) * np.sin(lon),
                      (n * (1 - e2) + h_m) * np.sin(lat)))


def test_geodetic_round_trip():
    rng = np.random.default_rng(11)
    lat = np.concatenate(([90.0, -90.0, 0.0, 0.0, 45.0], rng.uniform(-90, 90, 5000)))
    lon = np.concatenate(([0.0, 0.0, 0.0, -180.0, 179.999], rng.uniform(-180, 180, 5000)))
    h = np.concatenate(([550e3, 650e3, 0.0, 1200e3, 35786e3], rng.uniform(-5e3, 4e7, 5000)))
    gmst = 1.2345
    ecef = _geodetic_to_ecef(lat, lon, h)
    # inertial = Earth-fixed rotated by +GMST about z
    c, s = math.cos(gmst), math.sin(gmst)
    eci = np.ascontiguousarray(np.vstack((c * ecef[0] - s * ecef[1], s * ecef[0] + c * ecef[1], ecef[2])))
    out_lat, out_lon, out_alt = np.empty(lat.size), np.empty(lat.size), np.empty(lat.size)
    eci_to_geodetic(eci, gmst, out_lat, out_lon, out_alt)
    assert np.abs(out_lat - lat).max() < 1e-9
    not_pole = np.abs(lat) < 89.9999
    dlon = (out_lon - lon + 180.0) % 360.0 - 180.0
    assert np.abs(dlon[not_pole]).max() < 1e-9
    assert np.abs(out_alt * 1e3 - h).max() < 1e-3
    assert out_lon.min() >= -180.0 and out_lon.max() < 180.0
    # the equator point at lon 0 is RE + h straight along x; the pole is b + h
    assert out_alt[2] == pytest.approx(0.0, abs=1e-9)
    assert out_alt[0] == pytest.approx(550.0, abs=1e-9)


# ------------------------------------------------------------------ epochs

def test_epoch_parsing_and_julian_dates():
    assert parse_utc("2000-01-01T12:00:00Z") == datetime(2000, 1, 1, 12, tzinfo=timezone.utc)
    assert parse_utc("2026-03-20T14:00:00+02:00") == parse_utc("2026-03-20T12:00:00Z")
    assert parse_utc(datetime(2026, 1, 1)).tzinfo is not None
    assert julian_date_utc(parse_utc("2000-01-01T12:00:00Z")) == 2451545.0
    # Vallado Example 3-4: 1996-10-26 14:20:00 UT → JD 2450383.09722222
    assert julian_date_utc(datetime(1996, 10, 26, 14, 20, tzinfo=timezone.utc)) == pytest.approx(
        2450383.09722222, abs=1e-8)
    assert TT_MINUS_UTC_S == pytest.approx(69.184)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_utc("next tuesday")
    later = parse_utc("2026-03-20T12:00:00Z") + timedelta(days=1)
    assert julian_date_utc(later) - julian_date_utc(parse_utc("2026-03-20T12:00:00Z")) == pytest.approx(1.0)
