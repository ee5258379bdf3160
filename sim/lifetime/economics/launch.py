"""Launch vehicles: capacity to the orbit, what a launch costs, and how many launches a fleet needs.

Capacity is by mass only (fairing volume is ignored: a data-centre satellite with large
deployed arrays and radiators stows them, and the stowed volume is not modelled). Each shell
launches on its own (one orbit per launch); within a shell the satellites are identical, so the
bin packing by mass is exact: floor(capacity / satellite mass) per launch. Planes of a Walker
shell share launches (as if a launch spread its satellites by differential drift; not modelled).

Capacity to an orbit: the vehicle's capacity to its reference low orbit (28.5°, from Cape
Canaveral) derated linearly in inclination to `sso_capacity_fraction` × that at a
sun-synchronous inclination (97.8°, nominal) — a judgement (U) standing in for the vehicles'
performance curves; altitude changes capacity only through `max_altitude_km` (beyond it the
vehicle cannot reach the orbit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

REFERENCE_INCLINATION_DEG = 28.5     # Cape Canaveral's latitude: the published LEO capacity
SSO_INCLINATION_DEG = 97.8           # a dawn-dusk orbit at 500-800 km (nominal)

VEHICLE_PRESETS: dict[str, dict] = {
    # Falcon 9 Block 5: 22,800 kg to LEO (28.5°), expendable (SpaceX, Falcon user's guide and
    # spacex.com); $2,600/kg (Our World in Data, cost of space launches to LEO, 2021 USD): 22.8 t
    # × $2,600 = $59 M, the order of the published $62-70 M list price. V (as cited).
    "falcon9": dict(capacity_kg=22800.0, usd_per_kg=2600.0, pricing="per_launch",
                    max_altitude_km=2000.0, min_inclination_deg=0.0, max_inclination_deg=140.0,
                    sso_capacity_fraction=0.7, projection=False),
    # Falcon Heavy: 63,800 kg to LEO (28.5°) expendable (SpaceX); $1,500/kg (OWID, 2021 USD):
    # $96 M per launch, as the $97 M list price. V (as cited).
    "falcon_heavy": dict(capacity_kg=63800.0, usd_per_kg=1500.0, pricing="per_launch",
                         max_altitude_km=2000.0, min_inclination_deg=0.0, max_inclination_deg=140.0,
                         sso_capacity_fraction=0.7, projection=False),
    # SpaceX rideshare (Transporter) to SSO: ≈ $6,500/kg (mid-2025 price, V2), billed by the kg;
    # deploys at ≈ 500-600 km sun-synchronous (max 600 km, U); 800 kg per customer satellite (U).
    "rideshare": dict(capacity_kg=800.0, usd_per_kg=6500.0, pricing="per_kg",
                      max_altitude_km=600.0, min_inclination_deg=95.0, max_inclination_deg=100.0,
                      sso_capacity_fraction=1.0, projection=False),
    # Starship: a PROJECTION. V3 targets 100+ t to LEO (V2); $200/kg is the Suncatcher paper's
    # threshold for the mid-2030s (arXiv:2511.19468, V as a threshold), not a price anyone sells.
    "starship": dict(capacity_kg=100000.0, usd_per_kg=200.0, pricing="per_launch",
                     max_altitude_km=2000.0, min_inclination_deg=0.0, max_inclination_deg=140.0,
                     sso_capacity_fraction=0.7, projection=True),
}


@dataclass(frozen=True)
class Vehicle:
    name: str
    capacity_kg: float
    usd_per_kg: float
    pricing: str
    max_altitude_km: float
    min_inclination_deg: float
    max_inclination_deg: float
    sso_capacity_fraction: float
    projection: bool

    def reach_problem(self, altitude_km: float, inclination_deg: float) -> str | None:
        """Why the vehicle cannot reach the orbit, or None."""
        if altitude_km > self.max_altitude_km:
            return (f"{self.name} cannot reach {altitude_km:g} km (its highest deployment altitude is "
                    f"{self.max_altitude_km:g} km)")
        if not self.min_inclination_deg <= inclination_deg <= self.max_inclination_deg:
            return (f"{self.name} cannot reach an inclination of {inclination_deg:.1f}° (it flies "
                    f"{self.min_inclination_deg:g}-{self.max_inclination_deg:g}°)")
        return None

    def capacity_to_kg(self, inclination_deg: float) -> float:
        """Mass to an orbit of this inclination (linear derating between the reference
        inclination and SSO; no derating below the reference)."""
        span = SSO_INCLINATION_DEG - REFERENCE_INCLINATION_DEG
        x = min(max((inclination_deg - REFERENCE_INCLINATION_DEG) / span, 0.0), 1.0)
        return self.capacity_kg * (1.0 - x * (1.0 - self.sso_capacity_fraction))


@dataclass(frozen=True)
class Launches:
    """The launches of one shell."""

    satellites_per_launch: int
    launches: int
    billed_kg: float     # kg whose $/kg is paid: whole vehicles (per_launch) or the payload (per_kg)

    def cost_usd(self, usd_per_kg: float) -> float:
        return self.billed_kg * usd_per_kg


def launches_for(vehicle: Vehicle, n_satellites: int, satellite_kg: float, inclination_deg: float) -> Launches:
    """Launches carrying `n_satellites` of `satellite_kg` each to an orbit of this inclination.
    ValueError when one satellite is heavier than the vehicle's capacity to the orbit."""
    capacity = vehicle.capacity_to_kg(inclination_deg)
    per_launch = int(math.floor(capacity / satellite_kg)) if satellite_kg > 0 else n_satellites
    if per_launch < 1:
        raise ValueError(f"a satellite of {satellite_kg:.0f} kg is heavier than what {vehicle.name} carries to "
                         f"{inclination_deg:.1f}° ({capacity:.0f} kg)")
    n_launches = -(-n_satellites // per_launch) if n_satellites > 0 else 0
    if vehicle.pricing == "per_kg":
        billed = n_satellites * satellite_kg
    else:
        billed = n_launches * vehicle.capacity_kg
    return Launches(per_launch, n_launches, billed)


def shell_orbit(shell) -> tuple[float, float] | None:
    """(highest altitude [km], inclination [deg]) of a shell's orbit; sun-synchronous orbits at
    the nominal SSO inclination; None for a TLE shell (its orbit is not checked)."""
    kind = shell.orbit_kind
    if kind == "walker":
        return shell.walker.altitude_km, shell.walker.inclination_deg
    if kind == "sso":
        return shell.sso.altitude_km, SSO_INCLINATION_DEG
    if kind == "cluster":
        c = shell.cluster
        return c.altitude_km, c.inclination_deg if c.inclination_deg is not None else SSO_INCLINATION_DEG
    if kind == "elements":
        from sim.core.constants import R_EARTH_EQUATORIAL_M
        r_eq_km = R_EARTH_EQUATORIAL_M / 1e3
        apogees = [((el.a_km if el.a_km is not None else r_eq_km + el.altitude_km) * (1.0 + el.e) - r_eq_km,
                    el.inclination_deg) for el in shell.elements]
        return max(a for a, _ in apogees), max(i for _, i in apogees)
    return None


def fleet_launch_problems(scenario, econ) -> list[tuple[str, str]]:
    """(field, problem) for every shell the vehicle cannot reach or cannot carry one satellite of."""
    from sim.lifetime.economics.mass import satellite_mass_kg, total_kg

    vehicle = econ.launch.resolved()
    problems = []
    for shell in scenario.constellation:
        orbit = shell_orbit(shell)
        if orbit is None:
            continue
        problem = vehicle.reach_problem(*orbit)
        if problem is None:
            capacity = vehicle.capacity_to_kg(orbit[1])
            kg = total_kg(satellite_mass_kg(shell, scenario, econ))
            if kg > capacity:
                problem = (f"a satellite of shell {shell.name!r} ({kg:.0f} kg) is heavier than what "
                           f"{vehicle.name} carries to its orbit ({capacity:.0f} kg)")
        if problem is not None:
            problems.append(("economics.launch.vehicle", f"shell {shell.name!r}: {problem}"))
    return problems
