"""Constellation builders: mean Keplerian elements for every satellite (set-up only).

Each builder returns a dict of equal-length NumPy arrays with the keys of
ELEMENT_KEYS (SI units, radians; elements are mean elements at the scenario
epoch, e = 0 unless given), ready for FleetState and J2Propagator. TLE and OMM
files: sim.orbits.tle.
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M

ELEMENT_KEYS = ("a_m", "e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad", "plane", "slot")
MEAN_ELEMENT_KEYS = ELEMENT_KEYS[:6]  # in the order J2Propagator takes them


def _pack(a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad, plane, slot) -> dict[str, np.ndarray]:
    n = max(np.size(x) for x in (a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad, plane, slot))
    full = lambda x: np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)).copy()  # noqa: E731
    return {
        "a_m": full(a_m),
        "e": full(e),
        "inc_rad": full(inc_rad),
        "raan_rad": full(raan_rad) % math.tau,
        "argp_rad": full(argp_rad) % math.tau,
        "mean_anomaly_rad": full(mean_anomaly_rad) % math.tau,
        "plane": np.broadcast_to(np.asarray(plane, dtype=np.int32), (n,)).copy(),
        "slot": np.broadcast_to(np.asarray(slot, dtype=np.int32), (n,)).copy(),
    }


def walker(altitude_km: float, inclination_deg: float, planes: int, sats_per_plane: int,
           phasing: int = 0, pattern: str = "delta", band: tuple[float, float] | None = None,
           ) -> dict[str, np.ndarray]:
    """Walker constellation i:T/P/F of circular orbits.

    Planes are spread evenly over 360° of RAAN ("delta") or 180° ("star"), or, with
    ``band = (centre_raan_rad, width_rad)``, evenly inside that band of RAAN centred on its
    centre (plane j at centre + width·((j + ½)/P − ½)); satellites evenly in mean anomaly
    within a plane; satellite k of plane j has M = 2π k/S + 2π F j/T (T = P·S total), so
    adjacent planes are offset by 2πF/T.
    """
    if planes < 1 or sats_per_plane < 1:
        raise ValueError("planes and sats_per_plane must be at least 1")
    if pattern not in ("delta", "star"):
        raise ValueError(f"pattern must be 'delta' or 'star', not {pattern!r}")
    total = planes * sats_per_plane
    spread = math.tau if pattern == "delta" else math.pi
    plane, slot = np.divmod(np.arange(total), sats_per_plane)
    raan = spread * plane / planes
    if band is not None:
        centre_rad, width_rad = band
        raan = centre_rad + width_rad * ((plane + 0.5) / planes - 0.5)
    mean_anomaly = math.tau * slot / sats_per_plane + math.tau * phasing * plane / total
    return _pack(R_EARTH_EQUATORIAL_M + altitude_km * 1e3, 0.0, math.radians(inclination_deg),
                 raan, 0.0, mean_anomaly, plane, slot)


def sun_right_ascension_rad(epoch_jd_utc: float) -> float:
    """Right ascension of the true Sun (low-precision ephemeris) at a UTC Julian date."""
    from sim.core.timescale import TT_MINUS_UTC_D
    from sim.orbits.sun import sun_position_eci_m

    x, y, _ = sun_position_eci_m(epoch_jd_utc + TT_MINUS_UTC_D)
    return math.atan2(y, x) % math.tau


def mean_sun_right_ascension_rad(epoch_jd_utc: float) -> float:
    """Right ascension of the fictitious mean Sun at a UTC Julian date (UT1 = UTC, < 0.9 s).

    Mean solar time is the hour angle of the mean Sun + 12 h, and UT is mean solar time at
    Greenwich, so α_mean_sun = GMST − 2π·(hour angle of the mean Sun at Greenwich / 24 h)
    = GMST − 2π·frac(JD) (the JD day starts at noon, when that hour angle is 0).
    """
    from sim.core.timescale import gmst_rad

    return (gmst_rad(epoch_jd_utc) - math.tau * (epoch_jd_utc % 1.0)) % math.tau


LTAN_CONVENTIONS = ("mean", "true")


def node_right_ascension_rad(ltan_h: float, epoch_jd_utc: float, convention: str = "mean") -> float:
    """RAAN that puts the ascending node at local solar time ``ltan_h``:
    RAAN = α_sun + 15°/h · (ltan_h − 12), α_sun of the mean Sun (``convention`` "mean", the
    convention of mission specifications) or of the true Sun ("true": apparent solar time,
    which differs by the equation of time, up to ±16 min)."""
    if convention == "mean":
        alpha = mean_sun_right_ascension_rad(epoch_jd_utc)
    elif convention == "true":
        alpha = sun_right_ascension_rad(epoch_jd_utc)
    else:
        raise ValueError(f"ltan_convention must be one of {', '.join(LTAN_CONVENTIONS)}, not {convention!r}")
    return (alpha + math.radians(15.0 * (ltan_h - 12.0))) % math.tau


def walker_in_local_time_band(shell, epoch_jd_utc: float) -> dict[str, np.ndarray]:
    """A Walker shell (config `WalkerShell` with ltan_h) whose ascending nodes sit in a band
    of local solar times ltan_h ± ltan_band_h/2 (15°/h of RAAN), at the sun-synchronous
    inclination unless one is given, so that J2 holds the band as the Sun moves."""
    from sim.orbits.j2 import sso_inclination_rad

    a_m = R_EARTH_EQUATORIAL_M + shell.altitude_km * 1e3
    inc_deg = shell.inclination_deg
    if inc_deg is None:
        inc_deg = math.degrees(sso_inclination_rad(a_m))
    centre = node_right_ascension_rad(shell.ltan_h, epoch_jd_utc, shell.ltan_convention)
    return walker(shell.altitude_km, inc_deg, shell.planes, shell.sats_per_plane, shell.phasing,
                  shell.pattern, band=(centre, math.radians(15.0 * shell.ltan_band_h)))


def sso(altitude_km: float, ltan_h: float, count: int, epoch_jd_utc: float,
        ltan_convention: str = "mean") -> dict[str, np.ndarray]:
    """Sun-synchronous circular orbit: ``count`` satellites evenly spaced in one plane.

    Inclination from J2 so the node turns 360°/365.2422 d (the mean Sun's rate); RAAN puts
    the ascending node at local solar time ``ltan_h`` (6 or 18 = dawn–dusk), mean solar time
    by default (`node_right_ascension_rad`).
    """
    from sim.orbits.j2 import sso_inclination_rad

    if count < 1:
        raise ValueError("count must be at least 1")
    a_m = R_EARTH_EQUATORIAL_M + altitude_km * 1e3
    raan = node_right_ascension_rad(ltan_h, epoch_jd_utc, ltan_convention)
    slot = np.arange(count)
    return _pack(a_m, 0.0, sso_inclination_rad(a_m), raan, 0.0, math.tau * slot / count, 0, slot)


def _lattice_offsets(count: int, radius_m: float) -> np.ndarray:
    """The ``count`` points of a square lattice nearest its centre, scaled to ``radius_m``.

    Ties at equal distance are broken by angle, so the set is deterministic;
    for 81 points this is the full disc of radius 5 spacings (Gauss: N(5) = 81).
    """
    half = int(math.ceil(math.sqrt(count))) + 1
    i, j = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1), indexing="ij")
    i, j = i.ravel().astype(float), j.ravel().astype(float)
    order = np.lexsort((np.arctan2(j, i) % math.tau, i * i + j * j))[:count]
    points = np.column_stack((i[order], j[order]))
    extent = np.hypot(points[:, 0], points[:, 1]).max()
    return points * (radius_m / extent) if extent > 0 else points


def cluster(count: int, radius_m: float, altitude_km: float, inclination_deg: float,
            raan_deg: float, arg_latitude_deg: float = 0.0, j2: bool = True) -> dict[str, np.ndarray]:
    """A formation of ``count`` satellites within ``radius_m`` of a circular reference orbit.

    Each satellite sits at lattice point (p, q) (a square lattice scaled to
    ``radius_m``) and flies a passive relative orbit of radius ρ = |(p, q)| and
    phase α = atan2(q, p) about the reference (the Hill/CW "circular PRO"):

        x (radial)      =  ρ/2 · cos(u + α)
        y (along-track) = −ρ   · sin(u + α)
        z (cross-track) =  √3/2 ρ · cos(u + α)

    with u the reference's argument of latitude. Then |r| = ρ at all times, and
    because the map (p, q) → (x, y, z) is an isometry for every u, the lattice
    turns rigidly once per orbit: every distance between satellites stays as
    built. In relative orbital elements (D'Amico 2010, near-circular):
    δe = ρ/(2a)(−cos α, sin α), δi = √3ρ/(2a)(−sin α, −cos α), δλ = 0. The mean
    a of each satellite is then nudged (by < 1 m) so its mean argument of
    latitude plus cos i · node drifts at the reference's J2 rate, which removes
    the differential-J2 along-track drift that δi_x would cause; what remains
    over a day is the slow J2 rotation of δe and a cross-track drift ∝ δi_x.

    Extra key ``offset_lvlh_m`` (N, 3): the intended position of each satellite
    relative to the reference at the epoch, in the Hill frame (radial,
    along-track, cross-track), m. Satellite 0 flies the reference orbit. j2 False: point-mass
    gravity (environment.j2), no nudge.
    """
    from sim.orbits.j2 import J2_EARTH, j2_secular_rates

    j2 = J2_EARTH if j2 else 0.0
    if count < 1:
        raise ValueError("count must be at least 1")
    a = R_EARTH_EQUATORIAL_M + altitude_km * 1e3
    inc = math.radians(inclination_deg)
    raan0 = math.radians(raan_deg)
    u0 = math.radians(arg_latitude_deg)
    if abs(math.sin(inc)) < 1e-6:
        raise ValueError("cluster needs a non-equatorial reference orbit (its node is undefined)")

    lattice = _lattice_offsets(count, radius_m)
    rho = np.hypot(lattice[:, 0], lattice[:, 1])
    alpha = np.arctan2(lattice[:, 1], lattice[:, 0])
    dex = -rho / (2 * a) * np.cos(alpha)
    dey = rho / (2 * a) * np.sin(alpha)
    dix = -math.sqrt(3.0) * rho / (2 * a) * np.sin(alpha)
    diy = -math.sqrt(3.0) * rho / (2 * a) * np.cos(alpha)

    e = np.hypot(dex, dey)
    argp = np.where(e > 0, np.arctan2(dey, dex), 0.0)
    inc_k = inc + dix
    draan = diy / math.sin(inc)
    # δλ = δ(M + ω) + δΩ cos i = 0 at the epoch
    mean_anomaly = u0 - draan * math.cos(inc) - argp

    # match the drift of λ = M + ω + Ω cos i to the reference (Newton on a)
    def lambda_rate(a_k):
        raan_dot, argp_dot, mean_motion = j2_secular_rates(a_k, e, inc_k, j2)
        return mean_motion + argp_dot + raan_dot * math.cos(inc)

    raan_dot0, argp_dot0, n0 = j2_secular_rates(a, 0.0, inc, j2)
    target = float(n0 + argp_dot0 + raan_dot0 * math.cos(inc))
    a_k = np.full(count, a)
    for _ in range(3):
        rate = lambda_rate(a_k)
        slope = lambda_rate(a_k + 1.0) - rate  # per metre
        a_k = a_k - (rate - target) / slope

    offsets = np.column_stack((
        0.5 * rho * np.cos(u0 + alpha),
        -rho * np.sin(u0 + alpha),
        0.5 * math.sqrt(3.0) * rho * np.cos(u0 + alpha),
    ))
    formation = _pack(a_k, e, inc_k, raan0 + draan, argp, mean_anomaly, 0, np.arange(count))
    formation["offset_lvlh_m"] = offsets
    return formation


def elements(satellites) -> dict[str, np.ndarray]:
    """Explicit Keplerian elements, one validated `sim.orbits.config.KeplerianElements` per
    satellite (altitude_km above the equatorial radius or a_km; angles in degrees); plane 0,
    slot the satellite's index."""
    rows = list(satellites)
    if not rows:
        raise ValueError("elements needs at least one satellite")
    a_m = [row.a_km * 1e3 if row.a_km is not None else R_EARTH_EQUATORIAL_M + row.altitude_km * 1e3
           for row in rows]
    return _pack(a_m, [row.e for row in rows],
                 [math.radians(row.inclination_deg) for row in rows],
                 [math.radians(row.raan_deg) for row in rows],
                 [math.radians(row.argp_deg) for row in rows],
                 [math.radians(row.mean_anomaly_deg) for row in rows],
                 0, np.arange(len(rows)))
