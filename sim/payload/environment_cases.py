"""Earth IR (outgoing longwave radiation) and albedo of the environment cases, by inclination.

nominal: the orbit-average Earth of MODELS.md §4 (OLR 237 W/m², Bond albedo 0.30). hot / cold:
design values for a one-orbit (~90 min) averaging time, suited to a payload whose thermal time
constant is tens of minutes, from NASA/TM-2001-211221 (Anderson, Justus & Batts, "Guidelines for
the Selection of Near-Earth Thermal Environment Parameters for Spacecraft Design", 2001), which
tabulates them for low (≤ 30°), medium (30–60°) and high (> 60°) inclination. The values below
are status U: not checked against the document's tables here; docs/models.md says so and the
scenario can override them (environment.earth_ir_w_m2, environment.albedo).
"""
from __future__ import annotations

from sim.core.constants import EARTH_BOND_ALBEDO, EARTH_IR_W_M2

# (upper inclination bound in degrees, {case: (OLR W/m², albedo)}) — U, see above
CASES_BY_INCLINATION = (
    (30.0, {"hot": (261.0, 0.32), "cold": (220.0, 0.19)}),
    (60.0, {"hot": (258.0, 0.31), "cold": (208.0, 0.18)}),
    (180.0, {"hot": (249.0, 0.32), "cold": (190.0, 0.19)}),
)


def earth_ir_and_albedo(case: str, inclination_deg: float, earth_ir_w_m2: float | None = None,
                        albedo: float | None = None) -> tuple[float, float]:
    """(OLR in W/m², albedo) of `case` for an orbit of `inclination_deg` (retrograde orbits by
    their supplement), the scenario's overrides winning."""
    if case == "nominal":
        ir, a = EARTH_IR_W_M2, EARTH_BOND_ALBEDO
    else:
        inc = abs(inclination_deg) % 180.0
        inc = min(inc, 180.0 - inc)
        ir, a = next(values[case] for bound, values in CASES_BY_INCLINATION if inc <= bound)
    return (ir if earth_ir_w_m2 is None else earth_ir_w_m2), (a if albedo is None else albedo)
