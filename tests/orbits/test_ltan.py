"""LTAN: mean local solar time at the ascending node (the mission-specification convention),
true solar time as an explicit option."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.constants import SECONDS_PER_DAY
from sim.core.timescale import julian_date_utc, parse_utc
from sim.orbits.j2 import j2_secular_rates
from sim.orbits.shells import sso


def _mean_sun_ra_deg(jd_ut1):
    """Right ascension of the mean Sun, closed form: Meeus, *Astronomical Algorithms* (2nd ed.)
    eq. 12.4, GMST = 280.46061837° + 360.98564736629° d (d = days since J2000.0 UT1), less the
    Greenwich hour angle of the mean Sun 360°·(d − floor(d)) (UT = mean solar time at
    Greenwich): α_mean_sun = 280.46061837° + 0.98564736629° d (mod 360°)."""
    d = jd_ut1 - 2451545.0
    return (280.46061837 + 0.98564736629 * d) % 360.0


def _local_mean_time_of_node_h(raan_rad, jd):
    """12 h + (RAAN − α_mean_sun)/15°/h, wrapped to [0, 24)."""
    return (12.0 + (math.degrees(raan_rad) - _mean_sun_ra_deg(jd)) / 15.0) % 24.0


@pytest.mark.parametrize("ltan_h", [6.0, 10.5, 18.0, 22.5])
def test_ltan_is_mean_solar_time_at_the_node_for_seven_days(ltan_h):
    """Validation: the node of a sun-synchronous shell built for `ltan_h` sits at local mean
    solar time ltan_h (RAAN = α_mean_sun + 15°·(LTAN − 12 h), Meeus eq. 12.4 for α_mean_sun)
    within 1 min at the epoch and every 6 h for 7 days, with the node moved by odcsim's J2
    secular rate. The epoch is in November, where the true Sun is 16 min ahead of the mean."""
    jd0 = julian_date_utc(parse_utc("2026-11-03T00:00:00Z"))
    el = sso(650.0, ltan_h, 1, jd0)
    raan_dot, _, _ = j2_secular_rates(el["a_m"], el["e"], el["inc_rad"])
    for t_s in np.arange(0.0, 7 * SECONDS_PER_DAY + 1.0, 6 * 3600.0):
        raan = el["raan_rad"][0] + raan_dot[0] * t_s
        lmst_h = _local_mean_time_of_node_h(raan, jd0 + t_s / SECONDS_PER_DAY)
        error_min = ((lmst_h - ltan_h + 12.0) % 24.0 - 12.0) * 60.0
        assert abs(error_min) < 1.0, (t_s, error_min)


def test_true_convention_differs_by_the_equation_of_time_in_november():
    """Consistency check: mean − true node RA in early November is the equation of time,
    ≈ +16.4 min (the apparent Sun ahead of the mean; Meeus ch. 28, Nov 3: 16 min 26 s),
    i.e. the true-time node sits ~4.1° west of the mean-time node."""
    jd0 = julian_date_utc(parse_utc("2026-11-03T00:00:00Z"))
    mean = sso(650.0, 18.0, 1, jd0, ltan_convention="mean")["raan_rad"][0]
    true = sso(650.0, 18.0, 1, jd0, ltan_convention="true")["raan_rad"][0]
    diff_min = ((math.degrees(mean - true) + 180.0) % 360.0 - 180.0) / 15.0 * 60.0
    assert diff_min == pytest.approx(16.4, abs=0.3)


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError, match="ltan_convention"):
        sso(650.0, 18.0, 1, 2461000.5, ltan_convention="apparent")


def test_walker_in_a_band_of_local_times_holds_it_for_thirty_days():
    """Validation: a dawn-dusk Walker shell (ltan_h 18, band 2 h, 8 planes) has its planes'
    nodes at local mean solar times 17 h + 2 h·(j + ½)/8 (Meeus eq. 12.4 for the mean Sun) within
    1 min at the epoch and after 30 days of odcsim's J2 node rate; its inclination is the
    sun-synchronous one of the closed form cos i = −Ω̇_sun·a^{7/2}/(1.5 J2 R² √μ)
    (Vallado, Fundamentals of Astrodynamics, eq. 11-14, circular orbit)."""
    from sim.orbits.config import WalkerShell
    from sim.orbits.shells import walker_in_local_time_band

    jd0 = julian_date_utc(parse_utc("2026-11-03T00:00:00Z"))
    shell = WalkerShell(altitude_km=700.0, planes=8, sats_per_plane=3, ltan_h=18.0, ltan_band_h=2.0)
    el = walker_in_local_time_band(shell, jd0)
    a_m = el["a_m"][0]
    mu, j2, r_eq = 3.986004418e14, 1.08262668e-3, 6378137.0
    node_rate = math.tau / (365.2421897 * SECONDS_PER_DAY)
    cos_i = -node_rate * a_m ** 3.5 / (1.5 * j2 * r_eq ** 2 * math.sqrt(mu))
    assert math.degrees(el["inc_rad"][0]) == pytest.approx(math.degrees(math.acos(cos_i)), abs=1e-3)
    raan_dot, _, _ = j2_secular_rates(el["a_m"], el["e"], el["inc_rad"])
    expected_h = 17.0 + 2.0 * (np.arange(8) + 0.5) / 8
    for t_s in (0.0, 30 * SECONDS_PER_DAY):
        for j in range(8):
            k = j * 3  # first satellite of plane j
            assert el["plane"][k] == j
            lmst_h = _local_mean_time_of_node_h(el["raan_rad"][k] + raan_dot[k] * t_s, jd0 + t_s / SECONDS_PER_DAY)
            assert abs(((lmst_h - expected_h[j] + 12.0) % 24.0 - 12.0) * 60.0) < 1.0, (t_s, j, lmst_h)


def test_walker_needs_an_inclination_or_a_local_time():
    from pydantic import ValidationError

    from sim.orbits.config import WalkerShell

    with pytest.raises(ValidationError, match="inclination_deg is required unless ltan_h"):
        WalkerShell(altitude_km=700.0, planes=8, sats_per_plane=3)
