"""The payload's hardware sections of a shell (gpu, solar_array, battery, bus, radiator, thermal)
and the scenario's thermal `environment`.

Defaults and their sources are listed in docs/models.md.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config.base import Fraction, NonNegative, Positive, PositiveFraction, Strict
from sim.config.sections import scenario_check
from sim.payload.vf_curve import vf_parameters

GPU_PRESETS: dict[str, dict[str, Any]] = {
    # NVIDIA H100 SXM5; thresholds and clocks from nvidia-smi -q (MODELS.md §3)
    "h100-sxm": dict(tdp_w=700.0, idle_w=75.0, max_clock_mhz=1980.0, idle_clock_mhz=345.0,
                     v_min_ratio=0.65, knee_clock_mhz=1000.0,
                     t_max_operating_c=87.0, t_slowdown_c=89.0, t_shutdown_c=92.0,
                     t_restart_c=70.0, r_jc_k_w=0.03, peak_bf16_tflops=989.0),
    # H100 PCIe 80 GB: 350 W TDP (NVIDIA PB-11133-001)
    "h100-pcie": dict(tdp_w=350.0, idle_w=50.0, max_clock_mhz=1755.0, idle_clock_mhz=345.0,
                      v_min_ratio=0.65, knee_clock_mhz=1000.0,
                      t_max_operating_c=87.0, t_slowdown_c=89.0, t_shutdown_c=92.0,
                      t_restart_c=70.0, r_jc_k_w=0.06, peak_bf16_tflops=756.0),
}
# v_min_ratio, knee_clock_mhz: the voltage–frequency curve (V_min / V(f_max) and the clock above
# which the voltage rises) are judgements (U; the same GH100 silicon for both presets): P_static
# and C_eff follow from P(idle clock) = idle_w and P(max clock) = tdp_w (Gpu.vf_parameters);
# tests/payload/test_gpu_power_fit.py fits them to the published points and checks the curve.
# peak_bf16_tflops: dense BF16 tensor throughput at the maximum clock, half the with-sparsity
# figure of the NVIDIA H100 Tensor Core GPU datasheet (SXM 1,979, PCIe 1,513 TFLOPS with sparsity)


class Gpu(Strict):
    preset: str = "h100-sxm"
    count: Annotated[int, Field(ge=0)] = 4
    tdp_w: Positive
    idle_w: NonNegative
    max_clock_mhz: Positive
    idle_clock_mhz: Positive
    t_max_operating_c: float
    t_slowdown_c: float
    t_shutdown_c: float
    t_restart_c: float
    r_jc_k_w: NonNegative
    peak_bf16_tflops: Positive = Field(description="dense BF16 tensor throughput at the maximum clock [TFLOP/s]")
    v_min_ratio: PositiveFraction = Field(description=(
        "floor of the voltage-frequency curve as a fraction of the voltage at the maximum clock"))
    knee_clock_mhz: Positive = Field(description="clock above which the voltage rises linearly to its maximum [MHz]")
    power_cap_w: Positive | None = Field(None, description=(
        "board power limit per GPU, as set with nvidia-smi -pl [W]; the clock is held at the highest level "
        "whose full-load power meets it (idle_w < cap <= tdp_w); None: no limit"))
    level_step: Annotated[float, Field(gt=0.0, le=0.5)] = 0.05
    slowdown_level: PositiveFraction = 0.5
    capped_level: Fraction = 0.0
    throttle_hysteresis_k: NonNegative = 3.0
    throttle_hold_s: NonNegative = 60.0

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any):
        if isinstance(data, str):
            data = {"preset": data}
        if not isinstance(data, dict):
            return data
        name = data.get("preset", "h100-sxm")
        if name not in GPU_PRESETS:
            raise ValueError(f"unknown GPU preset {name!r}; known: {', '.join(sorted(GPU_PRESETS))}")
        return {**GPU_PRESETS[name], **data}

    @model_validator(mode="after")
    def _ordering(self):
        if not self.idle_w < self.tdp_w:
            raise ValueError(f"idle_w ({self.idle_w}) must be below tdp_w ({self.tdp_w})")
        if not self.idle_clock_mhz <= self.max_clock_mhz:
            raise ValueError("idle_clock_mhz must not exceed max_clock_mhz")
        if not (self.t_restart_c < self.t_max_operating_c <= self.t_slowdown_c <= self.t_shutdown_c):
            raise ValueError("temperatures must satisfy t_restart_c < t_max_operating_c <= "
                             "t_slowdown_c <= t_shutdown_c")
        if not self.knee_clock_mhz < self.max_clock_mhz:
            raise ValueError(f"knee_clock_mhz ({self.knee_clock_mhz}) must be below max_clock_mhz "
                             f"({self.max_clock_mhz})")
        if self.vf_parameters[0] < 0.0:
            raise ValueError(f"idle_w ({self.idle_w}) is below the dynamic power the voltage-frequency curve "
                             f"gives at the idle clock; raise idle_w, or lower v_min_ratio or knee_clock_mhz")
        if self.power_cap_w is not None and not self.idle_w < self.power_cap_w <= self.tdp_w:
            raise ValueError(f"power_cap_w ({self.power_cap_w}) must satisfy idle_w ({self.idle_w}) < power_cap_w "
                             f"<= tdp_w ({self.tdp_w})")
        return self

    @property
    def min_level(self) -> float:
        """The idle clock as a fraction of the maximum clock."""
        return self.idle_clock_mhz / self.max_clock_mhz

    @property
    def vf_parameters(self) -> tuple[float, float, float, float]:
        """(static_w, dynamic_w, v_min_ratio, knee_level) of sim.payload.power.gpu_power_w, from
        P(idle clock) = idle_w and P(max clock) = tdp_w (sim.payload.vf_curve.vf_parameters)."""
        return vf_parameters(self.tdp_w, self.idle_w, self.min_level, self.v_min_ratio,
                             self.knee_clock_mhz / self.max_clock_mhz)

    @property
    def power_cap_level(self) -> float:
        """Highest clock fraction whose full-load board power meets power_cap_w (1 without a cap)."""
        if self.power_cap_w is None:
            return 1.0
        from sim.payload.power import gpu_level_for_power
        return float(gpu_level_for_power(self.power_cap_w, *self.vf_parameters, self.min_level))


class SolarArray(Strict):
    area_m2: NonNegative = 14.0
    efficiency: PositiveFraction = 0.30
    degradation_per_year: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.01
    age_years: NonNegative = 0.0
    tracking: Literal["sun", "body"] = "sun"
    # the array's thermal node (thermal.model: network); docs/models.md "Solar array temperature"
    temperature_coefficient_per_k: Annotated[float, Field(ge=-0.02, le=0.0)] = Field(
        -0.0025, description="relative change of the cell efficiency per kelvin above "
        "reference_temperature_k (triple-junction GaAs about -0.002 to -0.003, Si about -0.0045)")
    reference_temperature_k: Positive = Field(301.15, description="temperature at which `efficiency` holds (AM0, 28 C)")
    absorptivity_front: Fraction = Field(0.88, description="solar absorptivity of the cell side")
    emissivity_front: PositiveFraction = Field(0.80, description="infrared emissivity of the cell side")
    absorptivity_back: Fraction = Field(0.85, description="solar absorptivity of the back (albedo only)")
    emissivity_back: PositiveFraction = Field(0.85, description="infrared emissivity of the back")
    heat_capacity_j_m2_k: NonNegative = Field(1000.0, description="areal heat capacity; 0: quasi-steady")


class Battery(Strict):
    capacity_wh: Positive = 8000.0
    soc_floor: Fraction = 0.20
    soc_release: Fraction = 0.30
    initial_soc: Fraction = 1.0
    charge_efficiency: PositiveFraction = 0.95
    discharge_efficiency: PositiveFraction = 0.95

    @model_validator(mode="after")
    def _hysteresis(self):
        if self.soc_release < self.soc_floor:
            raise ValueError("soc_release must be >= soc_floor")
        return self


class Bus(Strict):
    power_w: NonNegative = 200.0


class Radiator(Strict):
    area_m2: Positive = 3.0
    emissivity: PositiveFraction = 0.80
    absorptivity: Fraction = 0.07
    sides: Literal[1, 2] = 2
    orientation: Literal["nadir", "zenith", "edge_on_sun"] = "edge_on_sun"
    # the network model's radiator (docs/models.md "Radiator"); the lumped model ignores these
    fin_half_width_m: NonNegative = Field(0.09, description="distance from a heat pipe or tube to "
                                          "the midline between two of them; 0: an isothermal panel")
    fin_thickness_m: Positive = Field(1.0e-3, description="thickness of the conducting face sheet(s)")
    fin_conductivity_w_m_k: Positive = Field(167.0, description="thermal conductivity of the fin "
                                             "(aluminium 6061-T6: 167)")
    edge_m: Positive = Field(2.0, description="length of the radiator's root edge, along the bus "
                             "and the array; the panel extends area_m2 / edge_m from it")
    array_gap_m: NonNegative = Field(0.5, description="from the root edge to the array's near edge, "
                                     "the array perpendicular to the radiator")
    array_extent_m: NonNegative = Field(2.0, description="array extent perpendicular to the root "
                                        "edge in view of the radiator's front face; 0: no view")
    bus_extent_m: NonNegative = Field(1.0, description="extent of the bus face (perpendicular to "
                                      "the radiator at its root edge) in view of the front face")
    bus_temperature_k: Positive = Field(293.15, description="temperature of the bus face")
    bus_emissivity: Fraction = Field(0.80, description="infrared emissivity of the bus face")
    age_years: NonNegative = Field(0.0, description="radiator coating age at the epoch")
    absorptivity_per_year: NonNegative = Field(0.01, description="solar absorptivity increase per year")
    emissivity_per_year: NonNegative = Field(0.0, description="infrared emissivity decrease per year")


class HeatPipes(Strict):
    count: Annotated[int, Field(ge=1)] = 10
    qlmax_w_m: Positive = Field(400.0, description="transport limit (QL)_max of one pipe [W m]")
    effective_length_m: Positive = Field(1.0, description="L_eff = L_evap/2 + L_adiabatic + L_cond/2")
    dryout_conductance_w_k: Positive = Field(2.0, description="conductance left above the limit "
                                             "(wall and saddle conduction), all pipes")


class PumpedLoop(Strict):
    mass_flow_kg_s: Positive = 0.05
    cp_j_kg_k: Positive = Field(3500.0, description="coolant specific heat (water-glycol about 3500)")
    ua_cold_plate_w_k: Positive = Field(500.0, description="UA of the cold-plate exchanger")
    ua_radiator_w_k: Positive = Field(500.0, description="UA of the radiator tubes")
    pump_power_w: NonNegative = Field(30.0, description="pump power, drawn from the bus")


class Thermal(Strict):
    model: Literal["network", "lumped"] = Field("network", description=(
        "network: junction, package, HBM, cold plate, transport, finned radiator, array view; "
        "lumped: today's two nodes (for speed studies)"))
    c_payload_j_k: Positive = 60000.0
    c_radiator_j_k: Positive = 20000.0
    g_payload_radiator_w_k: Positive = Field(200.0, description=(
        "lumped: payload to radiator; network with heat pipes: their conductance, cold plate to "
        "radiator root (unused with pumped_loop)"))
    initial_temperature_k: Positive | None = None
    r_case_plate_k_w: NonNegative = Field(0.02, description="per GPU, package case to cold plate (TIM, plate)")
    hbm_power_fraction: Fraction = Field(0.10, description="share of the GPU board power in the HBM stacks")
    r_hbm_k_w: NonNegative = Field(0.15, description="per GPU, HBM stacks to package case")
    t_hbm_max_c: float = Field(95.0, description="HBM maximum operating temperature")
    transport: Literal["heat_pipe", "pumped_loop"] = "heat_pipe"
    heat_pipe: HeatPipes = Field(default_factory=HeatPipes)
    pumped_loop: PumpedLoop = Field(default_factory=PumpedLoop)


class Environment(Strict):
    fluxes: bool = Field(True, description="false: deep-space sink only (no Sun, albedo, Earth IR on radiators)")
    eclipse_model: Literal["conical", "cylindrical"] = "conical"
    earth_shape: Literal["wgs84", "sphere"] = Field(
        "wgs84", description="the Earth that casts the shadow: the WGS84 ellipsoid or a sphere "
                             "of the equatorial radius")
    solar_constant_w_m2: Positive = 1361.0
    j2: bool = Field(True, description="false: point-mass gravity for the analytic shells (no J2 secular "
                                       "rates; the Clohessy-Wiltshire validation of sim.lifetime.formation)")
    case: Literal["nominal", "hot", "cold"] = Field("nominal", description=(
        "Earth IR and albedo: nominal (237 W/m2, 0.30) or the hot / cold design values of NASA "
        "TM-2001-211221 for the shell's inclination (docs/models.md)"))
    earth_ir_w_m2: Positive | None = Field(None, description="overrides the case's outgoing longwave radiation")
    albedo: Fraction | None = Field(None, description="overrides the case's albedo")
    albedo_zenith_correction: bool = Field(True, description=(
        "network model: albedo rises with the solar zenith angle (TM-2001-211221 correction)"))


HARDWARE_SECTIONS = ("gpu", "solar_array", "battery", "bus", "radiator", "thermal")


@scenario_check
def one_thermal_model(scenario) -> list[tuple[str, str]]:
    """The payload kernel runs one thermal model per run: every shell names the same."""
    models = [shell.thermal.model for shell in scenario.constellation]
    if len(set(models)) > 1:
        i = next(i for i, m in enumerate(models) if m != models[0])
        return [(f"constellation.{i}.thermal.model", f"is {models[i]!r} but shell 0 uses "
                 f"{models[0]!r}; every shell must use the same thermal model")]
    return []


@scenario_check
def attitude_needs_the_network(scenario) -> list[tuple[str, str]]:
    """The lumped model keeps today's geometry (yaw steering); other attitude laws need the
    network model, whose array and radiator loads follow the body frame."""
    return [(f"constellation.{i}.attitude", f"{shell.attitude!r} needs thermal.model: network (the lumped "
             "model assumes nadir_yaw_steering)")
            for i, shell in enumerate(scenario.constellation)
            if shell.attitude != "nadir_yaw_steering" and shell.thermal.model == "lumped"]
