"""The `lifetime.ageing:` block: battery capacity fade, dose-driven array loss, capacity table.

    lifetime:
      ageing:
        update_every_s: 1h          # capacity and array efficiency are rewritten this often
        table_every_s: 1d           # a row of /lifetime/capacity this often
        battery: {cycles_to_eol_at_ref_dod: 30000, ref_dod: 0.3, dod_exponent: 1.5,
                  eol_fade: 0.2, calendar_fade_per_sqrt_year: 0.02, age_years: 0}
        array: {dose_coefficient: 0.2, dose_x_rad: 20000}

Equations, sources and validity: docs/models.md (Ageing over the mission); sim.lifetime.ageing_kernels.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.config.base import DurationS, NonNegative, Positive, Strict, parse_duration_s


class BatteryAgeing(Strict):
    """Wöhler-type cycle life N(DoD) = N_ref (DoD_ref/DoD)^k to `eol_fade`, plus calendar fade a √t."""

    cycles_to_eol_at_ref_dod: Positive = Field(
        30000.0, description="cycles to the end-of-life fade at ref_dod (30,000 LEO cycles: JAXA simulated-LEO "
                             "cycling of 10-100 Ah Li-ion cells; the depth behind the figure is U)")
    ref_dod: Annotated[float, Field(gt=0.0, le=1.0)] = Field(0.3, description="depth of discharge of that figure (U)")
    dod_exponent: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        1.5, description="k in N ∝ DoD^-k (Li-ion Wöhler exponents 1.1-2.2 in the literature; 1.5 is a judgement, U)")
    eol_fade: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.2, description="capacity fade at which the cycle life is counted (0.2: 80 % of the initial capacity)")
    calendar_fade_per_sqrt_year: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.02, description="calendar fade a in a √(years) (SEI growth, Broussely et al. 2001; the value at "
                          "~20 °C and mid SOC is U)")
    age_years: NonNegative = Field(0.0, description="battery age at the epoch (calendar term only)")
    min_half_cycle_dod: Annotated[float, Field(ge=0.0, lt=0.5)] = Field(
        1e-3, description="SOC reversal smaller than this is not a turning point (hysteresis of the counter)")


class ArrayAgeing(Strict):
    """P/P0 = 1 − C log10(1 + D/D_x) with D the satellite's ionising dose (radiation subsystem on)."""

    dose_coefficient: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.2, description="C of the displacement-damage-dose curve (triple-junction GaAs Pmax; U)")
    dose_x_rad: Positive = Field(2.0e4, description="D_x: the dose scale of the curve, here in rad(Si) of the "
                                                    "shielded ionising dose used as its proxy (U)")


class Ageing(Strict):
    update_every_s: DurationS = Field(3600.0, description="battery capacity and array efficiency are rewritten "
                                                          "this often (half-cycles are counted every tick)")
    table_every_s: DurationS = Field(86400.0, description="a row of /lifetime/capacity this often")
    battery: BatteryAgeing = Field(default_factory=BatteryAgeing)
    array: ArrayAgeing = Field(default_factory=ArrayAgeing)

    @field_validator("update_every_s", "table_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)
