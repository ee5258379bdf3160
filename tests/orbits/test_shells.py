"""Constellation builders, formation cluster, TLE/OMM loading and the SGP4 path."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.base import DATA_DIR
from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY, SSO_NODE_RATE_RAD_S
from sim.core.timescale import julian_date_utc, parse_utc
from sim.orbits.config import KeplerianElements
from sim.orbits.j2 import J2Propagator, j2_secular_rates, propagate_j2
from sim.orbits.shells import (
    ELEMENT_KEYS,
    cluster,
    elements,
    sso,
    sun_right_ascension_rad,
    walker,
)
from sim.orbits.tle import SGP4Propagator, load_tle, mean_elements
from tests.conftest import verification_data

RE = R_EARTH_EQUATORIAL_M
STARLINK_TLE = DATA_DIR / "starperf_starlink_tle_2020-06-28.txt"  # shipped: data:starperf_...


def _positions(el, t_s=0.0):
    n = el["a_m"].shape[0]
    r, v = np.empty((3, n)), np.empty((3, n))
    rates = j2_secular_rates(el["a_m"], el["e"], el["inc_rad"])
    propagate_j2(t_s, el["a_m"], el["e"], el["inc_rad"], el["raan_rad"], el["argp_rad"],
                 el["mean_anomaly_rad"], *rates, r, v)
    return r, v


def _check_keys(el):
    assert set(ELEMENT_KEYS) <= set(el)
    n = el["a_m"].shape[0]
    assert all(el[k].shape == (n,) for k in ELEMENT_KEYS)


# ------------------------------------------------------------------ Walker

def test_walker_delta_spacing_and_phasing():
    el = walker(550.0, 53.0, planes=6, sats_per_plane=4, phasing=1)
    _check_keys(el)
    assert el["a_m"].shape == (24,)
    assert np.allclose(el["a_m"], RE + 550e3)
    assert np.allclose(el["inc_rad"], math.radians(53.0))
    raan = el["raan_rad"].reshape(6, 4)
    assert np.allclose(np.diff(raan[:, 0]), 2 * math.pi / 6)
    M = el["mean_anomaly_rad"].reshape(6, 4)
    assert np.allclose(np.diff(M[0]), 2 * math.pi / 4)
    # Walker i:T/P/F: adjacent planes offset by 2πF/T
    assert np.allclose((M[1, 0] - M[0, 0]) % (2 * math.pi), 2 * math.pi * 1 / 24)
    assert list(el["plane"][:5]) == [0, 0, 0, 0, 1] and list(el["slot"][:5]) == [0, 1, 2, 3, 0]


def test_walker_star_spreads_planes_over_180_degrees():
    el = walker(780.0, 86.4, planes=6, sats_per_plane=11, pattern="star")
    raan = np.unique(np.round(el["raan_rad"], 12))
    assert np.allclose(raan, np.arange(6) * math.pi / 6)
    with pytest.raises(ValueError, match="pattern"):
        walker(780.0, 86.4, 6, 11, pattern="rosette")


def test_starlink_shell_1_in_plane_neighbour_distance():
    # MODELS.md §7 (C): 22 satellites per plane at 550 km are 1,972 km apart
    el = walker(550.0, 53.0, planes=72, sats_per_plane=22, phasing=17)
    r, _ = _positions(el)
    assert el["a_m"].shape == (1584,)
    d_km = np.linalg.norm(r[:, 1] - r[:, 0]) / 1e3
    assert d_km == pytest.approx(1972.0, abs=1.0)


# ------------------------------------------------------------------ SSO

def test_sso_dawn_dusk_plane():
    jd = julian_date_utc(parse_utc("2026-03-20T12:00:00Z"))
    el = sso(650.0, 18.0, 3, jd, ltan_convention="true")
    _check_keys(el)
    assert math.degrees(el["inc_rad"][0]) == pytest.approx(97.99, abs=0.05)  # MODELS.md §9
    raan_dot, _, _ = j2_secular_rates(el["a_m"], el["e"], el["inc_rad"])
    assert raan_dot[0] == pytest.approx(SSO_NODE_RATE_RAD_S, rel=1e-9)
    # the ascending node is 6 h (90°) east of the true Sun: apparent local time 18:00
    hour_angle = (el["raan_rad"][0] - sun_right_ascension_rad(jd)) % (2 * math.pi)
    assert math.degrees(hour_angle) == pytest.approx(90.0, abs=1e-9)
    assert np.allclose(np.diff(el["mean_anomaly_rad"]), 2 * math.pi / 3)
    # at the March equinox the Sun is near RA 0, so the 18:00 node is near RA 90°
    assert math.degrees(el["raan_rad"][0]) == pytest.approx(90.0, abs=1.0)


# ------------------------------------------------------------------ formation cluster

def _hill(r, v, ref=0):
    """Positions relative to satellite ``ref`` in its Hill frame (radial, along-track, cross-track)."""
    rr, vv = r[:, ref], v[:, ref]
    radial = rr / np.linalg.norm(rr)
    normal = np.cross(rr, vv)
    normal /= np.linalg.norm(normal)
    along = np.cross(normal, radial)
    d = r - rr[:, None]
    return np.stack((radial @ d, along @ d, normal @ d), axis=1)


@pytest.fixture(scope="module")
def suncatcher():
    # MODELS.md §1: 81 satellites within 1 km, ~650 km dawn–dusk SSO
    jd = julian_date_utc(parse_utc("2026-03-20T12:00:00Z"))
    plane = sso(650.0, 18.0, 1, jd)
    return cluster(81, 1000.0, 650.0, math.degrees(plane["inc_rad"][0]),
                   math.degrees(plane["raan_rad"][0]))


def test_cluster_layout_at_epoch(suncatcher):
    el = suncatcher
    _check_keys(el)
    offsets = el["offset_lvlh_m"]
    assert offsets.shape == (81, 3)
    assert np.linalg.norm(offsets, axis=1).max() == pytest.approx(1000.0, rel=1e-9)
    # the Hill-frame positions produced by the orbit model are the intended offsets
    # (linearised relative motion: curvature error ρ²/a ≈ 0.15 m)
    r, v = _positions(el)
    assert np.abs(_hill(r, v) - offsets).max() < 2.0
    # neighbour distances (square lattice, 81 points of the disc of radius 5 spacings: 200 m)
    built = np.linalg.norm(offsets[:, None] - offsets[None], axis=2)
    actual = np.linalg.norm(r.T[:, None] - r.T[None], axis=2)
    assert built[built > 0].min() == pytest.approx(200.0, rel=1e-9)
    assert np.abs(actual - built).max() < 2.0


def test_cluster_stays_bounded_over_a_day(suncatcher):
    """Every satellite stays within about the cluster radius for a day under the J2 model,
    and nearest-neighbour distances stay near the 200 m they were built with."""
    import numba

    el = suncatcher
    offsets = el["offset_lvlh_m"]
    built = np.linalg.norm(offsets[:, None] - offsets[None], axis=2)
    neighbours = np.argwhere((built > 0) & (built < 200.5))
    p = J2Propagator(el["a_m"], el["e"], el["inc_rad"], el["raan_rad"], el["argp_rad"],
                     el["mean_anomaly_rad"], 60.0)
    r, v = np.empty((3, 81)), np.empty((3, 81))
    largest, worst_neighbour, closest = 0.0, 0.0, np.inf
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # 1,440 launches on 81 satellites: see tests/orbits/test_j2.py
    try:
        for k in range(1441):
            p.propagate(k * 60.0, r, v)
            d = r - r[:, :1]
            largest = max(largest, np.linalg.norm(d, axis=0).max())
            pair = np.linalg.norm(r[:, neighbours[:, 0]] - r[:, neighbours[:, 1]], axis=0)
            worst_neighbour = max(worst_neighbour, np.abs(pair - 200.0).max())
            all_pairs = np.linalg.norm(r.T[:, None] - r.T[None], axis=2)
            closest = min(closest, all_pairs[all_pairs > 0].min())
    finally:
        numba.set_num_threads(threads)
    print(f"\n81-satellite cluster over one day: largest distance from the reference "
          f"{largest:.0f} m (radius 1000 m), neighbour distance within {worst_neighbour:.1f} m "
          f"of 200 m, closest approach {closest:.0f} m")
    assert largest < 1100.0
    assert worst_neighbour < 25.0
    assert closest > 150.0


def test_cluster_small_counts():
    el = cluster(1, 500.0, 550.0, 53.0, 10.0)
    assert el["a_m"].shape == (1,) and np.allclose(el["offset_lvlh_m"], 0.0)
    el = cluster(7, 300.0, 550.0, 53.0, 10.0)
    assert np.linalg.norm(el["offset_lvlh_m"], axis=1).max() == pytest.approx(300.0)


# ------------------------------------------------------------------ explicit elements

def test_explicit_elements():
    el = elements([KeplerianElements.model_validate(row) for row in (
        {"altitude_km": 550, "inclination_deg": 53, "raan_deg": 10, "mean_anomaly_deg": 90},
        {"a_km": 26560, "e": 0.74, "inclination_deg": 63.4, "argp_deg": 270},
    )])
    _check_keys(el)
    assert el["a_m"][0] == RE + 550e3 and el["a_m"][1] == 26560e3
    assert el["e"][1] == 0.74
    assert el["raan_rad"][0] == pytest.approx(math.radians(10))
    assert el["mean_anomaly_rad"][0] == pytest.approx(math.radians(90))
    assert el["argp_rad"][1] == pytest.approx(math.radians(270))
    assert el["inc_rad"][1] == pytest.approx(math.radians(63.4))
    assert list(el["plane"]) == [0, 0] and list(el["slot"]) == [0, 1]
    with pytest.raises(ValueError, match="at least one"):
        elements([])


# ------------------------------------------------------------------ TLE / OMM

ISS_3LE = (  # the ISS TLE of the TLE format's textbook example (valid checksums)
    "ISS (ZARYA)\r\n"
    "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\r\n"
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\r\n"
)


def test_load_tle_two_and_three_line_crlf(tmp_path):
    from sgp4.api import Satrec

    path = tmp_path / "iss.txt"
    path.write_bytes(ISS_3LE.encode())
    three = load_tle(path)
    lines = ISS_3LE.split("\r\n")
    two_path = tmp_path / "iss2.tle"
    two_path.write_text("\n".join(lines[1:3]) + "\n\n")
    two = load_tle(two_path)
    reference = Satrec.twoline2rv(lines[1], lines[2])
    for sats in (three, two):
        assert len(sats) == 1
        assert sats[0].satnum == 25544
        assert sats[0].no_kozai == reference.no_kozai and sats[0].inclo == reference.inclo


def test_load_tle_errors_name_the_file_and_line(tmp_path):
    lines = ISS_3LE.split("\r\n")
    bad = tmp_path / "bad.txt"
    bad.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[2][:40] + "\n")
    with pytest.raises(ValueError, match=r"bad\.txt:3: malformed TLE line 2"):
        load_tle(bad)
    checksum = tmp_path / "checksum.txt"
    checksum.write_text(lines[1] + "\n" + lines[2][:68] + "0\n")
    with pytest.raises(ValueError, match=r"checksum\.txt:2: TLE checksum error"):
        load_tle(checksum)
    assert len(load_tle(checksum, verify_checksum=False)) == 1
    orphan = tmp_path / "orphan.txt"
    orphan.write_text(lines[2] + "\n")
    with pytest.raises(ValueError, match=r"orphan\.txt:1"):
        load_tle(orphan)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing\n")
    with pytest.raises(ValueError, match="no TLEs"):
        load_tle(empty)


def test_load_real_tle_and_omm_files():
    stations = load_tle(verification_data("tle", "celestrak_stations_2020-06-25.txt"))  # 3-line, CRLF
    assert len(stations) == 71 and stations[0].satnum == 25544
    starlink = load_tle(verification_data("tle", "starperf_starlink_omm_2024-05-20.json.gz"))
    assert len(starlink) == 5977
    inc = np.degrees([s.inclo for s in starlink])
    assert np.count_nonzero((inc > 52.9) & (inc < 53.3)) > 3000  # DATA INDEX: 3402 near 53°


def test_sgp4_propagator_matches_python_sgp4():
    sats = load_tle(verification_data("tle", "starperf_oneweb_tle_2020-06-27.txt"))
    epoch = julian_date_utc(parse_utc("2020-06-28T00:00:00Z"))
    prop = SGP4Propagator(sats, epoch)
    r, v = np.empty((3, len(sats))), np.empty((3, len(sats)))
    for t_s in (0.0, 600.0, SECONDS_PER_DAY):
        prop.propagate(t_s, r, v)
        for k in (0, 17, len(sats) - 1):
            jd, fr = math.floor(epoch), epoch - math.floor(epoch) + t_s / SECONDS_PER_DAY
            _, rk, vk = sats[k].sgp4(jd, fr)
            assert np.allclose(r[:, k], np.array(rk) * 1e3, atol=1e-6)
            assert np.allclose(v[:, k], np.array(vk) * 1e3, atol=1e-9)


def test_mean_elements_drive_the_j2_model_close_to_sgp4():
    """TLE mean elements in the J2 secular model vs SGP4 itself on 533 Starlink satellites.

    SGP4 adds short-period terms, drag and its own mean-element theory, so agreement is
    at the ~10 km level at the scenario epoch (median measured ≈ 9 km)."""
    sats = load_tle(STARLINK_TLE)
    epoch = max(s.jdsatepoch + s.jdsatepochF for s in sats)
    el = mean_elements(sats, epoch)
    _check_keys(el)
    k = int(np.argmax([s.jdsatepoch + s.jdsatepochF for s in sats]))
    assert el["inc_rad"][k] == sats[k].inclo
    assert el["raan_rad"][k] == pytest.approx(sats[k].nodeo, abs=1e-9)
    n = len(sats)
    r, v = np.empty((3, n)), np.empty((3, n))
    r_ref, v_ref = np.empty((3, n)), np.empty((3, n))
    J2Propagator(el["a_m"], el["e"], el["inc_rad"], el["raan_rad"], el["argp_rad"],
                 el["mean_anomaly_rad"], 60.0).propagate(0.0, r, v)
    SGP4Propagator(sats, epoch).propagate(0.0, r_ref, v_ref)
    d_km = np.linalg.norm(r - r_ref, axis=0) / 1e3
    print(f"\nJ2 model from TLE mean elements vs SGP4 ({n} Starlink): median {np.median(d_km):.1f} km, "
          f"90th percentile {np.percentile(d_km, 90):.1f} km")
    assert np.median(d_km) < 15.0
    assert np.percentile(d_km, 90) < 40.0
